// SPDX-License-Identifier: GPL-2.0
/*
 * The counting half of `iommubench lab-merge RUNDIR`: attributes the lab's
 * vIOMMU counters to measurement points and merges them into the rows it is
 * handed (output/lab_merge.c loads and writes RUNDIR/results.json and
 * results.csv around it).
 *
 * The guest cannot read QEMU's trace events, so the host lab runner
 * (scripts/lab/lab.py) answers the guest harness's BEGIN/END handshake for
 * each point and records the byte size of QEMU's trace log at that moment in
 * RUNDIR/marks.tsv ("BEGIN\t<row>\t<offset>", "END\t<row>\t<offset>").  QEMU's
 * log backend writes every event before the guest can proceed, so the events
 * of a point are exactly the lines starting in [BEGIN offset, END offset).
 * Counting is a pure function of the two files: the same inputs give the
 * same counts, and merging twice gives the same files.
 *
 * QEMU 7.2 "log" backend lines (-D file): "<event> <args>\n", or with
 * -msg timestamp=on "<pid>@<sec>.<usec>:<event> <args>\n".
 * Mapping (hw/i386/trace-events):
 *   vtd_iotlb_page_hit                 -> iotlb_hit
 *   vtd_iotlb_page_update              -> iotlb_miss (a miss, then the fill)
 *   hit + update                       -> iotlb_lookup
 *   vtd_iotlb_cc_hit / vtd_iotlb_cc_update -> ctx_cache_hit / ctx_cache_miss
 *   vtd_inv_desc_iotlb_{global,domain,pages} -> iommu_invalidations (IOTLB
 *       invalidation descriptors; vtd_iotlb_reset is not counted because
 *       QEMU emits it as well for every global invalidation)
 *   vtd_dmar_fault                     -> io_page_faults, one per faulting
 *       access of the emulated device (not per DMA), and only when the row
 *       has no guest-side io_page_faults (the module's count, which the
 *       isolation verdict uses, is kept).
 * amd-iommu (lab.py --iommu amd; hw/i386/amd_iommu.c, QEMU 7.2):
 *   amdvi_iotlb_hit                    -> iotlb_hit
 *   amdvi_cache_update                 -> iotlb_miss (a page walk that
 *       found a permission, then the fill: the vtd_iotlb_page_update
 *       counterpart)
 *   hit + cache_update                 -> iotlb_lookup.  Not
 *       amdvi_translation_result: QEMU emits it for every translate() call,
 *       hits, fills and blocked accesses alike, and a blocked DMA is split
 *       into 4-byte accesses (a 64-byte probe: 16 results).
 *   amdvi_pages_inval + amdvi_all_inval -> iommu_invalidations
 *       (INVALIDATE_IOMMU_PAGES / _ALL commands; amdvi_iotlb_inval is the
 *       device-IOTLB (ATS) command and is not counted)
 *   amdvi_page_fault                   -> io_page_faults.  QEMU 7.2 emits
 *       it only for a non-present or forbidding *intermediate* level; a
 *       zero (unmapped) PTE or a leaf without the permission blocks the
 *       access silently, so with Linux's page tables it reads 0.  There is
 *       no context cache event.
 * virtio-iommu-pci (--iommu virtio): it keeps no IOTLB.
 *   virtio_iommu_map                   -> iommu_maps (MAP requests)
 *   virtio_iommu_unmap                 -> iommu_invalidations (UNMAP
 *       requests: what invalidates there)
 *   virtio_iommu_report_fault          -> io_page_faults, one per blocked
 *       4-byte access.  Linux's driver only logs faults, so the module's
 *       count is always 0 there: it gives way to this one (a guest-side
 *       count above 0 would still win).
 * The vIOMMU is QEMU's -device in RUNDIR/qemu-cmdline.txt, else
 * context.iommu.vendor, else intel; only its counters are written.
 * A counter whose events were not enabled with -trace (per
 * RUNDIR/qemu-cmdline.txt when present) is not written; it is listed in
 * context.counters_unavailable instead.
 *
 * Multi-rank runs (rows with params.rank, docs/harness.md "Ranks"): rank 0
 * marks each step once, so several devices work inside one interval.  A
 * mark names a row, or the rows "<mark>/rank:<N>" of a step all ranks
 * measured together; each such row gets only the events of its own device,
 * by the requester id QEMU traces (sid = bus << 8 | devfn of params.device):
 * "sid 0x.." of vtd_iotlb_page_hit/update and vtd_dmar_fault, "bus 0x..
 * devfn 0x.." of the context-cache events, and "domain 0x.." of the
 * invalidation descriptors, mapped to a sid by the page events of the whole
 * log (a domain seen with two sids is not split).  Global invalidations
 * name no device and are attributed to none.  Such rows record the sid in
 * params.lab_sid and each counter's source ends in "[sid=0x..]".
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

#include "ib_counters.h"
#include "ib_plan.h"

enum lab_ev {
	/* intel-iommu */
	EV_PAGE_HIT,
	EV_PAGE_UPDATE,
	EV_CC_HIT,
	EV_CC_UPDATE,
	EV_DMAR_FAULT,
	EV_INV_GLOBAL,
	EV_INV_DOMAIN,
	EV_INV_PAGES,
	/* amd-iommu */
	EV_AMD_HIT,
	EV_AMD_UPDATE,
	EV_AMD_FAULT,
	EV_AMD_INV_PAGES,
	EV_AMD_INV_ALL,
	/* virtio-iommu-pci */
	EV_VIRTIO_MAP,
	EV_VIRTIO_UNMAP,
	EV_VIRTIO_FAULT,
	NEV
};

