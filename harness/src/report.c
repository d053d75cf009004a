// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench report RUN_DIR`: draws RUN_DIR/plots/<figure>.svg and .png with the
 * gnuplot scripts in plots/ and writes a self-contained RUN_DIR/report.html.
 *
 * The figures are fed from results.csv only: for each figure this file
 * extracts the rows it needs into a small whitespace-separated data file
 * (RUN_DIR/plots/data/<figure>.dat, gnuplot index blocks with a quoted
 * series title as first line) and runs gnuplot on the script.  The one
 * exception is the DMA count behind "IOTLB misses per DMA": the CSV has no
 * repetition count, so results.json supplies row.repetitions and
 * params.warmup (docs/report.md says why).  The tables come from
 * results.json.  Every file is written to a temporary name and renamed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_fileio.h"
#include "ib_report.h"
#include "ib_results.h"

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

static int csv_push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
	return 0;
}

/* One record starting at *p; advances *p past its line end. */
static int csv_record(const char **p, char ***cells, size_t *ncells, int *line,
		      char *err, size_t errlen)
{
	const char *s = *p;
	size_t cap = 0, blen, bcap;
	char *buf;

	*cells = NULL;
	*ncells = 0;
	for (;;) {
		bcap = 64;
		blen = 0;
		buf = malloc(bcap);
		if (!buf)
			goto oom;
		if (*s == '"') {
			int start = *line;

			s++;
			for (;;) {
				if (!*s) {
					free(buf);
					fmt(err, errlen, "line %d: unterminated quoted field",
						 start);
					goto fail;
				}
				if (*s == '"' && s[1] == '"') {
					s += 2;
					buf[blen++] = '"';
				} else if (*s == '"') {
					s++;
					break;
				} else {
					if (*s == '\n')
						(*line)++;
					buf[blen++] = *s++;
				}
				if (blen + 1 >= bcap) {
					char *nb = realloc(buf, bcap *= 2);

					if (!nb) {
						free(buf);
						goto oom;
					}
					buf = nb;
				}
			}
			if (*s && *s != ',' && *s != '\n' && *s != '\r') {
				free(buf);
				fmt(err, errlen, "line %d: text after a closing quote",
					 *line);
				goto fail;
			}
		} else {
			while (*s && *s != ',' && *s != '\n' && *s != '\r') {
				buf[blen++] = *s++;
				if (blen + 1 >= bcap) {
					char *nb = realloc(buf, bcap *= 2);

					if (!nb) {
						free(buf);
						goto oom;
					}
					buf = nb;
				}
			}
		}
		buf[blen] = '\0';
		if (csv_push(cells, ncells, &cap, buf)) {
			free(buf);
			goto oom;
		}
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\r')
			s++;
		if (*s == '\n') {
			s++;
			(*line)++;
		}
		break;
	}
	*p = s;
	return 0;
oom:
	fmt(err, errlen, "line %d: out of memory", *line);
fail:
	while (*ncells)
		free((*cells)[--*ncells]);
	free(*cells);
	*cells = NULL;
	return -1;
}

int ib_csv_parse(const char *text, struct ib_csv *csv, char *err, size_t errlen)
{
	const char *p = text;
	size_t cap = 0, n, i;
	char **cells;
	int line = 1;

	memset(csv, 0, sizeof(*csv));
	if (!*p) {
		fmt(err, errlen, "line 1: empty file (no header)");
		return -1;
	}
	if (csv_record(&p, &csv->cols, &csv->ncols, &line, err, errlen))
		return -1;
	while (*p) {
		int at = line;

		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		if (csv_record(&p, &cells, &n, &line, err, errlen))
			goto fail;
		if (n > csv->ncols) {
			fmt(err, errlen, "line %d: %zu fields, the header has %zu", at,
				 n, csv->ncols);
			while (n)
				free(cells[--n]);
			free(cells);
			goto fail;
		}
		if (n < csv->ncols) {
			char **nc = realloc(cells, csv->ncols * sizeof(*cells));

			if (!nc)
				goto oom_cells;
			cells = nc;
			for (; n < csv->ncols; n++) {
				cells[n] = strdup("");
				if (!cells[n])
					goto oom_cells;
			}
		}
		if (csv->nrows == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char ***nr = realloc(csv->rows, ncap * sizeof(*nr));

			if (!nr)
				goto oom_cells;
			csv->rows = nr;
			cap = ncap;
		}
		csv->rows[csv->nrows++] = cells;
		continue;
oom_cells:
		while (n)
			free(cells[--n]);
		free(cells);
		fmt(err, errlen, "line %d: out of memory", at);
		goto fail;
	}
	return 0;
fail:
	for (i = 0; i < csv->ncols; i++)
		free(csv->cols[i]);
	free(csv->cols);
	csv->cols = NULL;
	csv->ncols = 0;
	ib_csv_free(csv);
	return -1;
}

