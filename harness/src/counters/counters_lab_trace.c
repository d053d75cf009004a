// SPDX-License-Identifier: GPL-2.0
/*
 * lab-merge's QEMU trace: read in one pass with bounded memory, its events
 * counted into the marks' intervals (per device when splitting), and the
 * events enabled with -trace (see counters_lab.c for the whole).  A trace
 * compressed after an earlier merge (qemu-trace.log.zst, output/
 * lab_trace_zst.c) is decompressed as it is read (libzstd's streaming API):
 * offsets, marks and bounds all count the decompressed bytes, which are the
 * raw trace's.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "counters_lab_int.h"

const char *const ev_names[NEV] = {
	"vtd_iotlb_page_hit",	     "vtd_iotlb_page_update",
	"vtd_iotlb_cc_hit",	     "vtd_iotlb_cc_update",
	"vtd_dmar_fault",	     "vtd_inv_desc_iotlb_global",
	"vtd_inv_desc_iotlb_domain", "vtd_inv_desc_iotlb_pages",
	"amdvi_iotlb_hit",	     "amdvi_cache_update",
	"amdvi_page_fault",	     "amdvi_pages_inval",
	"amdvi_all_inval",	     "virtio_iommu_map",
	"virtio_iommu_unmap",	     "virtio_iommu_report_fault",
};

struct dom_epochs *dom_sid;

void dom_sid_free(void)
{
	int i;

	for (i = 0; dom_sid && i < MAX_DOMAINS; i++)
		free(dom_sid[i].e);
	free(dom_sid);
	dom_sid = NULL;
}

/* The sid domain d belonged to at trace offset off, or -1. */
static int dom_sid_at(long d, uint64_t off)
{
	const struct dom_epochs *de;
	int i;

	if (!dom_sid || d < 0 || d >= MAX_DOMAINS)
		return -1;
	de = &dom_sid[d];
	if (de->n <= 0)
		return -1;
	for (i = de->n - 1; i > 0 && de->e[i].off > off; i--)
		;
	return de->e[i].sid;
}

/* Page event of domain d by sid at off: a new epoch when the sid changed. */
static int dom_sid_learn(long d, int sid, uint64_t off)
{
	struct dom_epochs *de = &dom_sid[d];

	if (de->n < 0 || (de->n && de->e[de->n - 1].sid == sid))
		return 0;
	if (de->n == DOM_EPOCHS) {
		de->n = -1; /* shared by devices at once: not split */
		return 0;
	}
	if (de->n == de->cap) {
		int cap = de->cap ? 2 * de->cap : 2;
		struct dom_epoch *e = realloc(de->e, (size_t)cap * sizeof(*e));

		if (!e)
			return -1;
		de->e = e, de->cap = cap;
	}
	de->e[de->n].off = de->n ? off : 0;
	de->e[de->n++].sid = sid;
	return 0;
}

/*
 * Lines of a file in one pass with bounded memory: each line's first
 * LAB_LINE_PARSE - 1 bytes (NUL-terminated) and its full length, whatever
 * its length or content (NUL bytes included).  A zstd file (its magic
 * number first) is decompressed into buf as it is read: the window a frame
 * may ask for is capped (LAB_ZSTD_WINDOW_LOG_MAX), so memory stays bounded
 * whatever the file holds.
 */
struct lreader {
	FILE *f;
	ZSTD_DCtx *z;	 /* NULL: a plain file */
	ZSTD_inBuffer in; /* z: compressed bytes read, not yet decompressed */
	size_t zlast;	 /* z: ZSTD_decompressStream's last hint (0: a frame ended) */
	char zerr[160];	 /* z: why the stream could not be read */
	char zin[1 << 16];
	char buf[1 << 16];
	size_t pos, len;
};

/* Refills r->buf; its length (0 at the end, -1 on an error, said in
 * r->zerr, or in errno when that is empty). */
