// SPDX-License-Identifier: GPL-2.0
/*
 * The fleet table (table.c) as text, HTML, CSV and LaTeX.  A cell reads
 * "value [low, high]" with a mark against the first column: "*" the two
 * differ significantly, "=" they do not, nothing when not comparable (the
 * first column, a missing CI, fewer than 6 samples); "-" where the column
 * has no such finding.  Numbers keep three significant digits (whole from
 * 100 on), as the findings print them.  Files are written to a temporary
 * (registered with tmpfiles.c), flushed and renamed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ib_exit.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"
#include "table_int.h"

static const char *num(double v, char *b, size_t n)
{
	if (!isfinite(v))
		snprintf(b, n, "?");
	else if (fabs(v) >= 100)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.3g", v);
	return b;
}

static const char *mark(const struct tcell *c)
{
	return c->sig == 1 ? "*" : c->sig == 0 ? "=" : "";
}

/* "value [lo, hi]" (no interval where there is none); "-" when absent. */
static const char *cell_text(const struct tcell *c, char *b, size_t n)
{
	char v[32], lo[32], hi[32];

	if (!c->have)
		snprintf(b, n, "-");
	else if (isnan(c->lo) || isnan(c->hi))
		snprintf(b, n, "%s%s", num(c->v, v, sizeof(v)), mark(c));
	else
		snprintf(b, n, "%s [%s, %s]%s", num(c->v, v, sizeof(v)), num(c->lo, lo, sizeof(lo)),
			 num(c->hi, hi, sizeof(hi)), mark(c));
	return b;
}

/* Whether any column has row r (empty rows are left out of every format). */
static bool row_used(const struct table *t, int r)
{
	int c;

	for (c = 0; c < t->ncols; c++)
		if (t->rows[r].c[c].have)
			return true;
	return false;
}

static const char legend[] =
	"value [95 % CI or bracket]; against the first column: * significant (CIs disjoint), "
	"= not distinguishable; - not measured there";

void table_text(const struct table *t, FILE *f)
{
	char b[128];
	int r, c;

	fprintf(f, "%-40s", "finding");
	for (c = 0; c < t->ncols; c++)
		fprintf(f, " | %s", t->cols[c].label);
	fprintf(f, "\n%-40s", "");
	for (c = 0; c < t->ncols; c++)
		fprintf(f, " | %s", t->cols[c].run_id);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		if (!row_used(t, r))
			continue;
		snprintf(b, sizeof(b), "%s (%s)", t->rows[r].label, t->rows[r].unit);
		fprintf(f, "%-40s", b);
		for (c = 0; c < t->ncols; c++)
			fprintf(f, " | %s", cell_text(&t->rows[r].c[c], b, sizeof(b)));
		fputc('\n', f);
	}
	fprintf(f, "(%s)\n", legend);
}

/* ---- CSV: a line per finding, four fields per column ---- */

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.10g", v);
	else
		fputs(",", f);
}

static void write_csv(const struct table *t, FILE *f)
{
	char h[400];
	int r, c;

	fputs("finding,unit", f);
	for (c = 0; c < t->ncols; c++) {
		static const char *const what[] = { "", " ci95_low", " ci95_high", " vs_first" };
		int k;

		for (k = 0; k < 4; k++) {
			snprintf(h, sizeof(h), "%s%s", t->cols[c].label, what[k]);
			fputc(',', f);
			ib_csv_put(f, h);
		}
	}
	fputs("\nrun_id,", f);
	for (c = 0; c < t->ncols; c++) {
		fputc(',', f);
		ib_csv_put(f, t->cols[c].run_id);
		fputs(",,,", f);
	}
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		if (!row_used(t, r))
			continue;
		ib_csv_put(f, t->rows[r].label);
		fputc(',', f);
		ib_csv_put(f, t->rows[r].unit);
		for (c = 0; c < t->ncols; c++) {
			const struct tcell *x = &t->rows[r].c[c];

			csv_num(f, x->have ? x->v : NAN);
			csv_num(f, x->have ? x->lo : NAN);
			csv_num(f, x->have ? x->hi : NAN);
			fprintf(f, ",%s", x->sig == 1 ? "significant" : x->sig == 0 ? "same" : "");
		}
		fputc('\n', f);
	}
}