static const char *const ev_names[NEV] = {
	"vtd_iotlb_page_hit",	     "vtd_iotlb_page_update",
	"vtd_iotlb_cc_hit",	     "vtd_iotlb_cc_update",
	"vtd_dmar_fault",	     "vtd_inv_desc_iotlb_global",
	"vtd_inv_desc_iotlb_domain", "vtd_inv_desc_iotlb_pages",
	"amdvi_iotlb_hit",	     "amdvi_cache_update",
	"amdvi_page_fault",	     "amdvi_pages_inval",
	"amdvi_all_inval",	     "virtio_iommu_map",
	"virtio_iommu_unmap",	     "virtio_iommu_report_fault",
};

/* The vIOMMU a run used: QEMU's -device in qemu-cmdline.txt (lab.py --iommu) */
enum lab_vendor { V_INTEL, V_AMD, V_VIRTIO };

struct lab_counter {
	enum lab_vendor vendor;
	const char *name, *source;
	int ev[3]; /* summed events, -1 terminated */
};

static const struct lab_counter lab_counters[] = {
	{ V_INTEL, "iotlb_hit", "lab:vtd_iotlb_page_hit", { EV_PAGE_HIT, -1 } },
	{ V_INTEL, "iotlb_miss", "lab:vtd_iotlb_page_update", { EV_PAGE_UPDATE, -1 } },
	{ V_INTEL, "iotlb_lookup", "lab:vtd_iotlb_page_hit+vtd_iotlb_page_update",
	  { EV_PAGE_HIT, EV_PAGE_UPDATE, -1 } },
	{ V_INTEL, "ctx_cache_hit", "lab:vtd_iotlb_cc_hit", { EV_CC_HIT, -1 } },
	{ V_INTEL, "ctx_cache_miss", "lab:vtd_iotlb_cc_update", { EV_CC_UPDATE, -1 } },
	{ V_INTEL, "iommu_invalidations", "lab:vtd_inv_desc_iotlb_global+domain+pages",
	  { EV_INV_GLOBAL, EV_INV_DOMAIN, EV_INV_PAGES } },
	{ V_INTEL, "io_page_faults", "lab:vtd_dmar_fault", { EV_DMAR_FAULT, -1 } },
	{ V_AMD, "iotlb_hit", "lab:amdvi_iotlb_hit", { EV_AMD_HIT, -1 } },
	{ V_AMD, "iotlb_miss", "lab:amdvi_cache_update", { EV_AMD_UPDATE, -1 } },
	{ V_AMD, "iotlb_lookup", "lab:amdvi_iotlb_hit+amdvi_cache_update",
	  { EV_AMD_HIT, EV_AMD_UPDATE, -1 } },
	{ V_AMD, "iommu_invalidations", "lab:amdvi_pages_inval+amdvi_all_inval",
	  { EV_AMD_INV_PAGES, EV_AMD_INV_ALL, -1 } },
	{ V_AMD, "io_page_faults", "lab:amdvi_page_fault", { EV_AMD_FAULT, -1 } },
	{ V_VIRTIO, "iommu_maps", "lab:virtio_iommu_map", { EV_VIRTIO_MAP, -1 } },
	{ V_VIRTIO, "iommu_invalidations", "lab:virtio_iommu_unmap", { EV_VIRTIO_UNMAP, -1 } },
	{ V_VIRTIO, "io_page_faults", "lab:virtio_iommu_report_fault", { EV_VIRTIO_FAULT, -1 } },
};
#define NCOUNTERS (sizeof(lab_counters) / sizeof(lab_counters[0]))