void ib_csv_free(struct ib_csv *csv)
{
	size_t r, c;

	for (r = 0; r < csv->nrows; r++) {
		for (c = 0; c < csv->ncols; c++)
			free(csv->rows[r][c]);
		free(csv->rows[r]);
	}
	free(csv->rows);
	for (c = 0; c < csv->ncols; c++)
		free(csv->cols[c]);
	free(csv->cols);
	memset(csv, 0, sizeof(*csv));
}

int ib_csv_col(const struct ib_csv *csv, const char *name)
{
	size_t c;

	for (c = 0; c < csv->ncols; c++)
		if (!strcmp(csv->cols[c], name))
			return (int)c;
	return -1;
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

/* Parameters that tell series apart, in label order. */
static const char *const dims[] = {
	"page_size", "job",	 "engine",   "bench",	 "pattern",	"xfer_size",
	"threads",   "granule",	 "iommu_mode", "iommu_mode_effective",
	"direction", "cpu_node", "mem_node", "dev_node", "device",
	"window",
};

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

static bool row_ok(const struct ib_csv *c, size_t r)
{
	const char *rt = ib_csv_get(c, r, "run_type");

	return !strcmp(ib_csv_get(c, r, "status"), "ok") &&
	       (!*rt || !strcmp(rt, "measured"));
}

static bool varies(const struct ib_csv *c, const size_t *idx, size_t n, const char *dim)
{
	char a[128], b[128];
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(dim_val(c, idx[i], dim, a, sizeof(a)),
			   dim_val(c, idx[0], dim, b, sizeof(b))))
			return true;
	return false;
}

/* Whether dim d's value follows from dim by's over idx (same by, same d):
 * then d adds nothing to a label that already shows by. */
static bool determined_by(const struct ib_csv *c, const size_t *idx, size_t n,
			  const char *d, const char *by)
{
	char a[128], b[128], x[128], y[128];
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (!strcmp(dim_val(c, idx[i], by, a, sizeof(a)),
				    dim_val(c, idx[j], by, b, sizeof(b))) &&
			    strcmp(dim_val(c, idx[i], d, x, sizeof(x)),
				   dim_val(c, idx[j], d, y, sizeof(y))))
				return false;
	return true;
}

/* Label of row r: the dims that vary over idx, minus those in skip and
 * those that follow from a dim already shown (e.g. job "window-4k" next to
 * page size 4k); the page size (when varying and not skipped) comes bare,
 * first. */
static void series_label(const struct ib_csv *c, const size_t *idx, size_t n,
			 size_t r, const char *const *skip, char *buf, size_t len)
{
	const char *shown[ARRAY_SIZE(dims)];
	size_t i, k, nshown = 0, o = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(dims); i++) {
		char vb[128];
		const char *v = dim_val(c, r, dims[i], vb, sizeof(vb));
		bool redundant = false;
		int w;

		if (in_list(dims[i], skip) || !varies(c, idx, n, dims[i]))
			continue;
		for (k = 0; k < nshown && !redundant; k++)
			redundant = determined_by(c, idx, n, dims[i], shown[k]);
		if (redundant)
			continue;
		/* the effective mode is shown as "mode" when both vary alike */
		if (!strcmp(dims[i], "iommu_mode_effective") &&
		    varies(c, idx, n, "iommu_mode") && !in_list("iommu_mode", skip))
			continue;
		if (!strcmp(dims[i], "page_size"))
			w = fmt(buf + o, len - o, "%s%s", o ? " " : "", *v ? v : "-");
		else
			w = fmt(buf + o, len - o, "%s%s=%s", o ? " " : "", dims[i],
				     *v ? v : "-");
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
		shown[nshown++] = dims[i];
	}
	for (i = 0; buf[i]; i++) /* gnuplot reads the label as a "..." string */
		if (buf[i] == '"' || buf[i] == '\\')
			buf[i] = '\'';
	if (!buf[0])
		fmt(buf, len, "all");
}