static ssize_t fill(struct lreader *r)
{
	ZSTD_outBuffer out = { r->buf, sizeof(r->buf), 0 };

	if (!r->z) {
		size_t n = fread(r->buf, 1, sizeof(r->buf), r->f);

		return !n && ferror(r->f) ? -1 : (ssize_t)n;
	}
	while (!out.pos) {
		if (r->in.pos == r->in.size) {
			r->in.size = fread(r->zin, 1, sizeof(r->zin), r->f);
			r->in.pos = 0;
			if (!r->in.size) {
				if (ferror(r->f))
					return -1;
				if (r->zlast) {
					snprintf(r->zerr, sizeof(r->zerr),
						 "truncated zstd stream (its last frame is incomplete)");
					return -1;
				}
				return 0;
			}
		}
		r->zlast = ZSTD_decompressStream(r->z, &out, &r->in);
		if (ZSTD_isError(r->zlast)) {
			snprintf(r->zerr, sizeof(r->zerr), "zstd: %s", ZSTD_getErrorName(r->zlast));
			return -1;
		}
	}
	return (ssize_t)out.pos;
}

/* The next line's length with its newline (0 at the end, -1 on a read
 * error); its start in line[]. */
static int64_t next_line(struct lreader *r, char line[LAB_LINE_PARSE])
{
	int64_t total = 0;
	size_t kept = 0;

	for (;;) {
		char *nl;
		size_t take, chunk;

		if (r->pos == r->len) {
			ssize_t n = fill(r);

			if (n < 0)
				return -1;
			r->len = (size_t)n;
			r->pos = 0;
			if (!r->len)
				break;
		}
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		chunk = nl ? (size_t)(nl - (r->buf + r->pos)) + 1 : r->len - r->pos;
		take = chunk < LAB_LINE_PARSE - 1 - kept ? chunk : LAB_LINE_PARSE - 1 - kept;
		memcpy(line + kept, r->buf + r->pos, take);
		kept += take;
		r->pos += chunk;
		total += (int64_t)chunk;
		if (nl)
			break;
	}
	line[kept] = '\0';
	return total;
}

/* Event name of a log-backend line, after an optional "pid@sec.usec:". */
static int line_event(const char *line)
{
	const char *p = line, *q;
	size_t len;
	int e;

	q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	if (q > p && *q == '@') {
		q = strchr(q, ':');
		if (!q)
			return -1;
		p = q + 1;
	}
	len = strcspn(p, " \n");
	for (e = 0; e < NEV; e++)
		if (strlen(ev_names[e]) == len && !strncmp(p, ev_names[e], len))
			return e;
	return -1;
}

/* The hex number after " <key> 0x" in line, or -1. */
static long line_hex(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s 0x", key);
	p = strstr(line, pat);
	return p ? strtol(p + strlen(pat), NULL, 16) : -1;
}

/* The requester id of an event line at trace offset off, or -1 (none, or
 * not known). */
static int line_sid(const char *line, int e, uint64_t off)
{
	long v, b;

	switch (e) {
	case EV_PAGE_HIT:
	case EV_PAGE_UPDATE:
	case EV_DMAR_FAULT:
		v = line_hex(line, "sid");
		return v >= 0 && v <= 0xffff ? (int)v : -1;
	case EV_CC_HIT:
	case EV_CC_UPDATE:
		b = line_hex(line, "bus");
		v = line_hex(line, "devfn");
		return b >= 0 && b <= 0xff && v >= 0 && v <= 0xff ? (int)(b << 8 | v) : -1;
	case EV_INV_DOMAIN:
	case EV_INV_PAGES:
		return dom_sid_at(line_hex(line, "domain"), off);
	default:
		return -1;
	}
}

/* A zstd trace's decompressor (its first bytes already in r->zin): the
 * window capped, the size its frame header records checked. */