/*
 * Events the guest cannot see, so that its count of 0 gives way to the lab's:
 * Linux's virtio-iommu driver only logs faults (no report_iommu_fault()).
 */
static bool guest_blind(const struct lab_counter *c)
{
	return c->vendor == V_VIRTIO && !strcmp(c->name, "io_page_faults");
}


#define MAX_SIDS 16 /* devices per interval that get their own counts */

struct sid_count {
	int sid;
	uint64_t n[NEV];
};

#define NO_IV ((size_t)-1)

struct interval {
	char *name;
	uint64_t begin, end;
	uint64_t n[NEV];
	struct sid_count *by_sid; /* MAX_SIDS, only while splitting by device */
	int nsid;
	size_t next; /* the next interval (sorted order) of the same name, or NO_IV */
	size_t tail; /* on the first of a name: its last interval so far */
	bool first;  /* the first interval of its name */
};

/* domain id -> sid, learned from the page events (-1 none, -2 several) */
#define MAX_DOMAINS 65536
static int *dom_sid;

/*
 * Input bounds, derived from the plan (the rows of results.json; lab.py
 * marks each point once, rank 0 marks each step of a multi-rank run once):
 * at most LAB_MARKS_PER_ROW intervals per row plus LAB_MARKS_OTHER for
 * other runs of the same lab boot, each mark line no longer than the
 * longest name a row may have (IB_NAME_LEN) plus its kind and offset; the QEMU trace at
 * most LAB_TRACE_PER_ROW bytes per row plus LAB_TRACE_BASE (boot, set-up).
 * Both files are read in one pass with bounded memory whatever they hold.
 */
#define LAB_MARKS_PER_ROW 4
/* marks.tsv is the lab boot's: a boot that ran several runs (the lab tests
 * do) holds their marks too, under names this run does not have */
#define LAB_MARKS_OTHER 4096
#define LAB_MARK_OVERHEAD 32 /* "BEGIN\t" "\t" 20 digits "\r\n" */
#define LAB_TRACE_BASE (64ULL << 20)
#define LAB_TRACE_PER_ROW (1ULL << 30)
#define LAB_LINE_PARSE 4096 /* trace bytes of a line looked at (QEMU's are < 300) */

struct lab_limits {
	size_t rows, max_name;	 /* from results.json */
	size_t max_intervals;	 /* LAB_MARKS_PER_ROW * rows */
	uint64_t max_marks_bytes, max_trace_bytes;
};

struct marks {
	struct interval *iv;
	size_t n, cap;
};

static void lab_limits_of(const struct ib_lab_rows *R, struct lab_limits *L)
{
	size_t k, len;

	memset(L, 0, sizeof(*L));
	L->rows = R->n;
	for (k = 0; k < R->n; k++) {
		len = R->name[k] ? strlen(R->name[k]) : 0;
		if (len > L->max_name)
			L->max_name = len;
	}
	L->max_intervals = LAB_MARKS_PER_ROW * L->rows + LAB_MARKS_OTHER;
	L->max_marks_bytes = (uint64_t)L->max_intervals * 2 * (IB_NAME_LEN + LAB_MARK_OVERHEAD);
	L->max_trace_bytes = LAB_TRACE_BASE + (uint64_t)L->rows * LAB_TRACE_PER_ROW;
}

/* Refuses a file larger than limit (one line); 0 when within it. */
static int check_size(FILE *f, const char *path, const char *what, uint64_t limit,
		      const struct lab_limits *L)
{
	struct stat st;

	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size <= limit)
		return 0; /* not a regular file (/dev/null): the read is bounded too */
	fprintf(stderr, "iommubench: lab-merge: %s: %" PRIu64 " bytes, over the %" PRIu64
			" allowed for %s of a %zu-row run\n",
		path, (uint64_t)st.st_size, limit, what, L->rows);
	return -1;
}

