// SPDX-License-Identifier: GPL-2.0
/*
 * What the figures share: series dimensions and labels, row keys and
 * maps, the ok/measured row selection and the order of points.  Part of `iommubench report`
 * (report.c; docs/report.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"


#include "report_int.h"

/* ---- figure data ---- */

/*
 * Every figure is linear-ish in the rows (docs/report.md, "Scale"): rows are
 * grouped through string maps (jansson objects, hashed) or sorted, never
 * compared pairwise, and a series label's dimensions are chosen once per
 * figure, not once per row.
 */

/* Parameters that tell series apart, in label order. */
const char *const rp_dims[NDIMS] = {
	"page_size", "job",	 "engine",   "bench",	 "pattern",	"xfer_size",
	"threads",   "granule",	 "iommu_mode", "iommu_mode_effective",
	"direction", "cpu_node", "mem_node", "dev_node", "device",
	"window",
};

_Static_assert(ARRAY_SIZE(rp_dims) == NDIMS, "dims and NDIMS agree");

bool rp_in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* A dim's value; "job" is the row name up to its first '/' (the suite's
 * section: a sweep never crosses jobs). */
const char *rp_dim_val(const struct ib_csv *c, size_t r, const char *dim, char *buf,
			   size_t len)
{
	const char *name, *slash;

	if (strcmp(dim, "job"))
		return ib_csv_get(c, r, dim);
	name = ib_csv_get(c, r, "name");
	slash = strchr(name, '/');
	fmt(buf, len, "%.*s", (int)(slash ? (size_t)(slash - name) : strlen(name)), name);
	return buf;
}

/* A growing string, for map keys. */

int rp_sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, nc);

		if (!ns)
			return -1;
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Key of row r over the dims not in skip ('\x1f' between values). */
int rp_row_key(struct sbuf *b, const struct ib_csv *c, size_t r, const char *const *skip)
{
	size_t i;

	b->len = 0;
	if (rp_sb_add(b, "", 0))
		return -1;
	for (i = 0; i < NDIMS; i++) {
		char vb[128];
		const char *v;

		if (rp_in_list(rp_dims[i], skip))
			continue;
		v = rp_dim_val(c, r, rp_dims[i], vb, sizeof(vb));
		if (rp_sb_add(b, v, strlen(v)) || rp_sb_add(b, "\x1f", 1))
			return -1;
	}
	return 0;
}

/*
 * String -> size_t maps.  rp_map_add returns the value already stored under
 * key, or stores v and returns it; (size_t)-1 when out of memory.
 */

size_t rp_map_add(json_t *m, const char *key, size_t v)
{
	json_t *old = json_object_get(m, key);

	if (old)
		return (size_t)json_integer_value(old);
	if (json_object_set_new_nocheck(m, key, json_integer((json_int_t)v)))
		return MAP_OOM;
	return v;
}

bool rp_map_get(json_t *m, const char *key, size_t *v)
{
	json_t *x = json_object_get(m, key);

	if (x)
		*v = (size_t)json_integer_value(x);
	return x != NULL;
}

/* name -> first CSV row with that name and metric (any status). */
json_t *rp_rows_by_name(const struct ib_csv *c, const char *metric)
{
	json_t *m = json_object();
	size_t r;

	for (r = 0; m && r < c->nrows; r++)
		if (!strcmp(ib_csv_get(c, r, "metric"), metric) &&
		    rp_map_add(m, ib_csv_get(c, r, "name"), r) == MAP_OOM) {
			json_decref(m);
			return NULL;
		}
	return m;
}

bool rp_row_ok(const struct ib_csv *c, size_t r)
{
	const char *rt = ib_csv_get(c, r, "run_type");

	return !strcmp(ib_csv_get(c, r, "status"), "ok") &&
	       (!*rt || !strcmp(rt, "measured"));
}

/*
 * A cell as a finite number, plain decimal (what results.c writes), or
 * NULL.  Only such cells reach the data files, so a cell can neither be
 * NaN/inf nor break a data line (spaces, quotes, newlines).
 */
const char *rp_num_cell(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = ib_csv_get(c, r, col);
	char *end;
	double v;

	if (!*s || s[strspn(s, "0123456789+-.eE")])
		return NULL;
	v = strtod(s, &end);
	return *end || !isfinite(v) ? NULL : s;
}

