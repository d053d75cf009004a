// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench report RUN_DIR`: draws RUN_DIR/plots/<figure>.svg and .png with the
 * gnuplot scripts in plots/ and writes a self-contained RUN_DIR/report.html.
 *
 * results.json is the source of truth: on load, RUN_DIR/results.csv is
 * rewritten from it with results.c's writer, so the two always agree.
 * The figures are fed from that CSV only: for each figure this file
 * extracts the rows it needs into a small whitespace-separated data file
 * (RUN_DIR/plots/data/<figure>.dat, gnuplot index blocks with a quoted
 * series title as first line) and runs gnuplot on the script.  The one
 * exception is the DMA count behind "IOTLB misses per DMA": the CSV has no
 * repetition count, so results.json supplies row.repetitions and
 * params.warmup (docs/report.md says why).  The tables come from
 * results.json.  Every file is written to a temporary name and renamed;
 * a failed write stops the report (exit 3).  Text from the results reaches
 * gnuplot only as data-file titles and single-quoted -e strings, never as
 * code (docs/report.md).
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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf that may truncate (messages, labels): says so to the compiler. */
static int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* ---- CSV ---- */

/*
 * The table lives in one buffer: the text itself, unquoted in place (a
 * cell is never longer than its quoted form), with cells pointing into it.
 * One allocation for the text and one for the cell pointers, however many
 * rows: a 44k-row run's CSV has ~10 M cells.
 */
/*
 * Column lookups are by far the most frequent call (16 M for a 44k-row
 * report), nearly always with a string literal: a small cache keyed by the
 * name's address (checked against the column's name) saves hashing it.
 */
struct ib_csv_cache {
	const char *key[64];
	int col[64];
};

static char csv_empty[1] = "";

static int csv_push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		char **nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
	return 0;
}

/*
 * One record starting at *p, its cells appended to cells; advances *p past
 * its line end.  The cells are NUL-terminated in place.
 */
static int csv_record(char **p, char ***cells, size_t *ncells, size_t *cap, size_t *nrec,
		      int *line, char *err, size_t errlen)
{
	char *s = *p, *w;

	*nrec = 0;
	for (;;) {
		char *cell = w = s;

		if (*s == '"') {
			int start = *line;

			s++;
			for (;;) {
				if (!*s) {
					fmt(err, errlen, "line %d: unterminated quoted field", start);
					return -1;
				}
				if (*s == '"' && s[1] == '"') {
					s += 2;
					*w++ = '"';
				} else if (*s == '"') {
					s++;
					break;
				} else {
					if (*s == '\n')
						(*line)++;
					*w++ = *s++;
				}
			}
			if (*s && *s != ',' && *s != '\n' && *s != '\r') {
				fmt(err, errlen, "line %d: text after a closing quote", *line);
				return -1;
			}
		} else {
			s += strcspn(s, ",\n\r");
			w = s;
		}
		if (csv_push(cells, ncells, cap, cell)) {
			fmt(err, errlen, "line %d: out of memory", *line);
			return -1;
		}
		(*nrec)++;
		if (*s == ',') {
			*w = '\0';
			s++;
			continue;
		}
		if (*s == '\r')
			*s++ = '\0';
		if (*s == '\n') {
			*s++ = '\0';
			(*line)++;
		}
		*w = '\0';
		break;
	}
	*p = s;
	return 0;
}

/* Parses buf (malloc'd; the table takes it over, also on error). */
static int csv_parse_owned(char *buf, struct ib_csv *csv, char *err, size_t errlen)
{
	char *p = buf, **cells = NULL;
	size_t ncells = 0, cap = 0, n, r;
	int line = 1;

	memset(csv, 0, sizeof(*csv));
	csv->buf = buf;
	if (!*p) {
		fmt(err, errlen, "line 1: empty file (no header)");
		goto fail;
	}
	if (csv_record(&p, &cells, &ncells, &cap, &csv->ncols, &line, err, errlen))
		goto fail;
	while (*p) {
		int at = line;

		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		if (csv_record(&p, &cells, &ncells, &cap, &n, &line, err, errlen))
			goto fail;
		if (n > csv->ncols) {
			fmt(err, errlen, "line %d: %zu fields, the header has %zu", at, n,
			    csv->ncols);
			goto fail;
		}
		for (; n < csv->ncols; n++) /* a short line: the rest are "" */
			if (csv_push(&cells, &ncells, &cap, csv_empty)) {
				fmt(err, errlen, "line %d: out of memory", at);
				goto fail;
			}
		csv->nrows++;
	}
	csv->cells = cells;
	csv->cols = cells;
	csv->rows = malloc((csv->nrows ? csv->nrows : 1) * sizeof(*csv->rows));
	csv->colidx = json_object();
	csv->cache = calloc(1, sizeof(*csv->cache));
	if (!csv->rows || !csv->colidx || !csv->cache) {
		fmt(err, errlen, "out of memory");
		goto fail_table;
	}
	for (r = 0; r < csv->nrows; r++)
		csv->rows[r] = cells + (r + 1) * csv->ncols;
	/* the first of equal column names wins, as a scan would find it */
	for (n = csv->ncols; n-- > 0;)
		if (json_object_set_new_nocheck(csv->colidx, csv->cols[n],
						json_integer((json_int_t)n))) {
			fmt(err, errlen, "out of memory");
			goto fail_table;
		}
	return 0;
fail:
	free(cells);
	free(buf);
	memset(csv, 0, sizeof(*csv));
	return -1;
fail_table:
	ib_csv_free(csv);
	return -1;
}

int ib_csv_parse(const char *text, struct ib_csv *csv, char *err, size_t errlen)
{
	char *buf = strdup(text);

	if (!buf) {
		memset(csv, 0, sizeof(*csv));
		fmt(err, errlen, "out of memory");
		return -1;
	}
	return csv_parse_owned(buf, csv, err, errlen);
}

void ib_csv_free(struct ib_csv *csv)
{
	free(csv->rows);
	free(csv->cells);
	free(csv->buf);
	json_decref(csv->colidx);
	free(csv->cache);
	memset(csv, 0, sizeof(*csv));
}

int ib_csv_col(const struct ib_csv *csv, const char *name)
{
	struct ib_csv_cache *k = csv->cache;
	size_t h = ((uintptr_t)name >> 3) % ARRAY_SIZE(k->key);
	json_t *i;
	int col;

	if (k && k->key[h] == name && !strcmp(csv->cols[k->col[h]], name))
		return k->col[h];
	i = csv->colidx ? json_object_get(csv->colidx, name) : NULL;
	if (!i)
		return -1;
	col = (int)json_integer_value(i);
	if (k) {
		k->key[h] = name;
		k->col[h] = col;
	}
	return col;
}

const char *ib_csv_get(const struct ib_csv *csv, size_t r, const char *name)
{
	int c = ib_csv_col(csv, name);

	return c < 0 || r >= csv->nrows ? "" : csv->rows[r][c];
}

/* ---- escaping and labels ---- */

static const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