static int page_size_rank(const char *ps)
{
	static const char *const order[] = { "4k", "thp", "2m", "1g" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(ps, order[i]))
			return (int)i;
	return (int)ARRAY_SIZE(order);
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
		return p->rank - q->rank;
	c = strcmp(p->label, q->label);
	if (c)
		return c;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->r < q->r ? -1 : p->r > q->r;
}

static double cell_d(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = ib_csv_get(c, r, col);
	char *end;
	double v;

	if (!*s)
		return NAN;
	v = strtod(s, &end);
	return *end ? NAN : v;
}

/* Rows (ok, measured) with this metric, window set. */
static size_t select_rows(const struct ib_csv *c, const char *metric, bool need_window,
			  size_t *idx)
{
	size_t r, n = 0;

	for (r = 0; r < c->nrows; r++) {
		if (!row_ok(c, r) || strcmp(ib_csv_get(c, r, "metric"), metric))
			continue;
		if (need_window && isnan(cell_d(c, r, "window")))
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
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		p[i].r = idx[i];
		p[i].rank = page_size_rank(ib_csv_get(c, idx[i], "page_size"));
		p[i].x = cell_d(c, idx[i], "window");
		series_label(c, idx, n, idx[i], skip, p[i].label, sizeof(p[i].label));
	}
	qsort(p, n, sizeof(*p), pt_cmp);
	return p;
}

static size_t distinct_windows(const struct pt *p, size_t n)
{
	size_t i, j, d = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (p[j].x == p[i].x)
				break;
		d += j == i;
	}
	return d;
}

static const char *const skip_window[] = { "window", NULL };

/*
 * Keeps the rows of idx that belong to a sweep: rows equal in every dim but
 * the window, at least two distinct windows.  Returns the new count.
 */
static size_t keep_sweeps(const struct ib_csv *c, size_t *idx, size_t n)
{
	char (*key)[400] = calloc(n ? n : 1, sizeof(*key));
	size_t i, j, k, out = 0;

	if (!key)
		return 0;
	for (i = 0; i < n; i++) {
		size_t o = 0;

		for (k = 0; k < ARRAY_SIZE(dims); k++) {
			char vb[128];

			if (strcmp(dims[k], "window"))
				o += (size_t)fmt(key[i] + o, o < sizeof(key[i]) ? sizeof(key[i]) - o : 0,
						 "%s\x1f", dim_val(c, idx[i], dims[k], vb, sizeof(vb)));
			if (o >= sizeof(key[i]))
				o = sizeof(key[i]) - 1;
		}
	}
	for (i = 0; i < n; i++) {
		bool sweep = false;

		for (j = 0; j < n && !sweep; j++)
			sweep = !strcmp(key[i], key[j]) &&
				strcmp(ib_csv_get(c, idx[i], "window"), ib_csv_get(c, idx[j], "window"));
		if (sweep)
			idx[out++] = idx[i];
	}
	free(key);
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
		fprintf(f, "%.10g %s %s %s\n", p[i].x, ib_csv_get(c, p[i].r, "median"),
			*ib_csv_get(c, p[i].r, "ci95_low") ? ib_csv_get(c, p[i].r, "ci95_low") : "-",
			*ib_csv_get(c, p[i].r, "ci95_high") ? ib_csv_get(c, p[i].r, "ci95_high") : "-");
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
	size_t r;
	int n = 0;

	for (r = 0; r < c->nrows; r++) {
		const char *name = ib_csv_get(c, r, "name");
		double k = cell_d(c, r, "knee_window");
		const char *ps = ib_csv_get(c, r, "page_size");
		bool dup = false;
		size_t q;

		if (strcmp(ib_csv_get(c, r, "run_type"), "derived") ||
		    strcmp(ib_csv_get(c, r, "status"), "ok") ||
		    strncmp(name, "iotlb_reach/", 12) || isnan(k))
			continue;
		if (!*ps && strstr(name, "page_size:"))
			ps = strstr(name, "page_size:") + 10;
		/* one line per row: the metric rows of a derived row repeat it */
		for (q = 0; q < r; q++)
			if (!strcmp(ib_csv_get(c, q, "name"), name))
				dup = true;
		if (dup)
			continue;
		{
			char psb[32];
			size_t i;

			fmt(psb, sizeof(psb), "%s", *ps ? ps : "?");
			for (i = 0; psb[i]; i++)
				if (psb[i] == '/' || psb[i] == ' ' || psb[i] == '"')
					psb[i] = '\0';
			fprintf(f, "%.10g \"%s\" ", k, psb);
		}
		for (q = 0; q < c->nrows; q++)
			if (!strcmp(ib_csv_get(c, q, "name"), name) &&
			    !strcmp(ib_csv_get(c, q, "metric"), "iotlb_entries"))
				break;
		fprintf(f, "%s\n", q < c->nrows && *ib_csv_get(c, q, "median") ?
					   ib_csv_get(c, q, "median") : "-");
		n++;
	}
	return n;
}