/* A mark name (bytes from marks.tsv) for a message: C0 controls and DEL
 * become '?', and so does U+FFFE/U+FFFF (as ib_text_safe does), in one of
 * four rotating buffers. */
static const char *shown(const char *s)
{
	static char buf[4][256];
	static int k;
	size_t o = 0;
	unsigned char c;

	k = (k + 1) % 4;
	for (; s && *s && o + 1 < sizeof(buf[k]); s++) {
		c = (unsigned char)*s;
		if (c == 0xef && (unsigned char)s[1] == 0xbf &&
		    ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf)) {
			buf[k][o++] = '?';
			s += 2;
		} else {
			buf[k][o++] = c == 0x7f || c < 0x20 ? '?' : *s;
		}
	}
	buf[k][o] = '\0';
	return buf[k];
}

static int cmp_iv(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static void marks_free(struct marks *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->iv[i].name);
		free(m->iv[i].by_sid);
	}
	free(m->iv);
}

/*
 * Links the intervals of each name (sorted order): one hash lookup per
 * interval (jansson's object, seeded), so n intervals cost O(n), not the
 * O(n^2) of comparing each with those before it.
 */
static int group_names(struct marks *m)
{
	json_t *first = json_object(), *v;
	size_t k, f;
	int ret = -1;

	if (!first)
		return -1;
	for (k = 0; k < m->n; k++) {
		struct interval *iv = &m->iv[k];

		iv->next = NO_IV;
		v = json_object_get(first, iv->name);
		if (!v) {
			if (json_object_set_new_nocheck(first, iv->name, json_integer((json_int_t)k)))
				goto out;
			iv->first = true;
			iv->tail = k;
			continue;
		}
		f = (size_t)json_integer_value(v);
		m->iv[m->iv[f].tail].next = k;
		m->iv[f].tail = k;
	}
	ret = 0;
out:
	json_decref(first);
	return ret;
}