char *ib_html_escape(const char *s)
{
	size_t n = 1;
	const char *p, *e;
	char *out, *o;

	for (p = s; *p; p++)
		n += (e = html_entity(*p)) ? strlen(e) : 1;
	out = malloc(n);
	if (!out)
		return NULL;
	for (o = out, p = s; *p; p++) {
		e = html_entity(*p);
		if (e) {
			memcpy(o, e, strlen(e));
			o += strlen(e);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

void ib_html_put(FILE *f, const char *s)
{
	const char *e;

	for (; s && *s; s++) {
		e = html_entity(*s);
		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

void ib_report_platform_label(char *buf, size_t len, const char *platform,
			      const char *host)
{
	if (platform && !strcmp(platform, "qemu-lab"))
		fmt(buf, len, "emulated (qemu-lab), host %s", host ? host : "?");
	else
		fmt(buf, len, "%s, host %s", platform ? platform : "host",
			 host ? host : "?");
}

void ib_gp_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '\'';
	for (; *s && o + 3 < len; s++) {
		if (*s == '\n' || *s == '\r')
			continue;
		if (*s == '\'')
			buf[o++] = '\'';
		buf[o++] = *s;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
}

void ib_shell_join(char *buf, size_t len, const char *const *argv, size_t argc)
{
	size_t i, o = 0;
	const char *s;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < argc && o + 1 < len; i++) {
		bool plain = *argv[i] != '\0';

		for (s = argv[i]; *s; s++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./=:,+@%", *s))
				plain = false;
		if (i && o + 1 < len)
			buf[o++] = ' ';
		if (plain) {
			for (s = argv[i]; *s && o + 1 < len; s++)
				buf[o++] = *s;
		} else {
			if (o + 1 < len)
				buf[o++] = '\'';
			for (s = argv[i]; *s && o + 5 < len; s++) {
				if (*s == '\'') {
					memcpy(buf + o, "'\\''", 4);
					o += 4;
				} else {
					buf[o++] = *s;
				}
			}
			if (o + 1 < len)
				buf[o++] = '\'';
		}
		buf[o] = '\0';
	}
}

/* ---- figure data ---- */

/*
 * Every figure is linear-ish in the rows (docs/report.md, "Scale"): rows are
 * grouped through string maps (jansson objects, hashed) or sorted, never
 * compared pairwise, and a series label's dimensions are chosen once per
 * figure, not once per row.
 */

/* Parameters that tell series apart, in label order. */
static const char *const dims[] = {
	"page_size", "job",	 "engine",   "bench",	 "pattern",	"xfer_size",
	"threads",   "granule",	 "iommu_mode", "iommu_mode_effective",
	"direction", "cpu_node", "mem_node", "dev_node", "device",
	"window",
};

#define NDIMS ARRAY_SIZE(dims)

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* A dim's value; "job" is the row name up to its first '/' (the suite's
 * section: a sweep never crosses jobs). */
static const char *dim_val(const struct ib_csv *c, size_t r, const char *dim, char *buf,
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
struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
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
static int row_key(struct sbuf *b, const struct ib_csv *c, size_t r, const char *const *skip)
{
	size_t i;

	b->len = 0;
	if (sb_add(b, "", 0))
		return -1;
	for (i = 0; i < NDIMS; i++) {
		char vb[128];
		const char *v;

		if (in_list(dims[i], skip))
			continue;
		v = dim_val(c, r, dims[i], vb, sizeof(vb));
		if (sb_add(b, v, strlen(v)) || sb_add(b, "\x1f", 1))
			return -1;
	}
	return 0;
}

/*
 * String -> size_t maps.  map_add returns the value already stored under
 * key, or stores v and returns it; (size_t)-1 when out of memory.
 */
#define MAP_OOM ((size_t)-1)

static size_t map_add(json_t *m, const char *key, size_t v)
{
	json_t *old = json_object_get(m, key);

	if (old)
		return (size_t)json_integer_value(old);
	if (json_object_set_new_nocheck(m, key, json_integer((json_int_t)v)))
		return MAP_OOM;
	return v;
}

static bool map_get(json_t *m, const char *key, size_t *v)
{
	json_t *x = json_object_get(m, key);

	if (x)
		*v = (size_t)json_integer_value(x);
	return x != NULL;
}

/* name -> first CSV row with that name and metric (any status). */
static json_t *rows_by_name(const struct ib_csv *c, const char *metric)
{
	json_t *m = json_object();
	size_t r;

	for (r = 0; m && r < c->nrows; r++)
		if (!strcmp(ib_csv_get(c, r, "metric"), metric) &&
		    map_add(m, ib_csv_get(c, r, "name"), r) == MAP_OOM) {
			json_decref(m);
			return NULL;
		}
	return m;
}

static bool row_ok(const struct ib_csv *c, size_t r)
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
static const char *num_cell(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = ib_csv_get(c, r, col);
	char *end;
	double v;

	if (!*s || s[strspn(s, "0123456789+-.eE")])
		return NULL;
	v = strtod(s, &end);
	return *end || !isfinite(v) ? NULL : s;
}

static double cell_d(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = num_cell(c, r, col);

	return s ? strtod(s, NULL) : NAN;
}

/* A number for a data file, or '-' (gnuplot's missing value). */
static const char *num_or_dash(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = num_cell(c, r, col);

	return s ? s : "-";
}

/* Copies s for a quoted data-file title: no quote, backslash or control
 * character can end the string or the line. */
static void label_clean(char *s)
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
	v0 = dim_val(c, idx[0], dim, b, sizeof(b));
	for (i = 1; i < n; i++)
		if (strcmp(dim_val(c, idx[i], dim, a, sizeof(a)), v0))
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
		f = map_add(first, dim_val(c, idx[i], by, a, sizeof(a)), idx[i]);
		if (f == MAP_OOM)
			det = false;
		else if (f != idx[i])
			det = !strcmp(dim_val(c, idx[i], d, x, sizeof(x)),
				      dim_val(c, f, d, y, sizeof(y)));
	}
	json_decref(first);
	return det;
}

/* The dims a label shows over idx (see label_dims). */
struct labeler {
	const char *dims[NDIMS];
	size_t n;
};

/*
 * The dims that vary over idx, minus those in skip and those that follow
 * from a dim already shown (e.g. job "window-4k" next to page size 4k).
 */
static void label_dims(const struct ib_csv *c, const size_t *idx, size_t n,
		       const char *const *skip, struct labeler *L)
{
	size_t i, k;

	L->n = 0;
	for (i = 0; i < NDIMS; i++) {
		bool redundant = false;

		if (in_list(dims[i], skip) || !varies(c, idx, n, dims[i]))
			continue;
		for (k = 0; k < L->n && !redundant; k++)
			redundant = determined_by(c, idx, n, dims[i], L->dims[k]);
		if (redundant)
			continue;
		/* the effective mode is shown as "mode" when both vary alike */
		if (!strcmp(dims[i], "iommu_mode_effective") &&
		    varies(c, idx, n, "iommu_mode") && !in_list("iommu_mode", skip))
			continue;
		L->dims[L->n++] = dims[i];
	}
}

/* Label of row r: its values of L's dims; the page size comes bare. */
static void label_of(const struct ib_csv *c, size_t r, const struct labeler *L, char *buf,
		     size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < L->n; i++) {
		char vb[128];
		const char *v = dim_val(c, r, L->dims[i], vb, sizeof(vb));
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
	label_clean(buf); /* gnuplot reads the label as a "..." string */
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
	for (b = ib_page_size_bytes(ps); b > 1; b >>= 1)
		lg++;
	return 2 * lg + !!strcmp(ps, "thp");
}

static int mode_rank(const char *m)
{
	static const char *const order[] = { "off", "identity", "dma-lazy",
					     "dma-strict", "current" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(m, order[i]))
			return (int)i;
	return (int)ARRAY_SIZE(order);
}

struct pt {
	size_t r;
	int rank;
	char label[256];
	double x;
};

static int pt_cmp(const void *a, const void *b)
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
static size_t select_rows(const struct ib_csv *c, const char *metric, bool need_window,
			  size_t *idx)
{
	size_t r, n = 0;

	for (r = 0; r < c->nrows; r++) {
		if (!row_ok(c, r) || strcmp(ib_csv_get(c, r, "metric"), metric) ||
		    !num_cell(c, r, "median"))
			continue;
		if (need_window && !(cell_d(c, r, "window") > 0))
			continue;
		idx[n++] = r;
	}
	return n;
}

/* Sorted points for idx: rank by page size, then label, then window. */
static struct pt *make_points(const struct ib_csv *c, const size_t *idx, size_t n,
			      const char *const *skip)
{
	struct pt *p = calloc(n ? n : 1, sizeof(*p));
	struct labeler L;
	size_t i;

	if (!p)
		return NULL;
	label_dims(c, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		p[i].r = idx[i];
		p[i].rank = page_size_rank(ib_csv_get(c, idx[i], "page_size"));
		p[i].x = cell_d(c, idx[i], "window");
		label_of(c, idx[i], &L, p[i].label, sizeof(p[i].label));
	}
	qsort(p, n, sizeof(*p), pt_cmp);
	return p;
}

static size_t distinct_windows(const struct pt *p, size_t n)
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

static const char *const skip_window[] = { "window", NULL };

/*
 * Keeps the rows of idx that belong to a sweep: rows equal in every dim but
 * the window, at least two distinct windows.  Returns the new count.
 */
static size_t keep_sweeps(const struct ib_csv *c, size_t *idx, size_t n)
{
	json_t *groups = json_object();
	size_t *gid = calloc(n ? n : 1, sizeof(*gid)), *first = calloc(n ? n : 1, sizeof(*first));
	bool *sweep = calloc(n ? n : 1, sizeof(*sweep));
	struct sbuf key = { 0 };
	size_t i, ng = 0, out = 0;

	if (!groups || !gid || !first || !sweep)
		goto out;
	for (i = 0; i < n; i++) {
		if (row_key(&key, c, idx[i], skip_window))
			goto out;
		gid[i] = map_add(groups, key.s, ng);
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

int ib_fig_window(const struct ib_csv *c, const char *metric, FILE *f, char *why,
		  size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n, i;
	struct pt *p = NULL;
	int series = 0;

	if (!idx)
		goto oom;
	n = keep_sweeps(c, idx, select_rows(c, metric, true, idx));
	p = make_points(c, idx, n, skip_window);
	if (!p)
		goto oom;
	if (distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with %s", metric);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!i || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", i ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %s %s %s\n", p[i].x, num_cell(c, p[i].r, "median"),
			num_or_dash(c, p[i].r, "ci95_low"), num_or_dash(c, p[i].r, "ci95_high"));
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return series;
}

int ib_fig_knees(const struct ib_csv *c, FILE *f)
{
	json_t *seen = json_object(), *entries = rows_by_name(c, "iotlb_entries");
	size_t r, q;
	int n = 0;

	for (r = 0; seen && entries && r < c->nrows; r++) {
		const char *name = ib_csv_get(c, r, "name");
		double k = cell_d(c, r, "knee_window");
		const char *ps = ib_csv_get(c, r, "page_size");
		char psb[32];
		size_t i;

		if (strcmp(ib_csv_get(c, r, "run_type"), "derived") ||
		    strcmp(ib_csv_get(c, r, "status"), "ok") ||
		    strncmp(name, "iotlb_reach/", 12) || !(k > 0))
			continue;
		/* one line per row: the metric rows of a derived row repeat it */
		q = map_add(seen, name, r);
		if (q != r)
			continue;
		if (!*ps && strstr(name, "page_size:"))
			ps = strstr(name, "page_size:") + 10;
		fmt(psb, sizeof(psb), "%s", *ps ? ps : "?");
		for (i = 0; psb[i]; i++)
			if (!isalnum((unsigned char)psb[i]))
				psb[i] = '\0';
		fprintf(f, "%.10g \"%s\" %s\n", k, psb[0] ? psb : "?",
			map_get(entries, name, &q) ? num_or_dash(c, q, "median") : "-");
		n++;
	}
	json_decref(seen);
	json_decref(entries);
	return n;
}

/* results.json rows by name (the first of each name), for the few inputs
 * the CSV lacks. */
static json_t *doc_rows_by_name(json_t *doc)
{
	json_t *m = json_object(), *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));

		if (m && name && !json_object_get(m, name) &&
		    json_object_set_nocheck(m, name, row)) {
			json_decref(m);
			return NULL;
		}
	}
	return m;
}

/*
 * DMAs the counters saw: the counters run from before the warm-up
 * repetitions to after the last one (run.c), but dma_latency_ns.n counts
 * only the kept repetitions, so n is scaled by (reps + warmup) / reps.
 */
static double counted_dmas(const struct ib_csv *c, size_t r_lat, json_t *docrows)
{
	double n = cell_d(c, r_lat, "n");
	json_t *row = docrows ? json_object_get(docrows, ib_csv_get(c, r_lat, "name")) : NULL;
	json_t *params = json_object_get(row, "params");
	json_t *reps = json_object_get(row, "repetitions");
	json_t *warm = json_object_get(params, "warmup");

	if (json_is_integer(reps) && json_integer_value(reps) > 0 && json_is_integer(warm) &&
	    json_integer_value(warm) >= 0)
		n *= (double)(json_integer_value(reps) + json_integer_value(warm)) /
		     (double)json_integer_value(reps);
	return n;
}

int ib_fig_misses(const struct ib_csv *c, json_t *doc, FILE *f, char *why,
		  size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n, i, q;
	json_t *lat = NULL, *docrows = NULL;
	struct pt *p = NULL;
	int series = 0;

	if (!idx)
		goto oom;
	n = select_rows(c, "iotlb_miss", true, idx);
	if (!n) {
		fmt(why, whylen, "no row has the iotlb_miss counter");
		goto out;
	}
	n = keep_sweeps(c, idx, n);
	p = make_points(c, idx, n, skip_window);
	lat = rows_by_name(c, "dma_latency_ns");
	docrows = doc ? doc_rows_by_name(doc) : NULL;
	if (!p || !lat || (doc && !docrows))
		goto oom;
	if (distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with the iotlb_miss counter");
		goto out;
	}
	for (i = 0; i < n; i++) {
		double dmas = NAN;

		if (map_get(lat, ib_csv_get(c, p[i].r, "name"), &q))
			dmas = counted_dmas(c, q, docrows);
		if (!(dmas > 0) || !isfinite(dmas))
			continue; /* no DMA count: not a DMA point */
		if (!series || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %.10g %s %.10g\n", p[i].x,
			cell_d(c, p[i].r, "median") / dmas, num_cell(c, p[i].r, "median"), dmas);
	}
	if (!series)
		fmt(why, whylen, "no iotlb_miss row has a dma_latency_ns count (n) to divide by");
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	json_decref(lat);
	json_decref(docrows);
	free(p);
	free(idx);
	return series;
}

static const char *row_mode(const struct ib_csv *c, size_t r)
{
	const char *m = ib_csv_get(c, r, "iommu_mode_effective");

	return *m ? m : *ib_csv_get(c, r, "iommu_mode") ? ib_csv_get(c, r, "iommu_mode") : "-";
}

/* A positive number (log axes), or '-'. */
static const char *pos_or_dash(const struct ib_csv *c, size_t r, const char *col)
{
	return cell_d(c, r, col) > 0 ? num_cell(c, r, col) : "-";
}

/* More categories than this make an unreadable chart (110 px each). */
#define MAPUNMAP_MAX 96

int ib_fig_mapunmap(const struct ib_csv *c, FILE *f, char *why, size_t whylen)
{
	static const char *const skip[] = { "iommu_mode", "iommu_mode_effective", NULL };
	static const char *const ms[2] = { "map_ns", "unmap_ns" };
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n = 0, r, i, q[2];
	json_t *seen = json_object(), *by[2] = { rows_by_name(c, ms[0]), rows_by_name(c, ms[1]) };
	struct labeler L;
	struct pt *p = NULL;
	int cats = 0, k;

	if (!idx || !seen || !by[0] || !by[1])
		goto oom;
	/* one point per row name that has a positive map_ns or unmap_ns median */
	for (r = 0; r < c->nrows; r++) {
		const char *m = ib_csv_get(c, r, "metric");

		if (!row_ok(c, r) || (strcmp(m, "map_ns") && strcmp(m, "unmap_ns")) ||
		    !(cell_d(c, r, "median") > 0))
			continue;
		i = map_add(seen, ib_csv_get(c, r, "name"), r);
		if (i == MAP_OOM)
			goto oom;
		if (i == r)
			idx[n++] = r;
	}
	if (!n) {
		fmt(why, whylen, "no row has a map_ns or unmap_ns median");
		goto out;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		goto oom;
	label_dims(c, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		char rest[200];

		p[i].r = idx[i];
		p[i].rank = mode_rank(row_mode(c, idx[i]));
		label_of(c, idx[i], &L, rest, sizeof(rest));
		fmt(p[i].label, sizeof(p[i].label), "%s%s%s", row_mode(c, idx[i]),
		    strcmp(rest, "all") ? " " : "", strcmp(rest, "all") ? rest : "");
		label_clean(p[i].label);
		p[i].x = (double)i;
	}
	qsort(p, n, sizeof(*p), pt_cmp);
	if (n > MAPUNMAP_MAX) {
		fmt(why, whylen, "the first %d of %zu points", MAPUNMAP_MAX, n);
		n = MAPUNMAP_MAX;
	}
	fprintf(f, "# label map_p50 map_p90 map_p99 unmap_p50 unmap_p90 unmap_p99\n");
	for (i = 0; i < n; i++) {
		const char *name = ib_csv_get(c, p[i].r, "name");

		fprintf(f, "\"%s\"", p[i].label);
		for (k = 0; k < 2; k++) {
			if (!map_get(by[k], name, &q[k]))
				fprintf(f, " - - -");
			else
				fprintf(f, " %s %s %s", pos_or_dash(c, q[k], "median"),
					pos_or_dash(c, q[k], "p90"), pos_or_dash(c, q[k], "p99"));
		}
		fputc('\n', f);
		cats++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	json_decref(seen);
	json_decref(by[0]);
	json_decref(by[1]);
	free(p);
	free(idx);
	return cats;
}

static const char *const placement[] = { "cpu_node", "mem_node", "dev_node", "device",
					 NULL };

/* Panels side by side (460 px each): more would be unreadable. */
#define NUMA_MAX_PANELS 16
#define NUMA_OVER (NUMA_MAX_PANELS + 1)

/* dev_node as a word of the devs list: [A-Za-z0-9_.:-], at most 32. */
static void dev_word(char *buf, size_t len, const char *dev)
{
	size_t i;

	fmt(buf, len < 33 ? len : 33, "%s", *dev ? dev : "-");
	for (i = 0; buf[i]; i++)
		if (!isalnum((unsigned char)buf[i]) && !strchr("_.:-", buf[i]))
			buf[i] = '?';
}

struct numa_pt {
	size_t r, block, pos;
};

static int numa_pt_cmp(const void *a, const void *b)
{
	const struct numa_pt *p = a, *q = b;

	if (p->block != q->block)
		return p->block < q->block ? -1 : 1;
	return p->pos < q->pos ? -1 : p->pos > q->pos;
}

int ib_fig_numa(const struct ib_csv *c, FILE *f, char *label, size_t labellen,
		char *devs, size_t devslen, char *why, size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), *gid = NULL, *count = NULL;
	size_t *tfirst = NULL, n, i, ng = 0, best = 0, best_g = 0, best_n = 0, nb = 0, npt = 0;
	json_t *groups = json_object(), *triples = json_object(), *blocks = json_object();
	struct numa_pt *pts = NULL;
	struct sbuf key = { 0 };
	int nblocks = 0;

	label[0] = '\0';
	devs[0] = '\0';
	if (!idx || !groups || !triples || !blocks)
		goto oom;
	n = 0;
	for (i = 0; i < c->nrows; i++)
		if (row_ok(c, i) && !strcmp(ib_csv_get(c, i, "metric"), "dma_latency_ns") &&
		    num_cell(c, i, "median") && num_cell(c, i, "cpu_node") &&
		    num_cell(c, i, "mem_node"))
			idx[n++] = i;
	gid = calloc(n + 1, sizeof(*gid));
	count = calloc(n + 1, sizeof(*count));
	tfirst = calloc(n + 1, sizeof(*tfirst));
	pts = calloc(n + 1, sizeof(*pts));
	if (!gid || !count || !tfirst || !pts)
		goto oom;
	/*
	 * Groups: rows equal but for placement (ids in order of first row).
	 * The group with the most distinct (cpu, mem, dev) triples is drawn,
	 * the earliest on a tie; tfirst[i]: the first row of i's triple.
	 */
	for (i = 0; i < n; i++) {
		if (row_key(&key, c, idx[i], placement))
			goto oom;
		gid[i] = map_add(groups, key.s, ng);
		if (gid[i] == MAP_OOM)
			goto oom;
		if (gid[i] == ng)
			ng++;
		fmt(key.s, key.cap, "%zu", gid[i]);
		key.len = strlen(key.s);
		if (sb_add(&key, "\x1f", 1) ||
		    sb_add(&key, ib_csv_get(c, idx[i], "cpu_node"),
			   strlen(ib_csv_get(c, idx[i], "cpu_node"))) ||
		    sb_add(&key, "\x1f", 1) ||
		    sb_add(&key, ib_csv_get(c, idx[i], "mem_node"),
			   strlen(ib_csv_get(c, idx[i], "mem_node"))) ||
		    sb_add(&key, "\x1f", 1) ||
		    sb_add(&key, ib_csv_get(c, idx[i], "dev_node"),
			   strlen(ib_csv_get(c, idx[i], "dev_node"))))
			goto oom;
		tfirst[i] = map_add(triples, key.s, i);
		if (tfirst[i] == MAP_OOM)
			goto oom;
		count[gid[i]] += tfirst[i] == i;
	}
	for (i = 0; i < ng; i++)
		if (count[i] > best_n) {
			best_n = count[i];
			best_g = i;
		}
	if (best_n < 2) {
		fmt(why, whylen, "fewer than two cpu/mem/dev node placements with dma_latency_ns");
		goto out;
	}
	/* the group's triples, in blocks per dev_node in the order first seen */
	for (i = 0; i < n; i++) {
		char dw[40];
		size_t b, o;

		if (gid[i] != best_g || tfirst[i] != i)
			continue;
		if (!npt)
			best = idx[i];
		dev_word(dw, sizeof(dw), ib_csv_get(c, idx[i], "dev_node"));
		b = map_add(blocks, ib_csv_get(c, idx[i], "dev_node"), nb);
		if (b == MAP_OOM)
			goto oom;
		if (b == nb) {
			o = strlen(devs);
			if (nb == NUMA_MAX_PANELS || o + strlen(dw) + 2 > devslen) {
				/* over the panel limit: never drawn */
				json_object_set_new_nocheck(blocks, ib_csv_get(c, idx[i], "dev_node"),
							    json_integer(NUMA_OVER));
				continue;
			}
			fmt(devs + o, devslen - o, "%s%s", o ? " " : "", dw);
			nb++;
		} else if (b == NUMA_OVER) {
			continue;
		}
		pts[npt].r = idx[i];
		pts[npt].block = b;
		pts[npt].pos = npt;
		npt++;
	}
	if (nb < (size_t)json_object_size(blocks))
		fmt(why, whylen, "the first %zu of %zu device nodes", nb,
		    (size_t)json_object_size(blocks));
	qsort(pts, npt, sizeof(*pts), numa_pt_cmp);
	for (i = 0; i < npt; i++) {
		if (!i || pts[i].block != pts[i - 1].block) {
			char dw[40];

			dev_word(dw, sizeof(dw), ib_csv_get(c, pts[i].r, "dev_node"));
			fprintf(f, "%s# dev_node %s\n", nblocks ? "\n\n" : "", dw);
			nblocks++;
		}
		fprintf(f, "%s %s %s\n", num_cell(c, pts[i].r, "cpu_node"),
			num_cell(c, pts[i].r, "mem_node"), num_cell(c, pts[i].r, "median"));
	}
	/* what the placements share, for the title */
	{
		size_t o = 0;

		for (i = 0; i < NDIMS && o + 1 < labellen; i++) {
			char vb[128];
			const char *v = dim_val(c, best, dims[i], vb, sizeof(vb));
			int w;

			if (in_list(dims[i], placement) || !*v || !strcmp(dims[i], "bench") ||
			    !strcmp(dims[i], "job") || !strcmp(dims[i], "granule") ||
			    (!strcmp(dims[i], "iommu_mode") &&
			     *ib_csv_get(c, best, "iommu_mode_effective")))
				continue;
			w = fmt(label + o, labellen - o, "%s%s=%s", o ? " " : "", dims[i], v);
			if (w < 0 || (size_t)w >= labellen - o)
				break;
			o += (size_t)w;
		}
		label_clean(label);
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
	nblocks = 0;
out:
	json_decref(groups);
	json_decref(triples);
	json_decref(blocks);
	free(key.s);
	free(pts);
	free(tfirst);
	free(count);
	free(gid);
	free(idx);
	return nblocks;
}

/* Empirical CDF of raw samples, at most ~400 points. */
static bool cdf_samples(json_t *row, FILE *f)
{
	json_t *a = json_object_get(json_object_get(row, "samples"), "dma_latency_ns"), *v;
	size_t n = json_array_size(a), i, step;
	double *x;

	if (!json_is_array(a) || n < 2)
		return false;
	x = malloc(n * sizeof(*x));
	if (!x)
		return false;
	json_array_foreach(a, i, v) {
		if (!json_is_number(v)) {
			free(x);
			return false;
		}
		x[i] = json_number_value(v);
	}
	qsort(x, n, sizeof(*x), ib_cmp_double);
	step = n > 400 ? n / 400 : 1;
	for (i = 0; i < n; i += step)
		fprintf(f, "%.10g %.10g\n", x[i], (double)(i + 1) / (double)n);
	if ((n - 1) % step)
		fprintf(f, "%.10g 1\n", x[n - 1]);
	free(x);
	return true;
}

#define CDF_MAX 10

int ib_fig_cdf(const struct ib_csv *c, json_t *doc, FILE *f, char *why, size_t whylen)
{
	static const char *const q[] = { "min", "median", "p90", "p99", "p999", "max" };
	static const double frac[] = { 0, 0.5, 0.9, 0.99, 0.999, 1 };
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), *keep = NULL, n, nk = 0, i, j;
	json_t *docrows = doc ? doc_rows_by_name(doc) : NULL;
	struct labeler L;
	struct pt *p = NULL;
	int series = 0;

	why[0] = '\0';
	if (!idx || (doc && !docrows))
		goto oom;
	n = select_rows(c, "dma_latency_ns", false, idx);
	if (!n) {
		fmt(why, whylen, "no row has a dma_latency_ns median");
		goto out;
	}
	keep = calloc(n, sizeof(*keep));
	p = make_points(c, idx, n, NULL);
	if (!p || !keep)
		goto oom;
	if (n > CDF_MAX) {
		/* a sweep: the largest window of each series */
		struct pt *s = make_points(c, idx, n, skip_window);

		if (!s)
			goto oom;
		for (i = 0; i < n; i++)
			if (i + 1 == n || strcmp(s[i].label, s[i + 1].label) ||
			    s[i].rank != s[i + 1].rank)
				keep[nk++] = s[i].r;
		free(s);
		fmt(why, whylen, "%zu of %zu rows: the largest window of each series", nk, n);
		if (nk > CDF_MAX) {
			fmt(why, whylen, "the first %d of %zu rows", CDF_MAX, n);
			for (i = 0; i < CDF_MAX; i++)
				keep[i] = p[i].r;
			nk = CDF_MAX;
		}
	} else {
		for (i = 0; i < n; i++)
			keep[nk++] = p[i].r;
	}
	label_dims(c, idx, n, NULL, &L);
	for (i = 0; i < nk; i++) {
		size_t r = keep[i];
		char lab[256];
		json_t *row = docrows ? json_object_get(docrows, ib_csv_get(c, r, "name")) : NULL;

		label_of(c, r, &L, lab, sizeof(lab));
		fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", lab);
		if (!cdf_samples(row, f))
			for (j = 0; j < ARRAY_SIZE(q); j++)
				if (num_cell(c, r, q[j]))
					fprintf(f, "%s %g\n", num_cell(c, r, q[j]), frac[j]);
		series++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	json_decref(docrows);
	free(p);
	free(keep);
	free(idx);
	return series;
}

/* ---- files, gnuplot ---- */

/* Writes data to path through a temporary name (removed on failure);
 * -1 with errno. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int e;

	fmt(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len || fflush(f) || ferror(f)) {
		e = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = e;
	return -1;
}

/* Whether the filesystem holding dir has no room left (blocks or inodes). */
static bool disk_full(const char *dir)
{
	struct statvfs v;

	return !statvfs(dir, &v) && (v.f_bavail == 0 || (v.f_files && v.f_favail == 0));
}

/*
 * Whether gnuplot wrote the whole file: an SVG ends in </svg>, a PNG in
 * its IEND chunk.  gnuplot does not always notice a failed write (a full
 * disk leaves a truncated file and exit 0).
 */
static bool output_complete(const char *path, const char *ext)
{
	char tail[64];
	int fd = open(path, O_RDONLY);
	off_t end;
	ssize_t n;
	bool ok = false;

	if (fd < 0)
		return false;
	end = lseek(fd, 0, SEEK_END);
	if (end >= 12 && lseek(fd, end > (off_t)sizeof(tail) ? end - (off_t)sizeof(tail) : 0,
			       SEEK_SET) >= 0) {
		n = read(fd, tail, sizeof(tail));
		if (n >= 12 && !strcmp(ext, "png"))
			ok = !memcmp(tail + n - 8, "IEND", 4);
		else if (n >= 12) {
			while (n > 0 && isspace((unsigned char)tail[n - 1]))
				n--;
			ok = n >= 6 && !memcmp(tail + n - 6, "</svg>", 6);
		}
	}
	close(fd);
	return ok;
}

static bool is_exec(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

/* gnuplot: $IOMMUBENCH_GNUPLOT, else the first in PATH. */
static bool find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("IOMMUBENCH_GNUPLOT"), *path = getenv("PATH");
	char *dup, *save = NULL, *d;
	bool found = false;

	if (env && *env) {
		fmt(out, len, "%s", env);
		return is_exec(out);
	}
	if (!path)
		return false;
	dup = strdup(path);
	if (!dup)
		return false;
	for (d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		fmt(out, len, "%s/gnuplot", *d ? d : ".");
		if (is_exec(out)) {
			found = true;
			break;
		}
	}
	free(dup);
	return found;
}

/* plots/: $IOMMUBENCH_PLOTS_DIR, <exe>/../plots, ./plots, /opt/iommubench/plots. */
static bool find_plots_dir(char *out, size_t len)
{
	const char *env = getenv("IOMMUBENCH_PLOTS_DIR");
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && *env) {
		fmt(out, len, "%s", env);
		fmt(probe, sizeof(probe), "%s/common.gp", out);
		return !access(probe, R_OK);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *s;

		exe[n] = '\0';
		s = strrchr(exe, '/');
		if (s) {
			*s = '\0';
			fmt(out, len, "%s/../plots", exe);
			fmt(probe, sizeof(probe), "%s/common.gp", out);
			if (!access(probe, R_OK))
				return true;
		}
	}
	fmt(out, len, "plots");
	if (!access("plots/common.gp", R_OK))
		return true;
	fmt(out, len, "/opt/iommubench/plots");
	return !access("/opt/iommubench/plots/common.gp", R_OK);
}

/* Seconds on the monotonic clock; CPU seconds of this process or of its
 * waited-for children (gnuplot).  For IOMMUBENCH_TIMING. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double gp_wall; /* seconds spent waiting for gnuplot */

/* Runs gnuplot -e vars script with output to log; 0 on success, else the
 * last line of the log in err. */
static int gp_exec(const char *gnuplot, const char *vars, const char *script,
		   const char *log, char *err, size_t errlen)
{
	double t0 = now_s();
	pid_t pid;
	int st, fd;

	pid = fork();
	if (pid < 0) {
		fmt(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execl(gnuplot, "gnuplot", "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fmt(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	gp_wall += now_s() - t0;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	{
		char *text = ib_read_all(log, NULL), *last = NULL, *s;

		if (text) {
			for (s = strtok(text, "\n"); s; s = strtok(NULL, "\n"))
				if (*s && strspn(s, " ^") != strlen(s))
					last = s;
		}
		fmt(err, errlen, "gnuplot %s failed: %s (log %s)", script,
			 last ? last : "no message", log);
		free(text);
	}
	return -1;
}

struct draw {
	char gnuplot[PATH_MAX];
	char plots[PATH_MAX]; /* scripts */
	char outdir[PATH_MAX];
	char log[PATH_MAX + 32];
};

/*
 * script with vars, once as svg and once as png, to outdir/<id>.{svg,png}.
 * 0; -1 when gnuplot failed; DRAW_WRITE_ERR when the output could not be
 * written (a full disk).  The temporary output is removed on failure.
 */
#define DRAW_WRITE_ERR (-2)

static int draw_figure(const struct draw *d, const char *script, const char *id,
		       const char *vars, char *err, size_t errlen)
{
	static const char *const fmts[] = { "svg", "png" };
	char spath[PATH_MAX + 64], out[PATH_MAX + 64], tmp[PATH_MAX + 80];
	char qtmp[2 * PATH_MAX], qplots[2 * PATH_MAX];
	size_t k;

	fmt(spath, sizeof(spath), "%s/%s", d->plots, script);
	ib_gp_quote(qplots, sizeof(qplots), d->plots);
	for (k = 0; k < ARRAY_SIZE(fmts); k++) {
		size_t vlen = strlen(vars) + 3 * PATH_MAX;
		char *all = malloc(vlen);
		int rc;

		if (!all) {
			fmt(err, errlen, "out of memory");
			return -1;
		}
		fmt(out, sizeof(out), "%s/%s.%s", d->outdir, id, fmts[k]);
		fmt(tmp, sizeof(tmp), "%s/.%s.%s.%d.tmp", d->outdir, id, fmts[k], (int)getpid());
		ib_gp_quote(qtmp, sizeof(qtmp), tmp);
		fmt(all, vlen, "fmt='%s'; outfile=%s; plotsdir=%s; %s", fmts[k], qtmp,
			 qplots, vars);
		rc = gp_exec(d->gnuplot, all, spath, d->log, err, errlen);
		free(all);
		if ((rc || !output_complete(tmp, fmts[k])) && disk_full(d->outdir)) {
			fmt(err, errlen, "%s: %s", out, strerror(ENOSPC));
			unlink(tmp);
			return DRAW_WRITE_ERR;
		}
		if (!rc && !output_complete(tmp, fmts[k])) {
			fmt(err, errlen, "%s: gnuplot %s left it incomplete (disk full?)", out,
			    script);
			unlink(tmp);
			return DRAW_WRITE_ERR;
		}
		if (rc) {
			unlink(tmp);
			return -1;
		}
		if (rename(tmp, out)) {
			fmt(err, errlen, "%s: %s", out, strerror(errno));
			unlink(tmp);
			return DRAW_WRITE_ERR;
		}
	}
	return 0;
}

/* ---- the report ---- */

struct fig {
	char id[64];
	char title[160];
	char caption[512];
	bool drawn;
	char why[512];
};

struct report {
	const char *dir;
	json_t *doc, *ctx;
	struct ib_csv csv;
	bool csv_written; /* results.csv is this doc's already */
	char plat[512];     /* "emulated (qemu-lab), host X" */
	struct fig figs[16];
	size_t nfigs;
	struct draw draw;
	bool have_gnuplot;
	char gp_missing[256];
	int failed;		     /* a gnuplot script failed: exit 2 */
	char werr[PATH_MAX + 128]; /* the first failed write: exit 3, nothing more */
};

/* Records the first failed write ("path: why"); the report stops there. */
static void __attribute__((format(printf, 2, 3))) write_failed(struct report *R, const char *f, ...)
{
	va_list ap;

	if (R->werr[0])
		return;
	va_start(ap, f);
	vsnprintf(R->werr, sizeof(R->werr), f, ap);
	va_end(ap);
}

static const char *ctx_str(json_t *ctx, const char *key)
{
	const char *s = json_string_value(json_object_get(ctx, key));

	return s ? s : "";
}

static struct fig *fig_new(struct report *R, const char *id, const char *title)
{
	struct fig *g = &R->figs[R->nfigs++];

	memset(g, 0, sizeof(*g));
	fmt(g->id, sizeof(g->id), "%s", id);
	fmt(g->title, sizeof(g->title), "%s", title);
	return g;
}

/*
 * Writes the data (data_fn output in a memstream) to plots/data/<id>.dat
 * and draws it when n > 0.
 */
static void fig_render(struct report *R, struct fig *g, const char *script, int n,
		       char *data, size_t dlen, const char *extra_vars)
{
	char path[PATH_MAX + 64], qpath[2 * PATH_MAX + 160], qtitle[1200], title[800];
	char *vars;
	size_t vlen;

	if (n <= 0 || R->werr[0])
		return;
	fmt(path, sizeof(path), "%s/data/%s.dat", R->draw.outdir, g->id);
	if (write_atomic(path, data, dlen)) {
		write_failed(R, "%s: %s", path, strerror(errno));
		return;
	}
	if (!R->have_gnuplot) {
		fmt(g->why, sizeof(g->why), "%s (data in plots/data/%s.dat)",
			 R->gp_missing, g->id);
		return;
	}
	ib_gp_quote(qpath, sizeof(qpath), path);
	fmt(title, sizeof(title), "%s - %s", g->title, R->plat);
	ib_gp_quote(qtitle, sizeof(qtitle), title);
	vlen = strlen(qpath) + strlen(qtitle) + strlen(extra_vars ? extra_vars : "") + 64;
	vars = malloc(vlen);
	if (!vars) {
		fmt(g->why, sizeof(g->why), "out of memory");
		R->failed = 1;
		return;
	}
	fmt(vars, vlen, "datafile=%s; titletext=%s; %s", qpath, qtitle,
		 extra_vars ? extra_vars : "");
	switch (draw_figure(&R->draw, script, g->id, vars, g->why, sizeof(g->why))) {
	case 0:
		g->drawn = true;
		break;
	case DRAW_WRITE_ERR:
		write_failed(R, "%s", g->why);
		break;
	default:
		R->failed = 1;
	}
	free(vars);
}

/*
 * A line per series: past WINDOW_MAX_SERIES the key no longer fits and
 * gnuplot takes seconds per figure, so the scripts draw the first ones
 * (page size order) and the data file keeps them all.
 */
#define WINDOW_MAX_SERIES 32

static void series_cap(char *buf, size_t len, int n)
{
	buf[0] = '\0';
	if (n > WINDOW_MAX_SERIES)
		fmt(buf, len, " The first %d of %d series are drawn; the data file has them all.",
		    WINDOW_MAX_SERIES, n);
}

static void figures(struct report *R)
{
	char cap[128];
	char why[512], label[400], kpath[PATH_MAX + 64], vars[2 * PATH_MAX + 600];
	char qk[2 * PATH_MAX + 160], ql[900], devs[1024], qd[2100];
	char *data = NULL, *kdata = NULL;
	size_t dlen = 0, klen = 0;
	FILE *f;
	int n, nk;
	struct fig *g;
	static const struct {
		const char *id, *metric, *title, *ylab;
	} win[] = {
		{ "window_latency", "dma_latency_ns", "DMA latency vs window", "median DMA latency (ns)" },
		{ "window_bandwidth", "bandwidth_bytes_per_s", "Bandwidth vs window", "median bandwidth (bytes/s)" },
	};
	size_t i;

	/* knees: a data file of their own, shared by the window figures */
	f = open_memstream(&kdata, &klen);
	if (!f)
		return;
	nk = ib_fig_knees(&R->csv, f);
	fclose(f);
	fmt(kpath, sizeof(kpath), "%s/data/knees.dat", R->draw.outdir);
	if (write_atomic(kpath, kdata, klen)) {
		write_failed(R, "%s: %s", kpath, strerror(errno));
		free(kdata);
		return;
	}
	ib_gp_quote(qk, sizeof(qk), nk > 0 ? kpath : "");
	free(kdata);

	for (i = 0; i < ARRAY_SIZE(win); i++) {
		char qy[200];

		g = fig_new(R, win[i].id, win[i].title);
		why[0] = '\0';
		f = open_memstream(&data, &dlen);
		if (!f)
			return;
		n = ib_fig_window(&R->csv, win[i].metric, f, why, sizeof(why));
		fclose(f);
		fmt(g->why, sizeof(g->why), "%s", why);
		series_cap(cap, sizeof(cap), n);
		fmt(g->caption, sizeof(g->caption),
			 "Median %s (95%% CI error bars) per window, one line per page size; log-x. "
			 "Dashed verticals: the knee of each derived iotlb_reach row (%d).%s",
			 win[i].metric, nk, cap);
		ib_gp_quote(qy, sizeof(qy), win[i].ylab);
		fmt(vars, sizeof(vars), "kneefile=%s; ylab=%s; maxseries=%d", qk, qy,
		    WINDOW_MAX_SERIES);
		fig_render(R, g, "window.gp", n, data, dlen, vars);
		free(data);
		data = NULL;
	}

	g = fig_new(R, "iotlb_misses", "IOTLB misses per DMA vs window");
	f = open_memstream(&data, &dlen);
	if (!f)
		return;
	why[0] = '\0';
	n = ib_fig_misses(&R->csv, R->doc, f, why, sizeof(why));
	fclose(f);
	series_cap(cap, sizeof(cap), n);
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
		 "Counter iotlb_miss divided by the DMAs it covered: dma_latency_ns n "
		 "x (repetitions + warmup) / repetitions (the counters include the warm-up "
		 "repetitions). Knees dashed (%d).%s", nk, cap);
	fmt(vars, sizeof(vars), "kneefile=%s; maxseries=%d", qk, WINDOW_MAX_SERIES);
	fig_render(R, g, "misses.gp", n, data, dlen, vars);
	free(data);
	data = NULL;

	g = fig_new(R, "map_unmap", "Map/unmap latency per IOMMU mode");
	f = open_memstream(&data, &dlen);
	if (!f)
		return;
	why[0] = '\0';
	n = ib_fig_mapunmap(&R->csv, f, why, sizeof(why));
	fclose(f);
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
		 "p50 / p90 / p99 of map_ns and unmap_ns per point, grouped by the effective "
		 "IOMMU mode; log-y%s%s.", n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	fmt(vars, sizeof(vars), "ncat=%d", n);
	fig_render(R, g, "mapunmap.gp", n, data, dlen, vars);
	free(data);
	data = NULL;

	g = fig_new(R, "numa", "NUMA placement: median DMA latency");
	f = open_memstream(&data, &dlen);
	if (!f)
		return;
	why[0] = '\0';
	n = ib_fig_numa(&R->csv, f, label, sizeof(label), devs, sizeof(devs), why, sizeof(why));
	fclose(f);
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
		 "Median dma_latency_ns per cpu_node (x) and mem_node (y), one panel per "
		 "dev_node; %s%s%s.", label, n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	ib_gp_quote(ql, sizeof(ql), label);
	ib_gp_quote(qd, sizeof(qd), devs);
	fmt(vars, sizeof(vars), "sublabel=%s; devs=%s", ql, qd);
	fig_render(R, g, "numa.gp", n, data, dlen, vars);
	free(data);
	data = NULL;

	g = fig_new(R, "latency_cdf", "DMA latency CDF");
	f = open_memstream(&data, &dlen);
	if (!f)
		return;
	why[0] = '\0';
	n = ib_fig_cdf(&R->csv, R->doc, f, why, sizeof(why));
	fclose(f);
	fmt(g->caption, sizeof(g->caption),
		 "Cumulative distribution of dma_latency_ns through min, p50, p90, p99, p99.9 "
		 "and max (raw samples when the row carries them)%s%s.",
		 n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	if (n <= 0)
		fmt(g->why, sizeof(g->why), "%s", why);
	fig_render(R, g, "cdf.gp", n, data, dlen, NULL);
	free(data);
}

/* ---- HTML ---- */

static void put_num(FILE *f, json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.6g", json_real_value(v));
	else if (json_is_string(v))
		ib_html_put(f, json_string_value(v));
	else
		fputs("&ndash;", f);
}

static void put_json(FILE *f, json_t *v)
{
	char *s;

	if (!v || json_is_null(v)) {
		fputs("&ndash;", f);
		return;
	}
	if (json_is_string(v)) {
		ib_html_put(f, json_string_value(v));
		return;
	}
	if (json_is_number(v)) {
		put_num(f, v);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	ib_html_put(f, s ? s : "?");
	free(s);
}

static void kv(FILE *f, const char *k, json_t *v)
{
	fputs("<tr><th>", f);
	ib_html_put(f, k);
	fputs("</th><td>", f);
	put_json(f, v);
	fputs("</td></tr>\n", f);
}

static void kv_s(FILE *f, const char *k, const char *v)
{
	fputs("<tr><th>", f);
	ib_html_put(f, k);
	fputs("</th><td>", f);
	ib_html_put(f, v && *v ? v : "\xe2\x80\x93");
	fputs("</td></tr>\n", f);
}

static void put_b64(FILE *f, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], f);
		fputc(tab[p[i + 2] & 63], f);
	}
	if (n - i == 1) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[(p[i] & 3) << 4], f);
		fputs("==", f);
	} else if (n - i == 2) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tab[(p[i + 1] & 15) << 2], f);
		fputc('=', f);
	}
}