static int zstd_open(struct lreader *r, const char *path, const struct lab_limits *L)
{
	unsigned long long want = ZSTD_getFrameContentSize(r->zin, r->in.size);

	r->z = ZSTD_createDCtx();
	if (!r->z || ZSTD_isError(ZSTD_DCtx_setParameter(r->z, ZSTD_d_windowLogMax,
							  LAB_ZSTD_WINDOW_LOG_MAX))) {
		fprintf(stderr, "iommubench: lab-merge: %s: out of memory\n", path);
		return -1;
	}
	if (want != ZSTD_CONTENTSIZE_UNKNOWN && want != ZSTD_CONTENTSIZE_ERROR &&
	    want > L->max_trace_bytes) {
		fprintf(stderr, "iommubench: lab-merge: %s: %llu bytes decompressed, over the %" PRIu64
				" allowed for a QEMU trace of a %zu-row run\n",
			path, want, L->max_trace_bytes, L->rows);
		return -1;
	}
	return 0;
}

static void trace_close(struct lreader *r)
{
	if (r) {
		ZSTD_freeDCtx(r->z);
		fclose(r->f);
		free(r);
	}
}

/* Opens the QEMU trace (plain or zstd) for one pass, its size checked;
 * NULL after one line. */
static struct lreader *trace_open(const char *path, const struct lab_limits *L)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd }; /* ZSTD_MAGICNUMBER */
	struct lreader *r = calloc(1, sizeof(*r));

	if (!r) {
		fprintf(stderr, "iommubench: lab-merge: %s: out of memory\n", path);
		return NULL;
	}
	r->f = fopen(path, "r");
	if (!r->f) {
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path, strerror(errno));
		free(r);
		return NULL;
	}
	if (check_size(r->f, path, "a QEMU trace", L->max_trace_bytes, L))
		goto fail;
	/* the first bytes say which: kept as the first input either way */
	r->in.src = r->zin;
	r->in.size = fread(r->zin, 1, sizeof(r->zin), r->f);
	if (!r->in.size && ferror(r->f)) {
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (r->in.size >= sizeof(magic) && !memcmp(r->zin, magic, sizeof(magic))) {
		if (zstd_open(r, path, L))
			goto fail;
	} else {
		memcpy(r->buf, r->zin, r->in.size);
		r->len = r->in.size;
	}
	return r;
fail:
	trace_close(r);
	return NULL;
}

/* The next line of the trace; -1 after one line on a read error or once
 * past the limit (a file still growing, or what a zstd file holds). */
static int64_t trace_line(struct lreader *r, const char *path, uint64_t off, char *line,
			  const struct lab_limits *L)
{
	int64_t len = next_line(r, line);

	if (len < 0)
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path,
			r->zerr[0] ? r->zerr : strerror(errno));
	else if (off + (uint64_t)len > L->max_trace_bytes) {
		fprintf(stderr, "iommubench: lab-merge: %s: over the %" PRIu64
				" bytes allowed for a QEMU trace of a %zu-row run%s\n",
			path, L->max_trace_bytes, L->rows, r->z ? " (decompressed)" : "");
		return -1;
	}
	return len;
}

const char *ib_lab_trace_path(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" IB_LAB_TRACE, dir);
	if (access(buf, F_OK) && errno == ENOENT) {
		snprintf(buf, len, "%s/" IB_LAB_TRACE_ZST, dir);
		if (access(buf, F_OK))
			snprintf(buf, len, "%s/" IB_LAB_TRACE, dir);
	}
	return buf;
}

/* First pass for splitting: which sid each domain id belongs to. */
int learn_domains(const char *path, const struct lab_limits *L)
{
	struct lreader *r = trace_open(path, L);
	char line[LAB_LINE_PARSE];
	uint64_t off = 0;
	int64_t len;
	int e;

	if (!r)
		return -1;
	dom_sid = calloc(MAX_DOMAINS, sizeof(*dom_sid));
	if (!dom_sid) {
		trace_close(r);
		return -1;
	}
	while ((len = trace_line(r, path, off, line, L)) > 0) {
		long d;
		int sid;

		e = line_event(line);
		d = e == EV_PAGE_HIT || e == EV_PAGE_UPDATE ? line_hex(line, "domain") : -1;
		sid = d >= 0 ? line_sid(line, e, off) : -1;
		if (d >= 0 && d < MAX_DOMAINS && sid >= 0 && dom_sid_learn(d, sid, off)) {
			len = -1;
			break;
		}
		off += (uint64_t)len;
	}
	trace_close(r);
	return len < 0 ? -1 : 0;
}