/* Parses marks.tsv into closed intervals, sorted and checked for overlap. */
static int load_marks(const char *path, struct marks *m, const struct lab_limits *L)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *kind, *name, *off, *end, *save;
	size_t cap = 0, i;
	ssize_t len;
	uint64_t total = 0;
	long lineno = 0;
	int ret = -1, open_idx = -1;

	if (!f) {
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (check_size(f, path, "marks", L->max_marks_bytes, L))
		goto out;
	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned long long o;

		lineno++;
		total += (uint64_t)len;
		if (total > L->max_marks_bytes) { /* grew since the check */
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: over the %" PRIu64
					" bytes allowed for marks of a %zu-row run\n",
				path, lineno, L->max_marks_bytes, L->rows);
			goto out;
		}
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		kind = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		off = strtok_r(NULL, "\t", &save);
		errno = 0;
		o = off ? strtoull(off, &end, 10) : 0;
		if (!kind || !name || !off || errno || *end || end == off ||
		    !(*off >= '0' && *off <= '9')) {
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: expected BEGIN|END<TAB>row<TAB>offset\n",
				path, lineno);
			goto out;
		}
		if (!strcmp(kind, "BEGIN")) {
			if (open_idx >= 0) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: BEGIN %s while %s is open\n",
					path, lineno, shown(name), shown(m->iv[open_idx].name));
				goto out;
			}
			if (m->n >= L->max_intervals) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: more than %zu intervals, the most for a %zu-row run (%d per row, %d for other runs in the same lab boot)\n",
					path, lineno, L->max_intervals, L->rows, LAB_MARKS_PER_ROW, LAB_MARKS_OTHER);
				goto out;
			}
			if (m->n == m->cap) {
				struct interval *n;

				m->cap = m->cap ? 2 * m->cap : 64;
				n = realloc(m->iv, m->cap * sizeof(*n));
				if (!n)
					goto out;
				m->iv = n;
			}
			memset(&m->iv[m->n], 0, sizeof(m->iv[0]));
			m->iv[m->n].name = strdup(name);
			if (!m->iv[m->n].name)
				goto out;
			m->iv[m->n].begin = o;
			open_idx = (int)m->n++;
		} else if (!strcmp(kind, "END")) {
			if (open_idx < 0 || strcmp(m->iv[open_idx].name, name)) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: END %s without its BEGIN\n",
					path, lineno, shown(name));
				goto out;
			}
			if (o < m->iv[open_idx].begin) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: END offset %llu before BEGIN offset %" PRIu64 "\n",
					path, lineno, o, m->iv[open_idx].begin);
				goto out;
			}
			m->iv[open_idx].end = o;
			open_idx = -1;
		} else {
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: %s: expected BEGIN or END\n",
				path, lineno, shown(kind));
			goto out;
		}
	}
	if (open_idx >= 0) {
		/* an interrupted run: the open point has no complete count */
		fprintf(stderr, "iommubench: lab-merge: %s: %s has BEGIN but no END; not attributed\n",
			path, shown(m->iv[open_idx].name));
		free(m->iv[open_idx].name);
		m->n--;
	}
	qsort(m->iv, m->n, sizeof(m->iv[0]), cmp_iv);
	for (i = 1; i < m->n; i++)
		if (m->iv[i].begin < m->iv[i - 1].end) {
			fprintf(stderr, "iommubench: lab-merge: %s: %s and %s overlap\n",
				path, shown(m->iv[i - 1].name), shown(m->iv[i].name));
			goto out;
		}
	if (group_names(m)) {
		fprintf(stderr, "iommubench: lab-merge: %s: out of memory\n", path);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

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
static int learn_domains(const char *path, const struct lab_limits *L)
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
static int count_trace(const char *path, struct marks *m, const struct lab_limits *L)
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
static void enabled_events(const char *path, int enabled[NEV])
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

/*
 * The vIOMMU: the first "-device <model>" of an IOMMU in qemu-cmdline.txt,
 * else context.iommu.vendor (the guest's sysfs), else intel (runs from
 * before lab.py --iommu).
 */
static enum lab_vendor lab_vendor(const char *cmdline_path, json_t *ctx)
{
	static const struct {
		const char *model, *vendor;
		enum lab_vendor v;
	} models[] = { { "intel-iommu", "intel", V_INTEL },
		       { "amd-iommu", "amd", V_AMD },
		       { "virtio-iommu-pci", "virtio", V_VIRTIO } };
	char *buf = NULL, *tok, *save = NULL;
	size_t cap = 0, i;
	int next_is_dev = 0, found = -1;
	const char *cv;
	FILE *f = fopen(cmdline_path, "r");

	while (f && found < 0 && getline(&buf, &cap, f) > 0) {
		for (tok = strtok_r(buf, " \t\n'\"", &save); tok && found < 0;
		     tok = strtok_r(NULL, " \t\n'\"", &save)) {
			if (!next_is_dev) {
				next_is_dev = !strcmp(tok, "-device");
				continue;
			}
			next_is_dev = 0;
			for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
				if (!strncmp(tok, models[i].model, strlen(models[i].model)) &&
				    (tok[strlen(models[i].model)] == ',' || !tok[strlen(models[i].model)]))
					found = (int)i;
		}
	}
	free(buf);
	if (f)
		fclose(f);
	if (found >= 0)
		return models[found].v;
	cv = json_string_value(json_object_get(json_object_get(ctx, "iommu"), "vendor"));
	for (i = 0; cv && i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcmp(cv, models[i].vendor))
			return models[i].v;
	return V_INTEL;
}

/*
 * The QEMU trace was live over the pass the row's marks bracketed
 * (lab_marks, point.c): "lab" joins params.counters_live (the timing pass,
 * also rows from before lab_marks existed) or counting_pass.sources.
 */
static void note_lab_live(json_t *row)
{
	const char *pass = json_string_value(json_object_get(row, "lab_marks"));
	json_t *arr, *v, *params = json_object_get(row, "params");
	size_t i;

	if (pass && !strcmp(pass, "counting"))
		arr = json_object_get(json_object_get(row, "counting_pass"), "sources");
	else
		arr = json_is_object(params) ? json_object_get(params, "counters_live") : NULL;
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v) ?: "", "lab"))
			return;
	json_array_append_new(arr, json_string("lab"));
}

#define MAX_STEP_ROWS 1024

/* The rows a mark names: the row of that name, or the step's rows
 * "<mark>/rank:0", "/rank:1", ... of a multi-rank run. */