static void html_context(FILE *f, struct report *R)
{
	json_t *c = R->ctx, *cpu = json_object_get(c, "cpu"), *io = json_object_get(c, "iommu");
	json_t *numa = json_object_get(c, "numa"), *groups = json_object_get(io, "groups");
	char buf[256];

	fputs("<h2 id=\"context\">Context</h2>\n<table class=\"kv\">\n", f);
	kv_s(f, "platform", R->plat);
	kv(f, "host", json_object_get(c, "host"));
	if (json_object_get(c, "lab_host"))
		kv(f, "lab host", json_object_get(c, "lab_host"));
	kv(f, "run id", json_object_get(c, "run_id"));
	kv(f, "suite", json_object_get(c, "suite"));
	kv(f, "date", json_object_get(c, "date"));
	kv(f, "complete", json_object_get(R->doc, "complete"));
	kv(f, "kernel", json_object_get(c, "kernel"));
	if (json_object_get(c, "kernel_version"))
		kv(f, "kernel version", json_object_get(c, "kernel_version"));
	kv(f, "cmdline", json_object_get(c, "cmdline"));
	if (json_is_object(cpu)) {
		fmt(buf, sizeof(buf), "%s%s%s, %lld CPUs",
			 json_string_value(json_object_get(cpu, "model")) ?: "?",
			 json_string_value(json_object_get(cpu, "vendor")) ? " / " : "",
			 json_string_value(json_object_get(cpu, "vendor")) ?: "",
			 (long long)json_integer_value(json_object_get(cpu, "ncpus")));
		kv_s(f, "CPU", buf);
	} else {
		kv(f, "CPU", cpu);
	}
	kv(f, "hypervisor", json_object_get(c, "hypervisor"));
	if (json_is_array(json_object_get(numa, "nodes"))) {
		fmt(buf, sizeof(buf), "%zu node(s)",
			 json_array_size(json_object_get(numa, "nodes")));
		kv_s(f, "NUMA", buf);
		kv(f, "NUMA nodes", json_object_get(numa, "nodes"));
		kv(f, "NUMA distances", json_object_get(numa, "distances"));
	} else {
		kv(f, "NUMA", numa);
	}
	kv(f, "IOMMU vendor", json_object_get(io, "vendor"));
	kv(f, "IOMMU default domain (mode)", json_object_get(io, "default_domain"));
	if (json_is_array(groups)) {
		fmt(buf, sizeof(buf), "%zu group(s)", json_array_size(groups));
		kv_s(f, "IOMMU groups", buf);
		if (json_array_size(groups))
			kv(f, "IOMMU group list", groups);
	} else {
		kv(f, "IOMMU groups", groups);
	}
	if (json_object_get(io, "cap"))
		kv(f, "IOMMU cap / ecap", json_object_get(io, "cap"));
	if (json_object_get(io, "ecap"))
		kv(f, "IOMMU ecap", json_object_get(io, "ecap"));
	kv(f, "hugepages", json_object_get(c, "hugepages"));
	kv(f, "THP", json_object_get(c, "thp"));
	kv(f, "module", json_object_get(c, "module"));
	kv(f, "git sha", json_object_get(c, "git_sha"));
	kv(f, "tool version", json_object_get(c, "tool_version"));
	fputs("</table>\n", f);
}