static int count_sid(struct interval *iv, int sid, int e)
{
	int i;

	if (sid < 0)
		return 0;
	if (!iv->by_sid) {
		iv->by_sid = calloc(MAX_SIDS, sizeof(*iv->by_sid));
		if (!iv->by_sid)
			return -1;
	}
	for (i = 0; i < iv->nsid; i++)
		if (iv->by_sid[i].sid == sid)
			break;
	if (i == iv->nsid) {
		if (iv->nsid == MAX_SIDS)
			return 0;
		memset(&iv->by_sid[i], 0, sizeof(iv->by_sid[i]));
		iv->by_sid[i].sid = sid;
		iv->nsid++;
	}
	iv->by_sid[i].n[e]++;
	return 0;
}

/*
 * One pass over the trace: the intervals are sorted and disjoint and the
 * offset only grows, so a cursor walks them once (linear in lines plus
 * intervals).
 */
int count_trace(const char *path, struct marks *m, const struct lab_limits *L)
{
	struct lreader *r = trace_open(path, L);
	char line[LAB_LINE_PARSE];
	size_t cur = 0;
	int64_t len;
	uint64_t off = 0;
	int e;

	if (!r)
		return -1;
	while ((len = trace_line(r, path, off, line, L)) > 0) {
		/* the first interval that ends after off */
		while (cur < m->n && m->iv[cur].end <= off)
			cur++;
		if (cur == m->n)
			break; /* past the last mark: nothing more to count */
		if (cur < m->n && m->iv[cur].begin <= off) {
			e = line_event(line);
			if (e >= 0) {
				m->iv[cur].n[e]++;
				if (dom_sid && count_sid(&m->iv[cur], line_sid(line, e, off), e)) {
					fprintf(stderr, "iommubench: lab-merge: out of memory\n");
					len = -1;
					break;
				}
			}
		}
		off += (uint64_t)len;
	}
	trace_close(r);
	if (len < 0)
		return -1;
	if (m->n && m->iv[m->n - 1].end > off) {
		fprintf(stderr, "iommubench: lab-merge: %s: %" PRIu64 " bytes, but %s ends at offset %" PRIu64 " (truncated log?)\n",
			path, off, shown(m->iv[m->n - 1].name), m->iv[m->n - 1].end);
		return -1;
	}
	return 0;
}

/*
 * Which events QEMU traced, from "-trace enable=PATTERN" or "-trace PATTERN"
 * in qemu-cmdline.txt (globs as QEMU accepts them).  No file: all assumed.
 */
void enabled_events(const char *path, int enabled[NEV])
{
	char *buf = NULL, *p, *tok, *save = NULL;
	size_t cap = 0;
	int e, next_is_trace = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		for (e = 0; e < NEV; e++)
			enabled[e] = 1;
		return;
	}
	for (e = 0; e < NEV; e++)
		enabled[e] = 0;
	while (getline(&buf, &cap, f) > 0) {
		for (tok = strtok_r(buf, " \t\n'\"", &save); tok;
		     tok = strtok_r(NULL, " \t\n'\"", &save)) {
			if (!next_is_trace) {
				next_is_trace = !strcmp(tok, "-trace") || !strcmp(tok, "--trace");
				continue;
			}
			next_is_trace = 0;
			p = tok;
			if (!strncmp(p, "enable=", 7))
				p += 7;
			else if (strchr(p, '='))
				continue; /* events=FILE, file=...: not followed */
			for (e = 0; e < NEV; e++)
				if (!fnmatch(p, ev_names[e], 0))
					enabled[e] = 1;
		}
	}
	free(buf);
	fclose(f);
}