double rp_cell_d(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = rp_num_cell(c, r, col);

	return s ? strtod(s, NULL) : NAN;
}

/* A number for a data file, or '-' (gnuplot's missing value). */
const char *rp_num_or_dash(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = rp_num_cell(c, r, col);

	return s ? s : "-";
}

/* Copies s for a quoted data-file title: no quote, backslash or control
 * character can end the string or the line. */
void rp_label_clean(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			*s = '\'';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static bool varies(const struct ib_csv *c, const size_t *idx, size_t n, const char *dim)
{
	char a[128], b[128];
	const char *v0;
	size_t i;

	if (!n)
		return false;
	v0 = rp_dim_val(c, idx[0], dim, b, sizeof(b));
	for (i = 1; i < n; i++)
		if (strcmp(rp_dim_val(c, idx[i], dim, a, sizeof(a)), v0))
			return true;
	return false;
}

/* Whether dim d's value follows from dim by's over idx (same by, same d):
 * then d adds nothing to a label that already shows by.  One pass with a
 * map from by's value to the first row that has it. */
static bool determined_by(const struct ib_csv *c, const size_t *idx, size_t n,
			  const char *d, const char *by)
{
	json_t *first = json_object();
	char a[128], x[128], y[128];
	bool det = true;
	size_t i, f;

	if (!first)
		return false;
	for (i = 0; i < n && det; i++) {
		f = rp_map_add(first, rp_dim_val(c, idx[i], by, a, sizeof(a)), idx[i]);
		if (f == MAP_OOM)
			det = false;
		else if (f != idx[i])
			det = !strcmp(rp_dim_val(c, idx[i], d, x, sizeof(x)),
				      rp_dim_val(c, f, d, y, sizeof(y)));
	}
	json_decref(first);
	return det;
}

/* The dims a label shows over idx (see rp_label_dims). */

/*
 * The dims that vary over idx, minus those in skip and those that follow
 * from a dim already shown (e.g. job "window-4k" next to page size 4k).
 */
void rp_label_dims(const struct ib_csv *c, const size_t *idx, size_t n,
		       const char *const *skip, struct labeler *L)
{
	size_t i, k;

	L->n = 0;
	for (i = 0; i < NDIMS; i++) {
		bool redundant = false;

		if (rp_in_list(rp_dims[i], skip) || !varies(c, idx, n, rp_dims[i]))
			continue;
		for (k = 0; k < L->n && !redundant; k++)
			redundant = determined_by(c, idx, n, rp_dims[i], L->dims[k]);
		if (redundant)
			continue;
		/* the effective mode is shown as "mode" when both vary alike */
		if (!strcmp(rp_dims[i], "iommu_mode_effective") &&
		    varies(c, idx, n, "iommu_mode") && !rp_in_list("iommu_mode", skip))
			continue;
		L->dims[L->n++] = rp_dims[i];
	}
}

/* Label of row r: its values of L's dims; the page size comes bare. */
void rp_label_of(const struct ib_csv *c, size_t r, const struct labeler *L, char *buf,
		     size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < L->n; i++) {
		char vb[128];
		const char *v = rp_dim_val(c, r, L->dims[i], vb, sizeof(vb));
		int w;

		if (!strcmp(L->dims[i], "page_size"))
			w = fmt(buf + o, len - o, "%s%s", o ? " " : "", *v ? v : "-");
		else
			w = fmt(buf + o, len - o, "%s%s=%s", o ? " " : "", L->dims[i],
				*v ? v : "-");
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	rp_label_clean(buf); /* gnuplot reads the label as a "..." string */
	if (!buf[0])
		fmt(buf, len, "all");
}

/* Series order: by the page size in bytes (buffer.c's parser), thp just
 * before 2m; rows without a page size last. */
static int page_size_rank(const char *ps)
{
	uint64_t b;
	int lg = 0;

	if (!ps || !*ps)
		return INT_MAX;
	b = ib_page_size_bytes(ps);
	for (b = b ? b : 4096; b > 1; b >>= 1) /* an unknown token sorts with 4k */
		lg++;
	return 2 * lg + !!strcmp(ps, "thp");
}

int rp_mode_rank(const char *m)
{
	static const char *const order[] = { "off", "identity", "dma-lazy",
					     "dma-strict", "current" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(m, order[i]))
			return (int)i;
	return (int)ARRAY_SIZE(order);
}


int rp_pt_cmp(const void *a, const void *b)
{
	const struct pt *p = a, *q = b;
	int c;

	if (p->rank != q->rank)
		return p->rank < q->rank ? -1 : 1;
	c = strcmp(p->label, q->label);
	if (c)
		return c;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->r < q->r ? -1 : p->r > q->r;
}

/* Rows (ok, measured) with this metric and a finite median; with
 * need_window, a window > 0 (the window axes are log scale). */
size_t rp_select_rows(const struct ib_csv *c, const char *metric, bool need_window,
			  size_t *idx)
{
	size_t r, n = 0;

	for (r = 0; r < c->nrows; r++) {
		if (!rp_row_ok(c, r) || strcmp(ib_csv_get(c, r, "metric"), metric) ||
		    !rp_num_cell(c, r, "median"))
			continue;
		if (need_window && !(rp_cell_d(c, r, "window") > 0))
			continue;
		idx[n++] = r;
	}
	return n;
}

/* Sorted points for idx: rank by page size, then label, then window. */
struct pt *rp_make_points(const struct ib_csv *c, const size_t *idx, size_t n,
			      const char *const *skip)
{
	struct pt *p = calloc(n ? n : 1, sizeof(*p));
	struct labeler L;
	size_t i;

	if (!p)
		return NULL;
	rp_label_dims(c, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		p[i].r = idx[i];
		p[i].rank = page_size_rank(ib_csv_get(c, idx[i], "page_size"));
		p[i].x = rp_cell_d(c, idx[i], "window");
		rp_label_of(c, idx[i], &L, p[i].label, sizeof(p[i].label));
	}
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	return p;
}

size_t rp_distinct_windows(const struct pt *p, size_t n)
{
	double *x = malloc((n ? n : 1) * sizeof(*x));
	size_t i, d = 0;

	if (!x)
		return 0;
	for (i = 0; i < n; i++)
		x[i] = p[i].x;
	qsort(x, n, sizeof(*x), ib_cmp_double);
	for (i = 0; i < n; i++)
		d += !i || x[i] != x[i - 1];
	free(x);
	return d;
}

const char *const rp_skip_window[] = { "window", NULL };

/*
 * Keeps the rows of idx that belong to a sweep: rows equal in every dim but
 * the window, at least two distinct windows.  Returns the new count.
 */
size_t rp_keep_sweeps(const struct ib_csv *c, size_t *idx, size_t n)
{
	json_t *groups = json_object();
	size_t *gid = calloc(n ? n : 1, sizeof(*gid)), *first = calloc(n ? n : 1, sizeof(*first));
	bool *sweep = calloc(n ? n : 1, sizeof(*sweep));
	struct sbuf key = { 0 };
	size_t i, ng = 0, out = 0;

	if (!groups || !gid || !first || !sweep)
		goto out;
	for (i = 0; i < n; i++) {
		if (rp_row_key(&key, c, idx[i], rp_skip_window))
			goto out;
		gid[i] = rp_map_add(groups, key.s, ng);
		if (gid[i] == MAP_OOM)
			goto out;
		if (gid[i] == ng)
			first[ng++] = idx[i];
		else if (strcmp(ib_csv_get(c, idx[i], "window"),
				ib_csv_get(c, first[gid[i]], "window")))
			sweep[gid[i]] = true;
	}
	for (i = 0; i < n; i++)
		if (sweep[gid[i]])
			idx[out++] = idx[i];
out:
	json_decref(groups);
	free(key.s);
	free(gid);
	free(first);
	free(sweep);
	return out;
}

/*
 * A line per series: past WINDOW_MAX_SERIES the key no longer fits and
 * gnuplot takes seconds per figure, so the scripts draw the first ones
 * (page size order) and the data file keeps them all.
 */
void rp_series_cap(char *buf, size_t len, int n)
{
	buf[0] = '\0';
	if (n > WINDOW_MAX_SERIES)
		fmt(buf, len, " The first %d of %d series are drawn; the data file has them all.",
		    WINDOW_MAX_SERIES, n);
}