static json_t *json_row(json_t *doc, const char *name)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")) ?: "", name))
			return row;
	return NULL;
}

/*
 * DMAs the counters saw: the counters run from before the warm-up
 * repetitions to after the last one (run.c), but dma_latency_ns.n counts
 * only the kept repetitions, so n is scaled by (reps + warmup) / reps.
 */
static double counted_dmas(const struct ib_csv *c, size_t r_lat, json_t *doc)
{
	double n = cell_d(c, r_lat, "n");
	json_t *row = doc ? json_row(doc, ib_csv_get(c, r_lat, "name")) : NULL;
	json_t *params = json_object_get(row, "params");
	json_t *reps = json_object_get(row, "repetitions");
	json_t *warm = json_object_get(params, "warmup");

	if (json_is_integer(reps) && json_integer_value(reps) > 0 && json_is_integer(warm))
		n *= (double)(json_integer_value(reps) + json_integer_value(warm)) /
		     (double)json_integer_value(reps);
	return n;
}

int ib_fig_misses(const struct ib_csv *c, json_t *doc, FILE *f, char *why,
		  size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n, i, q;
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
	if (!p)
		goto oom;
	if (distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with the iotlb_miss counter");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *name = ib_csv_get(c, p[i].r, "name");
		double dmas = NAN;

		for (q = 0; q < c->nrows; q++)
			if (!strcmp(ib_csv_get(c, q, "name"), name) &&
			    !strcmp(ib_csv_get(c, q, "metric"), "dma_latency_ns"))
				break;
		if (q < c->nrows)
			dmas = counted_dmas(c, q, doc);
		if (isnan(dmas) || dmas <= 0)
			continue; /* no DMA count: not a DMA point */
		if (!series || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %.10g %s %.10g\n", p[i].x,
			cell_d(c, p[i].r, "median") / dmas, ib_csv_get(c, p[i].r, "median"),
			dmas);
	}
	if (!series)
		fmt(why, whylen, "no iotlb_miss row has a dma_latency_ns count (n) to divide by");
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return series;
}

static const char *row_mode(const struct ib_csv *c, size_t r)
{
	const char *m = ib_csv_get(c, r, "iommu_mode_effective");

	return *m ? m : *ib_csv_get(c, r, "iommu_mode") ? ib_csv_get(c, r, "iommu_mode") : "-";
}

static const char *stat_or_dash(const struct ib_csv *c, size_t r, const char *col)
{
	const char *s = ib_csv_get(c, r, col);

	return *s ? s : "-";
}