static void html_reproduce(FILE *f, struct report *R)
{
	json_t *argv = json_object_get(R->ctx, "argv"), *v;
	const char *suite = ctx_str(R->ctx, "suite");
	const char *pl = ctx_str(R->ctx, "platform");
	const char **args = NULL;
	char *cmd = NULL;
	size_t i, n = 0, skip0 = 0;

	fputs("<h2 id=\"reproduce\">Reproduce</h2>\n", f);
	if (*suite && strcmp(suite, "adhoc")) {
		fputs("<pre class=\"cmd\">make run SUITE=", f);
		ib_html_put(f, suite);
		fprintf(f, " TARGET=%s</pre>\n", !strcmp(pl, "qemu-lab") ? "lab" : "host");
	}
	if (json_is_array(argv) && json_array_size(argv)) {
		args = calloc(json_array_size(argv) + 1, sizeof(*args));
		cmd = malloc(65536);
		if (!args || !cmd)
			goto out;
		/* argv may start at the program or at the sub-command */
		if (strcmp(json_string_value(json_array_get(argv, 0)) ?: "", "run") &&
		    strcmp(json_string_value(json_array_get(argv, 0)) ?: "", "rerun"))
			skip0 = 1;
		args[n++] = "iommubench";
		json_array_foreach(argv, i, v)
			if (i >= skip0)
				args[n++] = json_string_value(v) ?: "";
		ib_shell_join(cmd, 65536, args, n);
		fputs("<p>The harness command as run", f);
		if (!strcmp(pl, "qemu-lab"))
			fputs(" (inside the lab guest)", f);
		fputs(":</p>\n<pre class=\"cmd\">", f);
		ib_html_put(f, cmd);
		fputs("</pre>\n", f);
	} else if (!*suite || !strcmp(suite, "adhoc")) {
		fputs("<p>context.argv is missing: the command is unknown.</p>\n", f);
	}
	fputs("<p>Re-draw this report: <code>make plots RUN=", f);
	ib_html_put(f, R->dir);
	fputs("</code></p>\n", f);
out:
	free(args);
	free(cmd);
}

