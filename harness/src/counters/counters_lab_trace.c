// SPDX-License-Identifier: GPL-2.0
/*
 * lab-merge's QEMU trace: read in one pass with bounded memory, its events
 * counted into the marks' intervals (per device when splitting), and the
 * events enabled with -trace (see counters_lab.c for the whole).
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

int *dom_sid;

/*
 * Lines of a file in one pass with bounded memory: each line's first
 * LAB_LINE_PARSE - 1 bytes (NUL-terminated) and its full length, whatever
 * its length or content (NUL bytes included).
 */
struct lreader {
	FILE *f;
	char buf[1 << 16];
	size_t pos, len;
};

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
			r->len = fread(r->buf, 1, sizeof(r->buf), r->f);
			r->pos = 0;
			if (!r->len) {
				if (ferror(r->f))
					return -1;
				break;
			}
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

/* The requester id of an event line, or -1 (none, or not known). */
static int line_sid(const char *line, int e)
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
		v = line_hex(line, "domain");
		return dom_sid && v >= 0 && v < MAX_DOMAINS && dom_sid[v] >= 0 ? dom_sid[v] : -1;
	default:
		return -1;
	}
}

/* Opens the QEMU trace for one pass, its size checked; NULL after one line. */
static struct lreader *trace_open(const char *path, const struct lab_limits *L)
{
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
	if (check_size(r->f, path, "a QEMU trace", L->max_trace_bytes, L)) {
		fclose(r->f);
		free(r);
		return NULL;
	}
	return r;
}

static void trace_close(struct lreader *r)
{
	if (r) {
		fclose(r->f);
		free(r);
	}
}

/* The next line of the trace; -1 after one line on a read error or once
 * past the limit (a file still growing). */
static int64_t trace_line(struct lreader *r, const char *path, uint64_t off, char *line,
			  const struct lab_limits *L)
{
	int64_t len = next_line(r, line);

	if (len < 0)
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path, strerror(errno));
	else if (off + (uint64_t)len > L->max_trace_bytes) {
		fprintf(stderr, "iommubench: lab-merge: %s: over the %" PRIu64
				" bytes allowed for a QEMU trace of a %zu-row run\n",
			path, L->max_trace_bytes, L->rows);
		return -1;
	}
	return len;
}

/* First pass for splitting: which sid each domain id belongs to. */
int learn_domains(const char *path, const struct lab_limits *L)
{
	struct lreader *r = trace_open(path, L);
	char line[LAB_LINE_PARSE];
	uint64_t off = 0;
	int64_t len;
	int e, i;

	if (!r)
		return -1;
	dom_sid = malloc(MAX_DOMAINS * sizeof(*dom_sid));
	if (!dom_sid) {
		trace_close(r);
		return -1;
	}
	for (i = 0; i < MAX_DOMAINS; i++)
		dom_sid[i] = -1;
	while ((len = trace_line(r, path, off, line, L)) > 0) {
		long d;
		int sid;

		off += (uint64_t)len;
		e = line_event(line);
		if (e != EV_PAGE_HIT && e != EV_PAGE_UPDATE)
			continue;
		d = line_hex(line, "domain");
		sid = line_sid(line, e);
		if (d < 0 || d >= MAX_DOMAINS || sid < 0)
			continue;
		if (dom_sid[d] == -1)
			dom_sid[d] = sid;
		else if (dom_sid[d] != sid)
			dom_sid[d] = -2; /* shared by devices: not split */
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
		if (cur < m->n && m->iv[cur].begin <= off) {
			e = line_event(line);
			if (e >= 0) {
				m->iv[cur].n[e]++;
				if (dom_sid && count_sid(&m->iv[cur], line_sid(line, e), e)) {
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