/* ---- HTML: one self-contained page ---- */

static void write_html(const struct table *t, FILE *f)
{
	char b[128];
	int r, c;

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>iommubench fleet table</title>\n"
	      "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
	      "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
	      "th.f,td.f{text-align:left}.id{font-weight:normal;font-size:smaller}</style>\n"
	      "</head><body>\n<h1>iommubench fleet table</h1>\n<table>\n<tr><th class=\"f\">finding</th>",
	      f);
	for (c = 0; c < t->ncols; c++) {
		fputs("<th>", f);
		ib_html_put(f, t->cols[c].label);
		fputs("<br><span class=\"id\">", f);
		ib_html_put(f, t->cols[c].run_id);
		fputs("</span></th>", f);
	}
	fputs("</tr>\n", f);
	for (r = 0; r < t->nrows; r++) {
		if (!row_used(t, r))
			continue;
		snprintf(b, sizeof(b), "%s (%s)", t->rows[r].label, t->rows[r].unit);
		fputs("<tr><td class=\"f\">", f);
		ib_html_put(f, b);
		fputs("</td>", f);
		for (c = 0; c < t->ncols; c++) {
			fputs("<td>", f);
			ib_html_put(f, cell_text(&t->rows[r].c[c], b, sizeof(b)));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>", f);
	ib_html_put(f, legend);
	fputs("</p>\n</body></html>\n", f);
}

/* ---- LaTeX: a tabular for a paper ---- */

static void tex_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': fputs("\\textbackslash{}", f); break;
		case '~': fputs("\\textasciitilde{}", f); break;
		case '^': fputs("\\textasciicircum{}", f); break;
		case '&': case '%': case '$': case '#': case '_': case '{': case '}':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

static void write_tex(const struct table *t, FILE *f)
{
	char b[128];
	int r, c;

	fputs("% iommubench fleet table: ", f);
	tex_put(f, legend);
	fputs("\n\\begin{tabular}{l", f);
	for (c = 0; c < t->ncols; c++)
		fputc('r', f);
	fputs("}\n\\hline\nfinding", f);
	for (c = 0; c < t->ncols; c++) {
		fputs(" & ", f);
		tex_put(f, t->cols[c].label);
	}
	fputs(" \\\\\n\\hline\n", f);
	for (r = 0; r < t->nrows; r++) {
		if (!row_used(t, r))
			continue;
		snprintf(b, sizeof(b), "%s (%s)", t->rows[r].label, t->rows[r].unit);
		tex_put(f, b);
		for (c = 0; c < t->ncols; c++) {
			fputs(" & ", f);
			tex_put(f, cell_text(&t->rows[r].c[c], b, sizeof(b)));
		}
		fputs(" \\\\\n", f);
	}
	fputs("\\hline\n\\end{tabular}\n", f);
}

/* One file: written to PATH.tmp, flushed, renamed; 0 or -1 with a message. */
static int write_one(const char *prefix, const char *ext, const struct table *t,
		     void (*fn)(const struct table *, FILE *))
{
	char path[4200], tmp[4300];
	int slot, bad;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s.%s", prefix, ext) >= (int)sizeof(path)) {
		fprintf(stderr, "iommubench: table: -o %s: path too long\n", prefix);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	slot = ib_tmp_add(tmp);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "iommubench: table: %s: %s\n", tmp, strerror(errno));
		ib_tmp_del(slot);
		return -1;
	}
	fn(t, f);
	bad = ferror(f) | fflush(f) | fsync(fileno(f));
	bad |= fclose(f);
	if (bad || rename(tmp, path)) {
		fprintf(stderr, "iommubench: table: %s: %s\n", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		ib_tmp_del(slot);
		return -1;
	}
	ib_tmp_del(slot);
	printf("table: %s\n", path);
	return 0;
}

int table_write_all(const struct table *t, const char *prefix)
{
	if (write_one(prefix, "html", t, write_html) || write_one(prefix, "csv", t, write_csv) ||
	    write_one(prefix, "tex", t, write_tex))
		return IB_EXIT_RESOURCE;
	return IB_EXIT_OK;
}