static void html_figures(FILE *f, struct report *R)
{
	size_t i;
	bool any_missing = false;

	fputs("<h2 id=\"figures\">Figures</h2>\n", f);
	for (i = 0; i < R->nfigs; i++) {
		struct fig *g = &R->figs[i];
		char path[PATH_MAX + 64];
		char *svg;
		size_t len;

		if (!g->drawn)
			continue;
		fmt(path, sizeof(path), "%s/%s.svg", R->draw.outdir, g->id);
		svg = ib_read_all(path, &len);
		if (!svg) {
			g->drawn = false;
			fmt(g->why, sizeof(g->why), "%s: %s", path, strerror(errno));
			continue;
		}
		fprintf(f, "<figure id=\"fig-%s\">\n<img alt=\"", g->id);
		ib_html_put(f, g->title);
		fputs("\" src=\"data:image/svg+xml;base64,", f);
		put_b64(f, (const unsigned char *)svg, len);
		fputs("\">\n<figcaption><b>", f);
		ib_html_put(f, g->title);
		fputs(" &mdash; ", f);
		ib_html_put(f, R->plat);
		fputs(".</b> ", f);
		ib_html_put(f, g->caption);
		fprintf(f, " Files: plots/%s.svg, plots/%s.png, data plots/data/%s.dat.</figcaption>\n</figure>\n",
			g->id, g->id, g->id);
		free(svg);
	}
	for (i = 0; i < R->nfigs; i++)
		if (!R->figs[i].drawn)
			any_missing = true;
	if (!any_missing)
		return;
	fputs("<h3>Not drawn</h3>\n<ul class=\"notdrawn\">\n", f);
	for (i = 0; i < R->nfigs; i++) {
		if (R->figs[i].drawn)
			continue;
		fputs("<li><b>", f);
		ib_html_put(f, R->figs[i].title);
		fputs("</b>: not drawn: ", f);
		ib_html_put(f, R->figs[i].why[0] ? R->figs[i].why : "no data");
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static bool is_derived(json_t *row)
{
	return !strcmp(json_string_value(json_object_get(row, "run_type")) ?: "", "derived");
}

static void html_medians(FILE *f, struct report *R)
{
	json_t *row, *m;
	const char *key;
	size_t i;

	fputs("<h2 id=\"medians\">Medians with 95&nbsp;% confidence intervals</h2>\n"
	      "<table class=\"data\">\n<tr><th>row</th><th>metric</th><th>unit</th><th>n</th>"
	      "<th>median</th><th>95&nbsp;% CI</th><th>&plusmn;&nbsp;%</th><th>p90</th><th>p99</th>"
	      "<th>reps</th></tr>\n",
	      f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		if (is_derived(row) ||
		    strcmp(json_string_value(json_object_get(row, "status")) ?: "", "ok"))
			continue;
		json_object_foreach(json_object_get(row, "metrics"), key, m) {
			double med = json_number_value(json_object_get(m, "median"));
			double lo = json_number_value(json_object_get(m, "ci95_low"));
			double hi = json_number_value(json_object_get(m, "ci95_high"));

			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td>", f);
			put_json(f, json_object_get(m, "unit"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "n"));
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(m, "median"));
			fputs("</td><td>[", f);
			put_num(f, json_object_get(m, "ci95_low"));
			fputs(", ", f);
			put_num(f, json_object_get(m, "ci95_high"));
			fputs("]</td><td>", f);
			if (med > 0 && json_is_number(json_object_get(m, "ci95_low")))
				fprintf(f, "%.2f", 50.0 * (hi - lo) / med);
			else
				fputs("&ndash;", f);
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "p90"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "p99"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(row, "repetitions"));
			if (json_is_false(json_object_get(row, "converged")))
				fputs(" (not converged)", f);
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</table>\n", f);
}

static void html_counters(FILE *f, struct report *R)
{
	json_t *row, *c, *un = json_object_get(R->ctx, "counters_unavailable");
	const char *key;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"counters\">Counters</h2>\n", f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		json_object_foreach(json_object_get(row, "counters"), key, c) {
			if (!n++)
				fputs("<table class=\"data\">\n<tr><th>row</th><th>counter</th>"
				      "<th>value</th><th>source</th></tr>\n",
				      f);
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(c, "value"));
			fputs("</td><td>", f);
			put_json(f, json_object_get(c, "source"));
			fputs("</td></tr>\n", f);
		}
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>No row carries counters.</p>\n", f);
	fputs("<h3>Counters unavailable</h3>\n", f);
	if (!json_array_size(un)) {
		fputs("<p>None listed.</p>\n", f);
		return;
	}
	fputs("<table class=\"data\">\n<tr><th>counter</th><th>reason</th></tr>\n", f);
	json_array_foreach(un, i, c) {
		fputs("<tr><td>", f);
		put_json(f, json_object_get(c, "name"));
		fputs("</td><td>", f);
		put_json(f, json_object_get(c, "reason"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_derived(FILE *f, struct report *R)
{
	json_t *row, *m;
	const char *key;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"derived\">Derived results</h2>\n", f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		json_t *params = json_object_get(row, "params"), *kw;
		bool any = false;

		if (!is_derived(row))
			continue;
		if (!n++)
			fputs("<table class=\"data\">\n<tr><th>row</th><th>status</th><th>metric</th>"
			      "<th>median</th><th>95&nbsp;% CI</th><th>knee_window (bytes)</th>"
			      "<th>reason / method</th></tr>\n",
			      f);
		kw = json_object_get(params, "knee_window");
		json_object_foreach(json_object_get(row, "metrics"), key, m) {
			any = true;
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "status"));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(m, "median"));
			fputs("</td><td>[", f);
			put_num(f, json_object_get(m, "ci95_low"));
			fputs(", ", f);
			put_num(f, json_object_get(m, "ci95_high"));
			fputs("]</td><td>", f);
			put_json(f, kw);
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "reason") ?: json_object_get(params, "method"));
			fputs("</td></tr>\n", f);
		}
		if (!any) {
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "status"));
			fputs("</td><td>&ndash;</td><td>&ndash;</td><td>&ndash;</td><td>", f);
			put_json(f, kw);
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "reason") ?: json_object_get(params, "method"));
			fputs("</td></tr>\n", f);
		}
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>No derived rows in this run.</p>\n", f);
}