static int step_rows(json_t *names, const struct ib_lab_rows *R, const char *mark,
		     json_t *rows[MAX_STEP_ROWS])
{
	json_t *idx = json_object_get(names, mark);
	char name[4096];
	int n = 0;

	if (idx) {
		rows[0] = R->row[json_integer_value(idx)];
		return 1;
	}
	for (n = 0; n < MAX_STEP_ROWS; n++) {
		snprintf(name, sizeof(name), "%s/rank:%d", mark, n);
		idx = json_object_get(names, name);
		if (!idx)
			break;
		rows[n] = R->row[json_integer_value(idx)];
	}
	return n;
}

/* The requester id of a PCI BDF "dddd:bb:dd.f" (or "bb:dd.f"), or -1. */
static int bdf_sid(const char *bdf)
{
	unsigned int dom, bus, dev, fn;

	if (!bdf)
		return -1;
	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) {
		if (sscanf(bdf, "%x:%x.%x", &bus, &dev, &fn) != 3)
			return -1;
	}
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	return (int)(bus << 8 | dev << 3 | fn);
}

/* Merges the counts of every interval named like m->iv[k] into row: all
 * events, or (a row of a multi-rank run with a device) its sid's only. */
/*
 * QEMU 7.2's amd-iommu caches one IOTLB entry per 4 KiB page whatever the
 * IOPTE size (amdvi_update_iotlb/amdvi_iotlb_lookup key on addr >> 12),
 * while Linux's AMD page table maps with any power-of-two size (a 4k buffer
 * may get 32 KiB or 128 KiB IOPTEs).  params.iotlb_entry_bytes tells derive
 * what one IOTLB entry covers, so the reach is counted in real entries.
 */
static void note_amd_entry_bytes(json_t *row)
{
	json_t *params = json_object_get(row, "params");

	if (json_is_object(params))
		json_object_set_new(params, "iotlb_entry_bytes", json_integer(4096));
}

static int merge_row(json_t *row, struct marks *m, size_t k, const int enabled[NEV],
		     enum lab_vendor vendor)
{
	json_t *params = json_object_get(row, "params"), *counters;
	uint64_t tot[NEV] = { 0 };
	int sid = -1, e, i;
	char src[160];
	size_t j;

	if (json_object_get(params, "rank"))
		sid = bdf_sid(json_string_value(json_object_get(params, "device")));
	for (j = k; j != NO_IV; j = m->iv[j].next) {
		if (sid < 0) {
			for (e = 0; e < NEV; e++)
				tot[e] += m->iv[j].n[e];
			continue;
		}
		for (i = 0; i < m->iv[j].nsid; i++)
			if (m->iv[j].by_sid[i].sid == sid)
				for (e = 0; e < NEV; e++)
					tot[e] += m->iv[j].by_sid[i].n[e];
	}
	if (sid >= 0)
		json_object_set_new(params, "lab_sid", json_integer(sid));
	counters = json_object_get(row, "counters");
	if (!json_is_object(counters)) {
		counters = json_object();
		json_object_set_new(row, "counters", counters);
	}
	for (j = 0; j < NCOUNTERS; j++) {
		const struct lab_counter *c = &lab_counters[j];
		json_t *old = json_object_get(counters, c->name), *o;
		const char *osrc = json_string_value(json_object_get(old, "source"));
		uint64_t v = 0;
		int x, all = 1;

		if (c->vendor != vendor)
			continue;
		for (x = 0; x < 3 && c->ev[x] >= 0; x++) {
			all &= enabled[c->ev[x]];
			v += tot[c->ev[x]];
		}
		if (!all)
			continue;
		if (old && !(osrc && !strncmp(osrc, "lab:", 4)) &&
		    !(guest_blind(c) && json_integer_value(json_object_get(old, "value")) == 0))
			continue; /* a guest-side count of the same name wins */
		if (sid >= 0)
			snprintf(src, sizeof(src), "%s[sid=0x%x]", c->source, sid);
		else
			snprintf(src, sizeof(src), "%s", c->source);
		o = json_object();
		json_object_set_new(o, "value", json_integer((json_int_t)v));
		json_object_set_new(o, "source", json_string(src));
		json_object_set_new(counters, c->name, o);
	}
	if (vendor == V_AMD)
		note_amd_entry_bytes(row);
	note_lab_live(row);
	return 1;
}

#define MAX_UNKNOWN_SHOWN 8 /* "not a row" lines, then a count */

