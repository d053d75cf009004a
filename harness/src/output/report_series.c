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

/*
 * Parameters that tell series apart, in label order: the row schema's
 * dimensions (ib_row_dim_fields; "job" is the row's bench field, the suite
 * job, never cut from its name).  Values come from the typed rows, numbers
 * in results.csv's text (ib_results_num_text), so labels and data files
 * read as they did when the report went through the CSV.
 */
const char *rp_dims[NDIMS];

_Static_assert(IB_ROW_NDIMS == NDIMS, "dims and NDIMS agree");

static void __attribute__((constructor)) rp_dims_init(void)
{
	size_t i;

	for (i = 0; i < NDIMS; i++)
		rp_dims[i] = ib_row_fields[ib_row_dim_fields[i]].dim;
}

bool rp_in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* A dim's value for row r: text in the row (struct ib_row), never built here. */
const char *rp_dim_val(const struct ib_row *r, const char *dim)
{
	return ib_row_dim_text(r, ib_row_dim_find(dim));
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
int rp_row_key(struct sbuf *b, const struct ib_row *r, const char *const *skip)
{
	size_t i;

	b->len = 0;
	if (rp_sb_add(b, "", 0))
		return -1;
	for (i = 0; i < NDIMS; i++) {
		const char *v;

		if (rp_in_list(rp_dims[i], skip))
			continue;
		v = rp_dim_val(r, rp_dims[i]);
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

/* ok and measured (not derived, not a baseline). */
bool rp_row_ok(const struct ib_row *r)
{
	return r->status == IB_ROW_OK && (!r->run_type || !*r->run_type ||
					  !strcmp(r->run_type, "measured"));
}

/* A metric, or a counter (its value is its n=1 median, mean, min and max,
 * as in results.csv). */
bool rp_has(const struct ib_row *r, const char *metric)
{
	return json_object_get(r->metrics, metric) || json_object_get(r->counters, metric);
}

/*
 * A statistic of a row's metric (or counter) as a finite number, in the
 * text results.csv has for it, or NULL: only such values reach the data
 * files, so a value can neither be NaN/inf nor break a data line (a string
 * where a number belongs is missing).  buf: RP_NUM bytes.
 */
const char *rp_stat(const struct ib_row *r, const char *metric, const char *stat, char *buf)
{
	json_t *m = json_object_get(r->metrics, metric), *v;

	if (m)
		v = json_object_get(m, stat);
	else if (!strcmp(stat, "n"))
		return json_object_get(r->counters, metric) ? strcpy(buf, "1") : NULL;
	else if (!strcmp(stat, "median") || !strcmp(stat, "mean") || !strcmp(stat, "min") ||
		 !strcmp(stat, "max"))
		v = json_object_get(json_object_get(r->counters, metric), "value");
	else
		return NULL;
	return ib_results_num_text(v, buf, RP_NUM) ? buf : NULL;
}

/* The same as a double (NaN when absent), read back from that text so
 * arithmetic on it agrees with the CSV's. */
double rp_stat_d(const struct ib_row *r, const char *metric, const char *stat)
{
	char buf[RP_NUM];
	const char *s = rp_stat(r, metric, stat, buf);

	return s ? strtod(s, NULL) : NAN;
}

/* A numeric parameter's text, or NULL. */
const char *rp_param_num(const struct ib_row *r, const char *key, char *buf)
{
	json_t *v = json_object_get(json_object_get(r->json, "params"), key);

	return ib_results_num_text(v, buf, RP_NUM) ? buf : NULL;
}

/* Copies s for a quoted data-file title: no quote, backslash or control
 * character can end the string or the line. */
void rp_label_clean(char *s)
{
	size_t u;

	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			*s = '\'';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
		else if ((u = ib_text_unsafe(s, false)) == 3) /* U+FFFE/FFFF: not XML */
			memset(s, '?', u);
}

static bool varies(const struct ib_run *run, const size_t *idx, size_t n, const char *dim)
{
	const char *v0;
	size_t i;

	if (!n)
		return false;
	v0 = rp_dim_val(&run->rows[idx[0]], dim);
	for (i = 1; i < n; i++)
		if (strcmp(rp_dim_val(&run->rows[idx[i]], dim), v0))
			return true;
	return false;
}

/* Whether dim d's value follows from dim by's over idx (same by, same d):
 * then d adds nothing to a label that already shows by.  One pass with a
 * map from by's value to the first row that has it. */
static bool determined_by(const struct ib_run *run, const size_t *idx, size_t n,
			  const char *d, const char *by)
{
	json_t *first = json_object();
	bool det = true;
	size_t i, f;

	if (!first)
		return false;
	for (i = 0; i < n && det; i++) {
		const struct ib_row *r = &run->rows[idx[i]];

		f = rp_map_add(first, rp_dim_val(r, by), idx[i]);
		if (f == MAP_OOM)
			det = false;
		else if (f != idx[i])
			det = !strcmp(rp_dim_val(r, d),
				      rp_dim_val(&run->rows[f], d));
	}
	json_decref(first);
	return det;
}

/*
 * The dims a label shows over idx: those that vary, minus those in skip and
 * those that follow from a dim already shown (e.g. job "window-4k" next to
 * page size 4k).
 */
void rp_label_dims(const struct ib_run *run, const size_t *idx, size_t n,
		   const char *const *skip, struct labeler *L)
{
	size_t i, k;

	L->n = 0;
	for (i = 0; i < NDIMS; i++) {
		bool redundant = false;

		if (rp_in_list(rp_dims[i], skip) || !varies(run, idx, n, rp_dims[i]))
			continue;
		for (k = 0; k < L->n && !redundant; k++)
			redundant = determined_by(run, idx, n, rp_dims[i], L->dims[k]);
		if (redundant)
			continue;
		/* the effective mode is shown as "mode" when both vary alike */
		if (!strcmp(rp_dims[i], "iommu_mode_effective") &&
		    varies(run, idx, n, "iommu_mode") && !rp_in_list("iommu_mode", skip))
			continue;
		L->dims[L->n++] = rp_dims[i];
	}
}

/* Label of row r: its values of L's dims; the page size comes bare. */
void rp_label_of(const struct ib_row *r, const struct labeler *L, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < L->n; i++) {
		const char *v = rp_dim_val(r, L->dims[i]);
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

/* Rows (ok, measured) with this metric (or counter) and a finite median;
 * with need_window, a window > 0 (the window axes are log scale). */
size_t rp_select_rows(const struct ib_run *run, const char *metric, bool need_window,
		      size_t *idx)
{
	char buf[RP_NUM];
	size_t r, n = 0;

	for (r = 0; r < run->nrows; r++) {
		const struct ib_row *w = &run->rows[r];

		if (!rp_row_ok(w) || !rp_stat(w, metric, "median", buf))
			continue;
		if (need_window && !(w->p.window > 0))
			continue;
		idx[n++] = r;
	}
	return n;
}

/* Sorted points for idx: rank by page size, then label, then window. */
struct pt *rp_make_points(const struct ib_run *run, const size_t *idx, size_t n,
			  const char *const *skip)
{
	struct pt *p = calloc(n ? n : 1, sizeof(*p));
	struct labeler L;
	size_t i;

	if (!p)
		return NULL;
	rp_label_dims(run, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		const struct ib_row *r = &run->rows[idx[i]];

		p[i].r = idx[i];
		p[i].rank = page_size_rank(r->p.page_size);
		p[i].x = r->p.window;
		rp_label_of(r, &L, p[i].label, sizeof(p[i].label));
	}
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	return p;
}

void rp_mode_points(const struct ib_run *run, const size_t *idx, size_t n, struct pt *p)
{
	static const char *const skip[] = { "iommu_mode", "iommu_mode_effective", NULL };
	struct labeler L;
	size_t i;

	rp_label_dims(run, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		const struct ib_row *w = &run->rows[idx[i]];
		const char *m = ib_row_mode(w, "-");
		char rest[200];

		p[i].r = idx[i];
		p[i].rank = rp_mode_rank(m);
		p[i].x = (double)i;
		rp_label_of(w, &L, rest, sizeof(rest));
		fmt(p[i].label, sizeof(p[i].label), "%s%s%s", m, strcmp(rest, "all") ? " " : "",
		    strcmp(rest, "all") ? rest : "");
		rp_label_clean(p[i].label);
	}
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
size_t rp_keep_sweeps(const struct ib_run *run, size_t *idx, size_t n)
{
	json_t *groups = json_object();
	size_t *gid = calloc(n ? n : 1, sizeof(*gid)), *first = calloc(n ? n : 1, sizeof(*first));
	bool *sweep = calloc(n ? n : 1, sizeof(*sweep));
	struct sbuf key = { 0 };
	size_t i, ng = 0, out = 0;

	if (!groups || !gid || !first || !sweep)
		goto out;
	for (i = 0; i < n; i++) {
		if (rp_row_key(&key, &run->rows[idx[i]], rp_skip_window))
			goto out;
		gid[i] = rp_map_add(groups, key.s, ng);
		if (gid[i] == MAP_OOM)
			goto out;
		if (gid[i] == ng)
			first[ng++] = idx[i];
		else if (run->rows[idx[i]].p.window != run->rows[first[gid[i]]].p.window)
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