static void html_not_ok(FILE *f, struct report *R)
{
	json_t *row;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"skipped\">Skipped and failed points</h2>\n", f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		const char *st = json_string_value(json_object_get(row, "status")) ?: "";

		if (!strcmp(st, "ok"))
			continue;
		if (!n++)
			fputs("<table class=\"data\">\n<tr><th>row</th><th>status</th><th>reason</th></tr>\n",
			      f);
		fprintf(f, "<tr class=\"%s\"><td class=\"name\">", !strcmp(st, "error") ? "error" : "skipped");
		ib_html_put(f, json_string_value(json_object_get(row, "name")));
		fputs("</td><td>", f);
		ib_html_put(f, st);
		fputs("</td><td>", f);
		put_json(f, json_object_get(row, "reason"));
		fputs("</td></tr>\n", f);
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>None: every point ran.</p>\n", f);
}

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:90%}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"table.data td.med{text-align:right;font-variant-numeric:tabular-nums}"
	"td.name{font-family:monospace}table.kv th{background:#f4f4f4;white-space:nowrap}"
	"table.kv td{font-family:monospace;word-break:break-all}"
	"tr.error td{background:#fde2e2}tr.skipped td{background:#fff7dd}"
	"figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #ddd}"
	"pre.cmd{background:#f4f4f4;padding:.5em;white-space:pre-wrap;word-break:break-all}"
	".banner{background:#fff3cd;border:1px solid #e0c060;padding:.5em 1em}";