int ib_lab_count_merge(const struct ib_lab_rows *R, const char *dir, const char *trace,
		       const char *marks_path, const char *rpath)
{
	char tpath[4096], mpath[4096], cpath[4096], err[512];
	struct marks m = { 0 };
	struct lab_limits lim;
	size_t unknown = 0;
	int enabled[NEV], ret = -1, rows_merged = 0;
	enum lab_vendor vendor;
	json_t *ctx = R->ctx, *ua, *u, *names = NULL;
	size_t k, j;

	snprintf(tpath, sizeof(tpath), "%s/qemu-trace.log", dir);
	snprintf(mpath, sizeof(mpath), "%s/marks.tsv", dir);
	snprintf(cpath, sizeof(cpath), "%s/qemu-cmdline.txt", dir);
	if (!trace)
		trace = tpath;
	if (!marks_path)
		marks_path = mpath;

	lab_limits_of(R, &lim);
	if (load_marks(marks_path, &m, &lim) || count_trace(trace, &m, &lim))
		goto out;
	enabled_events(cpath, enabled);
	vendor = lab_vendor(cpath, ctx);
	/* a multi-rank run: counts split per device (first pass: domains) */
	for (k = 0; k < R->n; k++)
		if (json_object_get(json_object_get(R->row[k], "params"), "rank"))
			break;
	if (k < R->n) {
		for (j = 0; j < m.n; j++)
			memset(m.iv[j].n, 0, sizeof(m.iv[j].n));
		if (learn_domains(trace, &lim) || count_trace(trace, &m, &lim))
			goto out;
	}
	/* marks name rows: find each by name once (rows are unique by name) */
	names = json_object();
	if (!names)
		goto out;
	for (k = R->n; k-- > 0;)
		if (R->name[k])
			json_object_set_new(names, R->name[k], json_integer((json_int_t)k));

	for (k = 0; k < m.n; k++) {
		json_t *rows[MAX_STEP_ROWS];
		int nrows, r;

		/* a row measured in several intervals: first one merges all */
		if (!m.iv[k].first)
			continue;
		nrows = step_rows(names, R, m.iv[k].name, rows);
		if (!nrows) {
			if (++unknown <= MAX_UNKNOWN_SHOWN)
				fprintf(stderr, "iommubench: lab-merge: marks name %s, which is not a row of %s\n",
					shown(m.iv[k].name), rpath);
			continue;
		}
		for (r = 0; r < nrows; r++)
			rows_merged += merge_row(rows[r], &m, k, enabled, vendor);
	}
	if (unknown > MAX_UNKNOWN_SHOWN)
		fprintf(stderr, "iommubench: lab-merge: %zu more marked names are not rows of %s\n",
			unknown - MAX_UNKNOWN_SHOWN, rpath);
	/* context: unavailable lab counters (replacing an earlier merge's) */
	ua = json_object_get(ctx, "counters_unavailable");
	if (!json_is_array(ua)) {
		ua = json_array();
		json_object_set_new(ctx, "counters_unavailable", ua);
	}
	for (k = json_array_size(ua); k-- > 0;) {
		const char *n = json_string_value(json_object_get(json_array_get(ua, k), "name"));

		if (n && !strncmp(n, "lab:", 4))
			json_array_remove(ua, k);
	}
	for (j = 0; j < NCOUNTERS; j++) {
		const struct lab_counter *c = &lab_counters[j];
		int x;

		if (c->vendor != vendor)
			continue;
		for (x = 0; x < 3 && c->ev[x] >= 0; x++)
			if (!enabled[c->ev[x]])
				break;
		if (x < 3 && c->ev[x] >= 0) {
			u = json_object();
			json_object_set_new(u, "name", json_string(c->source));
			snprintf(err, sizeof(err), "%s: %s not enabled with -trace (qemu-cmdline.txt)",
				 c->name, ev_names[c->ev[x]]);
			json_object_set_new(u, "reason", json_string(err));
			json_array_append_new(ua, u);
		}
	}
	json_object_set_new(ctx, "counter_attribution",
			    json_string("lab: QEMU trace events between the BEGIN/END handshake offsets of each point (marks.tsv)"));

	fprintf(stderr, "iommubench: lab-merge: %d rows from %zu marked intervals merged into %s\n",
		rows_merged, m.n, rpath);
	ret = rows_merged;
out:
	free(dom_sid);
	dom_sid = NULL;
	json_decref(names);
	marks_free(&m);
	return ret;
}