int ib_fig_mapunmap(const struct ib_csv *c, FILE *f, char *why, size_t whylen)
{
	static const char *const skip[] = { "iommu_mode", "iommu_mode_effective", NULL };
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n = 0, r, i, q;
	struct pt *p = NULL;
	int cats = 0;

	if (!idx)
		goto oom;
	/* one point per row name that has map_ns or unmap_ns */
	for (r = 0; r < c->nrows; r++) {
		const char *m = ib_csv_get(c, r, "metric");

		if (!row_ok(c, r) || (strcmp(m, "map_ns") && strcmp(m, "unmap_ns")))
			continue;
		for (q = 0; q < n; q++)
			if (!strcmp(ib_csv_get(c, idx[q], "name"), ib_csv_get(c, r, "name")))
				break;
		if (q == n)
			idx[n++] = r;
	}
	if (!n) {
		fmt(why, whylen, "no row has map_ns or unmap_ns");
		goto out;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		goto oom;
	for (i = 0; i < n; i++) {
		char rest[200];

		p[i].r = idx[i];
		p[i].rank = mode_rank(row_mode(c, idx[i]));
		series_label(c, idx, n, idx[i], skip, rest, sizeof(rest));
		fmt(p[i].label, sizeof(p[i].label), "%s%s%s", row_mode(c, idx[i]),
			 strcmp(rest, "all") ? " " : "", strcmp(rest, "all") ? rest : "");
		p[i].x = (double)i;
	}
	qsort(p, n, sizeof(*p), pt_cmp);
	fprintf(f, "# label map_p50 map_p90 map_p99 unmap_p50 unmap_p90 unmap_p99\n");
	for (i = 0; i < n; i++) {
		const char *name = ib_csv_get(c, p[i].r, "name");
		const char *ms[2] = { "map_ns", "unmap_ns" };
		int k;

		fprintf(f, "\"%s\"", p[i].label);
		for (k = 0; k < 2; k++) {
			for (q = 0; q < c->nrows; q++)
				if (!strcmp(ib_csv_get(c, q, "name"), name) &&
				    !strcmp(ib_csv_get(c, q, "metric"), ms[k]))
					break;
			if (q == c->nrows)
				fprintf(f, " - - -");
			else
				fprintf(f, " %s %s %s", stat_or_dash(c, q, "median"),
					stat_or_dash(c, q, "p90"), stat_or_dash(c, q, "p99"));
		}
		fputc('\n', f);
		cats++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return cats;
}

static const char *const placement[] = { "cpu_node", "mem_node", "dev_node", "device",
					 NULL };

static bool same_except_placement(const struct ib_csv *c, size_t a, size_t b)
{
	size_t i;

	char x[128], y[128];

	for (i = 0; i < ARRAY_SIZE(dims); i++)
		if (!in_list(dims[i], placement) &&
		    strcmp(dim_val(c, a, dims[i], x, sizeof(x)), dim_val(c, b, dims[i], y, sizeof(y))))
			return false;
	return true;
}

static bool same_triple(const struct ib_csv *c, size_t a, size_t b)
{
	return !strcmp(ib_csv_get(c, a, "cpu_node"), ib_csv_get(c, b, "cpu_node")) &&
	       !strcmp(ib_csv_get(c, a, "mem_node"), ib_csv_get(c, b, "mem_node")) &&
	       !strcmp(ib_csv_get(c, a, "dev_node"), ib_csv_get(c, b, "dev_node"));
}

int ib_fig_numa(const struct ib_csv *c, FILE *f, char *label, size_t labellen,
		char *devs, size_t devslen, char *why, size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), *grp = NULL, n, i, j, k;
	size_t best = 0, best_n = 0, ng;
	int blocks = 0;

	label[0] = '\0';
	devs[0] = '\0';
	if (!idx)
		goto oom;
	n = 0;
	for (i = 0; i < c->nrows; i++)
		if (row_ok(c, i) && !strcmp(ib_csv_get(c, i, "metric"), "dma_latency_ns") &&
		    !isnan(cell_d(c, i, "cpu_node")) && !isnan(cell_d(c, i, "mem_node")))
			idx[n++] = i;
	grp = calloc(n + 1, sizeof(*grp));
	if (!grp)
		goto oom;
	/* the group of rows equal but for placement with the most triples */
	for (i = 0; i < n; i++) {
		size_t d = 0;

		for (j = 0; j < n; j++) {
			if (!same_except_placement(c, idx[i], idx[j]))
				continue;
			for (k = 0; k < j; k++)
				if (same_except_placement(c, idx[i], idx[k]) &&
				    same_triple(c, idx[k], idx[j]))
					break;
			d += k == j;
		}
		if (d > best_n) {
			best_n = d;
			best = idx[i];
		}
	}
	if (best_n < 2) {
		fmt(why, whylen, "fewer than two cpu/mem/dev node placements with dma_latency_ns");
		goto out;
	}
	ng = 0;
	for (j = 0; j < n; j++) {
		if (!same_except_placement(c, best, idx[j]))
			continue;
		for (k = 0; k < ng; k++)
			if (same_triple(c, grp[k], idx[j]))
				break;
		if (k == ng)
			grp[ng++] = idx[j];
	}
	/* what the placements share, for the title */
	{
		size_t o = 0;

		for (i = 0; i < ARRAY_SIZE(dims) && o + 1 < labellen; i++) {
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
	}
	/* blocks per dev_node, in the order first seen */
	for (i = 0; i < ng; i++) {
		const char *dev = ib_csv_get(c, grp[i], "dev_node");

		for (k = 0; k < i; k++)
			if (!strcmp(ib_csv_get(c, grp[k], "dev_node"), dev))
				break;
		if (k < i)
			continue;
		fprintf(f, "%s# dev_node %s\n", blocks ? "\n\n" : "", *dev ? dev : "-");
		{
			size_t o = strlen(devs);

			fmt(devs + o, devslen - o, "%s%s", o ? " " : "", *dev ? dev : "-");
		}
		for (j = i; j < ng; j++)
			if (!strcmp(ib_csv_get(c, grp[j], "dev_node"), dev))
				fprintf(f, "%s %s %s\n", ib_csv_get(c, grp[j], "cpu_node"),
					ib_csv_get(c, grp[j], "mem_node"),
					ib_csv_get(c, grp[j], "median"));
		blocks++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(grp);
	free(idx);
	return blocks;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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
	qsort(x, n, sizeof(*x), dcmp);
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
	struct pt *p = NULL;
	int series = 0;

	why[0] = '\0';
	if (!idx)
		goto oom;
	n = select_rows(c, "dma_latency_ns", false, idx);
	if (!n) {
		fmt(why, whylen, "no row has dma_latency_ns");
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
	for (i = 0; i < nk; i++) {
		size_t r = keep[i];
		char lab[256];
		json_t *row = doc ? json_row(doc, ib_csv_get(c, r, "name")) : NULL;

		series_label(c, idx, n, r, NULL, lab, sizeof(lab));
		fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", lab);
		if (!cdf_samples(row, f))
			for (j = 0; j < ARRAY_SIZE(q); j++)
				if (!isnan(cell_d(c, r, q[j])))
					fprintf(f, "%s %g\n", ib_csv_get(c, r, q[j]), frac[j]);
		series++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(keep);
	free(idx);
	return series;
}

/* ---- files, gnuplot ---- */

/* Writes data to path through a temporary name. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 16];
	FILE *f;

	fmt(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
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

/* Runs gnuplot -e vars script with output to log; 0 on success, else the
 * last line of the log in err. */
static int gp_exec(const char *gnuplot, const char *vars, const char *script,
		   const char *log, char *err, size_t errlen)
{
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

/* script with vars, once as svg and once as png, to outdir/<id>.{svg,png}. */
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
		fmt(tmp, sizeof(tmp), "%s/.%s.%s.tmp", d->outdir, id, fmts[k]);
		ib_gp_quote(qtmp, sizeof(qtmp), tmp);
		fmt(all, vlen, "fmt='%s'; outfile=%s; plotsdir=%s; %s", fmts[k], qtmp,
			 qplots, vars);
		rc = gp_exec(d->gnuplot, all, spath, d->log, err, errlen);
		free(all);
		if (rc) {
			unlink(tmp);
			return -1;
		}
		if (rename(tmp, out)) {
			fmt(err, errlen, "%s: %s", out, strerror(errno));
			unlink(tmp);
			return -1;
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
	char plat[512];     /* "emulated (qemu-lab), host X" */
	struct fig figs[16];
	size_t nfigs;
	struct draw draw;
	bool have_gnuplot;
	char gp_missing[256];
	int failed;
};

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

	if (n <= 0)
		return;
	fmt(path, sizeof(path), "%s/data/%s.dat", R->draw.outdir, g->id);
	if (write_atomic(path, data, dlen)) {
		fmt(g->why, sizeof(g->why), "%s: %s", path, strerror(errno));
		R->failed = 1;
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
	if (draw_figure(&R->draw, script, g->id, vars, g->why, sizeof(g->why)))
		R->failed = 1;
	else
		g->drawn = true;
	free(vars);
}

static void figures(struct report *R)
{
	char why[512], label[400], kpath[PATH_MAX + 64], vars[2 * PATH_MAX + 600];
	char qk[2 * PATH_MAX + 160], ql[900], devs[256], qd[600];
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
	if (write_atomic(kpath, kdata, klen))
		R->failed = 1;
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
		fmt(g->caption, sizeof(g->caption),
			 "Median %s (95%% CI error bars) per window, one line per page size%s; log-x. "
			 "Dashed verticals: the knee of each derived iotlb_reach row (%d).",
			 win[i].metric, n > 1 ? "" : "", nk);
		ib_gp_quote(qy, sizeof(qy), win[i].ylab);
		fmt(vars, sizeof(vars), "kneefile=%s; ylab=%s", qk, qy);
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
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
		 "Counter iotlb_miss divided by the DMAs it covered: dma_latency_ns n "
		 "x (repetitions + warmup) / repetitions (the counters include the warm-up "
		 "repetitions). Knees dashed (%d).", nk);
	fmt(vars, sizeof(vars), "kneefile=%s", qk);
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
		 "IOMMU mode; log-y.");
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
		 "dev_node; %s.", label);
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

static const char *const csv_required[] = {
	"run_id", "platform", "host", "name", "run_type", "status", "page_size",
	"window", "iommu_mode", "iommu_mode_effective", "cpu_node", "mem_node",
	"dev_node", "knee_window", "metric", "unit", "n", "median", "min", "max",
	"p90", "p99", "p999", "ci95_low", "ci95_high", NULL
};

static int load(struct report *R, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], e[512];
	struct stat st;
	json_error_t je;
	char *text;
	size_t i;

	if (stat(R->dir, &st) || !S_ISDIR(st.st_mode)) {
		fmt(err, errlen, "%s: %s", R->dir,
			 errno && stat(R->dir, &st) ? strerror(errno) : "not a directory");
		return -1;
	}
	fmt(path, sizeof(path), "%s/results.json", R->dir);
	R->doc = json_load_file(path, 0, &je);
	if (!R->doc) {
		fmt(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	if (ib_results_check(R->doc, e, sizeof(e))) {
		fmt(err, errlen, "%s: %s", path, e);
		return -1;
	}
	R->ctx = json_object_get(R->doc, "context");
	fmt(path, sizeof(path), "%s/results.csv", R->dir);
	text = ib_read_all(path, NULL);
	if (!text) {
		fmt(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ib_csv_parse(text, &R->csv, e, sizeof(e))) {
		free(text);
		fmt(err, errlen, "%s: %s", path, e);
		return -1;
	}
	free(text);
	for (i = 0; csv_required[i]; i++)
		if (ib_csv_col(&R->csv, csv_required[i]) < 0) {
			fmt(err, errlen, "%s: header: no column %s (docs/results-csv.md)",
				 path, csv_required[i]);
			return -1;
		}
	for (i = 0; i < R->csv.nrows; i++) {
		const char *id = ib_csv_get(&R->csv, i, "run_id");

		if (*id && *ctx_str(R->ctx, "run_id") && strcmp(id, ctx_str(R->ctx, "run_id"))) {
			fmt(err, errlen,
				 "%s: line %zu: run_id %s is not results.json's %s (stale CSV?)",
				 path, i + 2, id, ctx_str(R->ctx, "run_id"));
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: iommubench report RUN_DIR   (draws RUN_DIR/plots/*.svg, *.png "
			"and RUN_DIR/report.html)\n");
}

int cmd_report(int argc, char **argv)
{
	struct report *R = calloc(1, sizeof(*R));
	char err[1024], path[PATH_MAX + 32];
	const char *host;
	int ret = 1;
	size_t i, drawn = 0;

	if (!R)
		return 2;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		ret = 0;
		goto out;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage();
		goto out;
	}
	R->dir = argv[1];
	if (load(R, err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		goto out;
	}
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
		ret = 3;
		goto out;
	}
	fmt(R->draw.log, sizeof(R->draw.log), "%s/gnuplot.log", R->draw.outdir);
	unlink(R->draw.log);

	figures(R);
	{
		struct stat st;

		if (!stat(R->draw.log, &st) && !st.st_size)
			unlink(R->draw.log); /* gnuplot said nothing */
	}
	if (write_html(R, err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		ret = 2;
		goto out;
	}
	for (i = 0; i < R->nfigs; i++)
		drawn += R->figs[i].drawn;
	if (!R->have_gnuplot) {
		fprintf(stderr, "iommubench: report: %s; report.html written without figures\n",
			R->gp_missing);
		ret = 3;
		goto out;
	}
	if (R->failed) {
		for (i = 0; i < R->nfigs; i++)
			if (!R->figs[i].drawn && R->figs[i].why[0] &&
			    strstr(R->figs[i].why, "failed"))
				fprintf(stderr, "iommubench: report: %s: %s\n", R->figs[i].id,
					R->figs[i].why);
		ret = 2;
		goto out;
	}
	printf("report: %s/report.html (%zu of %zu figures drawn)\n", R->dir, drawn, R->nfigs);
	ret = 0;
out:
	ib_csv_free(&R->csv);
	json_decref(R->doc);
	free(R);
	return ret;
}

/* ---- compare overlay ---- */

/*
 * One data file per metric of compare.csv: an index block per run (A, then
 * each B) of "row_index median ci_low ci_high \"row name\"", rows in the
 * order compare.csv lists them (A's order).
 */
static int overlay_data(const struct ib_csv *c, const char *metric, FILE *f, int *nrows,
			int *nruns)
{
	char **names = calloc(c->nrows + 1, sizeof(*names));
	char **runs = calloc(c->nrows + 2, sizeof(*runs));
	size_t r, i, k, nn = 0, nr = 0;

	*nrows = *nruns = 0;
	if (!names || !runs) {
		free(names);
		free(runs);
		return -1;
	}
	for (r = 0; r < c->nrows; r++) {
		const char *rb = ib_csv_get(c, r, "run_b"), *name = ib_csv_get(c, r, "name");

		if (strcmp(ib_csv_get(c, r, "metric"), metric) ||
		    !strcmp(ib_csv_get(c, r, "method"), "counter"))
			continue;
		if (!nr)
			runs[nr++] = (char *)ib_csv_get(c, r, "run_a");
		for (k = 0; k < nr && strcmp(runs[k], rb); k++)
			;
		if (k == nr)
			runs[nr++] = (char *)rb;
		for (k = 0; k < nn && strcmp(names[k], name); k++)
			;
		if (k == nn)
			names[nn++] = (char *)name;
	}
	for (k = 0; k < nr; k++) {
		fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", runs[k]);
		for (i = 0; i < nn; i++) {
			for (r = 0; r < c->nrows; r++) {
				if (strcmp(ib_csv_get(c, r, "metric"), metric) ||
				    strcmp(ib_csv_get(c, r, "name"), names[i]) ||
				    (k && strcmp(ib_csv_get(c, r, "run_b"), runs[k])))
					continue;
				break;
			}
			if (r == c->nrows)
				continue;
			fprintf(f, "%zu %s %s %s \"%s\"\n", i,
				stat_or_dash(c, r, k ? "median_b" : "median_a"),
				stat_or_dash(c, r, k ? "ci95_low_b" : "ci95_low_a"),
				stat_or_dash(c, r, k ? "ci95_high_b" : "ci95_high_a"), names[i]);
		}
	}
	*nrows = (int)nn;
	*nruns = (int)nr;
	free(names);
	free(runs);
	return 0;
}

int ib_report_compare_overlay(const char *compare_csv, json_t *const *docs, size_t ndocs,
			      char *msg, size_t msglen)
{
	struct draw d = { 0 };
	struct ib_csv c = { 0 };
	char stem[PATH_MAX], plats[1024] = "", *text, *slash;
	char **metrics = NULL;
	size_t i, k, nm = 0, o = 0;
	int drawn = 0;

	msg[0] = '\0';
	if (!find_gnuplot(d.gnuplot, sizeof(d.gnuplot))) {
		fmt(msg, msglen, "gnuplot unavailable (not in PATH; install gnuplot-nox)");
		return -1;
	}
	if (!find_plots_dir(d.plots, sizeof(d.plots))) {
		fmt(msg, msglen, "gnuplot scripts unavailable (no plots/common.gp)");
		return -1;
	}
	text = ib_read_all(compare_csv, NULL);
	if (!text || ib_csv_parse(text, &c, msg, msglen)) {
		if (!text)
			fmt(msg, msglen, "%s: %s", compare_csv, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
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

		if (!*m || !strcmp(ib_csv_get(&c, i, "method"), "counter"))
			continue;
		for (k = 0; k < nm && strcmp(metrics[k], m); k++)
			;
		if (k == nm)
			metrics[nm++] = (char *)m;
	}
	for (k = 0; k < nm; k++) {
		char *data = NULL, path[PATH_MAX + 64], id[PATH_MAX], qp[2 * PATH_MAX + 160];
		char title[1400], qt[3000], *vars;
		size_t dlen = 0, base;
		int nrows, nruns;
		FILE *f = open_memstream(&data, &dlen);

		if (!f)
			break;
		overlay_data(&c, metrics[k], f, &nrows, &nruns);
		fclose(f);
		base = strlen(d.outdir) + 1;
		fmt(id, sizeof(id), "%s-%s", stem + (slash ? base : 0), metrics[k]);
		fmt(path, sizeof(path), "%s/%s.dat", d.outdir, id);
		if (nrows < 1 || nruns < 2 || write_atomic(path, data, dlen)) {
			free(data);
			continue;
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
		if (!draw_figure(&d, "compare.gp", id, vars, msg, msglen))
			drawn++;
		free(vars);
	}
	{
		struct stat st;

		if (!stat(d.log, &st) && !st.st_size)
			unlink(d.log);
	}
out:
	free(metrics);
	ib_csv_free(&c);
	return drawn;
}