static int write_html(struct report *R, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	json_t *row;
	size_t i;
	int nok = 0, nskip = 0, nerr = 0, nder = 0, drawn = 0;

	if (!f) {
		fmt(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		const char *st = json_string_value(json_object_get(row, "status")) ?: "";

		if (is_derived(row))
			nder++;
		else if (!strcmp(st, "ok"))
			nok++;
		else if (!strcmp(st, "error"))
			nerr++;
		else
			nskip++;
	}
	for (i = 0; i < R->nfigs; i++)
		drawn += R->figs[i].drawn;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	fputs("iommubench report: ", f);
	ib_html_put(f, ctx_str(R->ctx, "suite"));
	fputs(" &mdash; ", f);
	ib_html_put(f, R->plat);
	fputs("</title>\n<style>", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>iommubench report: ", f);
	ib_html_put(f, ctx_str(R->ctx, "suite"));
	fputs(" &mdash; ", f);
	ib_html_put(f, R->plat);
	fputs("</h1>\n<p>Run <code>", f);
	ib_html_put(f, ctx_str(R->ctx, "run_id"));
	fputs("</code>, ", f);
	ib_html_put(f, ctx_str(R->ctx, "date"));
	fprintf(f, ": %d ok, %d skipped, %d errors, %d derived rows; %d of %zu figures drawn.",
		nok, nskip, nerr, nder, drawn, R->nfigs);
	if (json_is_false(json_object_get(R->doc, "complete")))
		fputs(" <b>The run did not complete (complete: false).</b>", f);
	fputs("</p>\n", f);
	if (!strcmp(ctx_str(R->ctx, "platform"), "qemu-lab"))
		fputs("<p class=\"banner\"><b>Emulated timings.</b> This run is from the QEMU lab "
		      "(platform qemu-lab): its latencies and bandwidths are those of an emulated "
		      "device and IOMMU, not of hardware. Counts (IOTLB misses, maps, faults) are "
		      "exact counts of the emulated IOMMU.</p>\n",
		      f);
	fputs("<p><a href=\"#figures\">Figures</a> &middot; <a href=\"#medians\">Medians</a> "
	      "&middot; <a href=\"#derived\">Derived</a> &middot; <a href=\"#counters\">Counters</a> "
	      "&middot; <a href=\"#skipped\">Skipped</a> &middot; <a href=\"#context\">Context</a> "
	      "&middot; <a href=\"#reproduce\">Reproduce</a></p>\n",
	      f);
	html_figures(f, R);
	html_medians(f, R);
	html_derived(f, R);
	html_counters(f, R);
	html_not_ok(f, R);
	html_context(f, R);
	html_reproduce(f, R);
	fputs("<p><small>Generated by iommubench ", f);
	ib_html_put(f, IB_VERSION);
	fputs(" report from results.json and results.csv.</small></p>\n</body>\n</html>\n", f);
	if (fclose(f)) {
		free(html);
		fmt(err, errlen, "out of memory");
		return -1;
	}
	fmt(path, sizeof(path), "%s/report.html", R->dir);
	if (write_atomic(path, html, len)) {
		fmt(err, errlen, "%s: %s", path, strerror(errno));
		free(html);
		return -1;
	}
	free(html);
	return 0;
}

/* ---- loading ---- */

json_t *ib_report_load_results(const char *path, char *err, size_t errlen)
{
	char e[512];
	struct stat st;
	json_error_t je;
	json_t *doc;

	if (stat(path, &st)) {
		fmt(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		fmt(err, errlen, "%s: not a regular file", path);
		return NULL;
	}
	if (st.st_size > IB_RESULTS_MAX_BYTES) {
		fmt(err, errlen, "%s: %lld bytes, over the %d MiB a results file may have",
		    path, (long long)st.st_size, IB_RESULTS_MAX_BYTES >> 20);
		return NULL;
	}
	/* jansson refuses nesting deeper than JSON_PARSER_MAX_DEPTH (2048) */
	doc = json_load_file(path, 0, &je);
	if (!doc) {
		fmt(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if (ib_results_check(doc, e, sizeof(e))) {
		fmt(err, errlen, "%s: %s", path, e);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/*
 * results.csv as results.json says, written by results.c's own writer:
 * results.json is the source of truth.  A run killed between its two
 * writes leaves a CSV one row behind; a copied run may carry a stale one.
 * The CSV is rewritten (tmp + rename) and the table parsed from it.
 */
static int derive_csv(struct report *R, char *err, size_t errlen, bool *write_err)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 64], e[512];
	char *text;
	int saved;

	*write_err = false;
	fmt(path, sizeof(path), "%s/results.csv", R->dir);
	if (R->csv_written) { /* finish wrote it from this doc: parse it from memory */
		text = ib_results_csv_string(R->doc, NULL);
		if (!text)
			goto write_fail;
		goto parse;
	}
	fmt(tmp, sizeof(tmp), "%s/.results.csv.report.%d.tmp", R->dir, (int)getpid());
	errno = 0;
	if (ib_results_write_csv(tmp, R->doc))
		goto write_fail;
	text = ib_read_all(tmp, NULL);
	if (!text)
		goto write_fail;
	if (rename(tmp, path)) {
		free(text);
		goto write_fail;
	}
parse:
	if (csv_parse_owned(text, &R->csv, e, sizeof(e))) {
		fmt(err, errlen, "%s: %s", path, e);
		return -1;
	}
	return 0;
write_fail:
	saved = errno ? errno : EIO;
	unlink(tmp);
	fmt(err, errlen, "%s: %s", path, strerror(saved));
	*write_err = true;
	return -1;
}

static int check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fmt(err, errlen, "%s: %s", dir,
			 errno && stat(dir, &st) ? strerror(errno) : "not a directory");
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: iommubench report RUN_DIR   (draws RUN_DIR/plots/*.svg, *.png "
			"and RUN_DIR/report.html)\n");
}

int ib_report_draw(const char *dir, json_t *doc, bool csv_written)
{
	struct report *R = calloc(1, sizeof(*R));
	char err[1024], path[PATH_MAX + 32];
	const char *host;
	int ret = IB_EXIT_USAGE;
	size_t i, drawn = 0;
	bool werr;
	double t0 = now_s(), t_load = 0, t_figs = 0, t_html = 0, c_load = 0, c_figs = 0;

	if (!R)
		return IB_EXIT_FAILED;
	R->dir = dir;
	R->doc = doc;
	R->ctx = json_object_get(doc, "context");
	R->csv_written = csv_written;
	if (derive_csv(R, err, sizeof(err), &werr)) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		ret = werr ? IB_EXIT_RESOURCE : IB_EXIT_USAGE;
		goto out;
	}
	t_load = now_s();
	c_load = cpu_s(RUSAGE_SELF);
	host = json_string_value(json_object_get(R->ctx, "lab_host")) ?: ctx_str(R->ctx, "host");
	ib_report_platform_label(R->plat, sizeof(R->plat), ctx_str(R->ctx, "platform"), host);

	R->have_gnuplot = find_gnuplot(R->draw.gnuplot, sizeof(R->draw.gnuplot));
	if (!R->have_gnuplot)
		fmt(R->gp_missing, sizeof(R->gp_missing),
			 "gnuplot unavailable (%s; install gnuplot-nox: make deps)",
			 getenv("IOMMUBENCH_GNUPLOT") ? "IOMMUBENCH_GNUPLOT is not executable" :
							"not in PATH");
	else if (!find_plots_dir(R->draw.plots, sizeof(R->draw.plots))) {
		R->have_gnuplot = false;
		fmt(R->gp_missing, sizeof(R->gp_missing),
			 "gnuplot scripts unavailable (no plots/common.gp; set IOMMUBENCH_PLOTS_DIR)");
	}
	fmt(R->draw.outdir, sizeof(R->draw.outdir), "%s/plots", R->dir);
	fmt(path, sizeof(path), "%s/data", R->draw.outdir);
	if (ib_mkdir_p(path)) {
		fprintf(stderr, "iommubench: report: %s: %s\n", path, strerror(errno));
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	fmt(R->draw.log, sizeof(R->draw.log), "%s/gnuplot.log", R->draw.outdir);
	unlink(R->draw.log);

	figures(R);
	t_figs = now_s();
	c_figs = cpu_s(RUSAGE_SELF);
	{
		struct stat st;

		if (!stat(R->draw.log, &st) && !st.st_size)
			unlink(R->draw.log); /* gnuplot said nothing */
	}
	if (R->werr[0]) {
		fprintf(stderr, "iommubench: report: %s\n", R->werr);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	if (write_html(R, err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	t_html = now_s();
	if (getenv("IOMMUBENCH_TIMING"))
		fprintf(stderr,
			"iommubench: report: timing (wall/cpu s): load+csv %.2f/%.2f, figures "
			"%.2f/%.2f, html %.2f/%.2f; gnuplot %.2f/%.2f\n",
			t_load - t0, c_load, t_figs - t_load, c_figs - c_load, t_html - t_figs,
			cpu_s(RUSAGE_SELF) - c_figs, gp_wall, cpu_s(RUSAGE_CHILDREN));
	for (i = 0; i < R->nfigs; i++)
		drawn += R->figs[i].drawn;
	if (!R->have_gnuplot) {
		fprintf(stderr, "iommubench: report: %s; report.html written without figures\n",
			R->gp_missing);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	if (R->failed) {
		for (i = 0; i < R->nfigs; i++)
			if (!R->figs[i].drawn && R->figs[i].why[0] &&
			    strstr(R->figs[i].why, "failed"))
				fprintf(stderr, "iommubench: report: %s: %s\n", R->figs[i].id,
					R->figs[i].why);
		ret = IB_EXIT_FAILED;
		goto out;
	}
	printf("report: %s/report.html (%zu of %zu figures drawn)\n", R->dir, drawn, R->nfigs);
	ret = IB_EXIT_OK;
out:
	ib_csv_free(&R->csv);
	free(R);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	char err[1024], path[PATH_MAX + 32];
	json_t *doc;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		return IB_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage();
		return IB_EXIT_USAGE;
	}
	if (check_dir(argv[1], err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		return IB_EXIT_USAGE;
	}
	fmt(path, sizeof(path), "%s/results.json", argv[1]);
	doc = ib_report_load_results(path, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		return IB_EXIT_USAGE;
	}
	ret = ib_report_draw(argv[1], doc, false);
	json_decref(doc);
	return ret;
}

/* ---- compare overlay ---- */

/* More rows than this do not fit one overlay (40 px each); compare.csv
 * has them all. */
#define OVERLAY_MAX_ROWS 100

/*
 * One data file per metric of compare.csv: an index block per run (A, then
 * each B) of "row_index median ci_low ci_high \"row name\"", rows in the
 * order compare.csv lists them (A's order).  Names and runs are indexed
 * through maps, and each (run, row) cell is found once.  -1 when out of
 * memory.
 */
static int overlay_data(const struct ib_csv *c, const char *metric, FILE *f, int *nrows,
			int *nruns)
{
	json_t *name_ix = json_object(), *run_ix = json_object();
	size_t *names = calloc(c->nrows + 1, sizeof(*names)); /* first row of each name */
	size_t *runs = calloc(c->nrows + 2, sizeof(*runs));   /* a row of each run */
	size_t *cell = NULL, r, i, k, nn = 0, nr = 0;
	int ret = -1;

	*nrows = *nruns = 0;
	if (!name_ix || !run_ix || !names || !runs)
		goto out;
	for (r = 0; r < c->nrows; r++) {
		if (strcmp(ib_csv_get(c, r, "metric"), metric) ||
		    !strcmp(ib_csv_get(c, r, "method"), "counter"))
			continue;
		if (!nr) { /* run A: by its run_a */
			if (map_add(run_ix, ib_csv_get(c, r, "run_a"), 0) == MAP_OOM)
				goto out;
			runs[nr++] = r;
		}
		k = map_add(run_ix, ib_csv_get(c, r, "run_b"), nr);
		if (k == MAP_OOM)
			goto out;
		if (k == nr)
			runs[nr++] = r;
		i = map_add(name_ix, ib_csv_get(c, r, "name"), nn);
		if (i == MAP_OOM)
			goto out;
		if (i == nn)
			names[nn++] = r;
	}
	/* cell[k * nn + i]: 1 + the row of run k for name i (A: any of its rows) */
	cell = calloc(nr * nn + 1, sizeof(*cell));
	if (!cell)
		goto out;
	for (r = 0; r < c->nrows; r++) {
		if (strcmp(ib_csv_get(c, r, "metric"), metric) ||
		    !strcmp(ib_csv_get(c, r, "method"), "counter") ||
		    !map_get(name_ix, ib_csv_get(c, r, "name"), &i))
			continue;
		if (!cell[i])
			cell[i] = r + 1;
		if (map_get(run_ix, ib_csv_get(c, r, "run_b"), &k) && k && !cell[k * nn + i])
			cell[k * nn + i] = r + 1;
	}
	for (k = 0; k < nr; k++) {
		char lab[256];

		fmt(lab, sizeof(lab), "%s", ib_csv_get(c, runs[k], k ? "run_b" : "run_a"));
		label_clean(lab);
		fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", lab);
		for (i = 0; i < nn; i++) {
			if (!cell[k * nn + i])
				continue;
			r = cell[k * nn + i] - 1;
			fmt(lab, sizeof(lab), "%s", ib_csv_get(c, names[i], "name"));
			label_clean(lab);
			fprintf(f, "%zu %s %s %s \"%s\"\n", i,
				num_or_dash(c, r, k ? "median_b" : "median_a"),
				num_or_dash(c, r, k ? "ci95_low_b" : "ci95_low_a"),
				num_or_dash(c, r, k ? "ci95_high_b" : "ci95_high_a"), lab);
		}
	}
	*nrows = (int)nn;
	*nruns = (int)nr;
	ret = 0;
out:
	json_decref(name_ix);
	json_decref(run_ix);
	free(cell);
	free(names);
	free(runs);
	return ret;
}

/* A metric name that can be part of a file name. */
static bool metric_name_ok(const char *m)
{
	size_t n = strlen(m);

	return n && n <= 64 && m[strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789_-")] == '\0' && m[0] != '-';
}

static void __attribute__((format(printf, 3, 4))) msg_add(char *msg, size_t msglen,
							  const char *f, ...)
{
	size_t o = strlen(msg);
	va_list ap;

	if (o + 3 >= msglen)
		return;
	if (o) {
		memcpy(msg + o, "; ", 3);
		o += 2;
	}
	va_start(ap, f);
	vsnprintf(msg + o, msglen - o, f, ap);
	va_end(ap);
}

int ib_report_compare_overlay(const char *compare_csv, json_t *const *docs, size_t ndocs,
			      char *msg, size_t msglen)
{
	struct draw d = { 0 };
	struct ib_csv c = { 0 };
	char stem[PATH_MAX], plats[1024] = "", *text, *slash;
	const char **metrics = NULL;
	json_t *seen = json_object();
	size_t i, k, nm = 0, o = 0, skipped_names = 0;
	int drawn = 0;

	msg[0] = '\0';
	if (!seen) {
		fmt(msg, msglen, "out of memory");
		return -1;
	}
	if (!find_gnuplot(d.gnuplot, sizeof(d.gnuplot))) {
		fmt(msg, msglen, "gnuplot unavailable (not in PATH; install gnuplot-nox)");
		drawn = -1;
		goto out;
	}
	if (!find_plots_dir(d.plots, sizeof(d.plots))) {
		fmt(msg, msglen, "gnuplot scripts unavailable (no plots/common.gp)");
		drawn = -1;
		goto out;
	}
	text = ib_read_all(compare_csv, NULL);
	if (!text) {
		fmt(msg, msglen, "%s: %s", compare_csv, strerror(errno));
		drawn = -1;
		goto out;
	}
	if (csv_parse_owned(text, &c, msg, msglen)) {
		drawn = -1;
		goto out;
	}
	fmt(stem, sizeof(stem), "%s", compare_csv);
	if (strlen(stem) > 4 && !strcmp(stem + strlen(stem) - 4, ".csv"))
		stem[strlen(stem) - 4] = '\0';
	fmt(d.outdir, sizeof(d.outdir), "%s", stem);
	slash = strrchr(d.outdir, '/');
	if (slash)
		*slash = '\0';
	else
		fmt(d.outdir, sizeof(d.outdir), ".");
	fmt(d.log, sizeof(d.log), "%s-gnuplot.log", stem);
	unlink(d.log);
	for (i = 0; i < ndocs; i++) {
		json_t *ctx = json_object_get(docs[i], "context");
		char one[300];

		ib_report_platform_label(one, sizeof(one),
					 json_string_value(json_object_get(ctx, "platform")),
					 json_string_value(json_object_get(ctx, "lab_host")) ?:
						 json_string_value(json_object_get(ctx, "host")));
		o += (size_t)fmt(plats + o, o < sizeof(plats) ? sizeof(plats) - o : 0, "%s%s",
				 i ? " vs " : "", one);
		if (o >= sizeof(plats))
			o = sizeof(plats) - 1;
	}
	metrics = calloc(c.nrows + 1, sizeof(*metrics));
	if (!metrics)
		goto out;
	for (i = 0; i < c.nrows; i++) {
		const char *m = ib_csv_get(&c, i, "metric");

		if (!*m || !strcmp(ib_csv_get(&c, i, "method"), "counter") ||
		    json_object_get(seen, m))
			continue;
		if (json_object_set_new_nocheck(seen, m, json_true()))
			goto out;
		if (metric_name_ok(m))
			metrics[nm++] = m;
		else
			skipped_names++;
	}
	if (skipped_names)
		msg_add(msg, msglen, "%zu metric(s) not drawn: name not [A-Za-z0-9_-]",
			skipped_names);
	for (k = 0; k < nm; k++) {
		char *data = NULL, path[PATH_MAX + 64], id[PATH_MAX], qp[2 * PATH_MAX + 160];
		char title[1400], qt[3000], *vars;
		size_t dlen = 0, base;
		int nrows, nruns, rc;
		FILE *f = open_memstream(&data, &dlen);

		if (!f)
			break;
		rc = overlay_data(&c, metrics[k], f, &nrows, &nruns);
		if (fclose(f) || rc) {
			free(data);
			msg_add(msg, msglen, "%s: out of memory", metrics[k]);
			continue;
		}
		if (nrows > OVERLAY_MAX_ROWS) {
			free(data);
			msg_add(msg, msglen, "%s not drawn: %d rows (more than %d)", metrics[k],
				nrows, OVERLAY_MAX_ROWS);
			continue;
		}
		base = strlen(d.outdir) + 1;
		fmt(id, sizeof(id), "%s-%s", stem + (slash ? base : 0), metrics[k]);
		fmt(path, sizeof(path), "%s/%s.dat", d.outdir, id);
		if (nrows < 1 || nruns < 2) {
			free(data);
			continue;
		}
		if (write_atomic(path, data, dlen)) {
			fmt(msg, msglen, "%s: %s", path, strerror(errno));
			free(data);
			drawn = IB_OVERLAY_WRITE_ERR;
			goto out;
		}
		free(data);
		ib_gp_quote(qp, sizeof(qp), path);
		fmt(title, sizeof(title), "%s per row, medians with 95%% CI - %s", metrics[k], plats);
		ib_gp_quote(qt, sizeof(qt), title);
		base = strlen(qp) + strlen(qt) + 64;
		vars = malloc(base);
		if (!vars)
			break;
		fmt(vars, base, "datafile=%s; titletext=%s; nrows=%d", qp, qt, nrows);
		rc = draw_figure(&d, "compare.gp", id, vars, msg, msglen);
		free(vars);
		if (rc == DRAW_WRITE_ERR) {
			drawn = IB_OVERLAY_WRITE_ERR;
			goto out;
		}
		if (!rc)
			drawn++;
	}
	{
		struct stat st;

		if (!stat(d.log, &st) && !st.st_size)
			unlink(d.log);
	}
out:
	json_decref(seen);
	free(metrics);
	ib_csv_free(&c);
	return drawn;
}
