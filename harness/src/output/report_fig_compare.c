// SPDX-License-Identifier: GPL-2.0
/*
 * Compare overlays: one figure per compared metric, A against each B, from
 * compare's rows in memory
 * (`iommubench compare ... --plot`).  Part of `iommubench report`
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
/* A number for a data file: gnuplot's missing value "-" unless finite. */
static void num_or_dash(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.10g", v);
	else
		fputs(" -", f);
}

static int overlay_data(const struct ib_cmp_row *rows, size_t nrows, const char *metric,
			FILE *f, int *nrows_out, int *nruns)
{
	json_t *name_ix = json_object(), *run_ix = json_object();
	size_t *names = calloc(nrows + 1, sizeof(*names)); /* first row of each name */
	size_t *runs = calloc(nrows + 2, sizeof(*runs));   /* a row of each run */
	size_t *cell = NULL, r, i, k, nn = 0, nr = 0;
	int ret = -1;

	*nrows_out = *nruns = 0;
	if (!name_ix || !run_ix || !names || !runs)
		goto out;
	for (r = 0; r < nrows; r++) {
		if (strcmp(rows[r].metric, metric))
			continue;
		if (!nr) { /* run A: by its run_a */
			if (rp_map_add(run_ix, rows[r].run_a, 0) == MAP_OOM)
				goto out;
			runs[nr++] = r;
		}
		k = rp_map_add(run_ix, rows[r].run_b, nr);
		if (k == MAP_OOM)
			goto out;
		if (k == nr)
			runs[nr++] = r;
		i = rp_map_add(name_ix, rows[r].name, nn);
		if (i == MAP_OOM)
			goto out;
		if (i == nn)
			names[nn++] = r;
	}
	/* cell[k * nn + i]: 1 + the row of run k for name i (A: any of its rows) */
	cell = calloc(nr * nn + 1, sizeof(*cell));
	if (!cell)
		goto out;
	for (r = 0; r < nrows; r++) {
		if (strcmp(rows[r].metric, metric) || !rp_map_get(name_ix, rows[r].name, &i))
			continue;
		if (!cell[i])
			cell[i] = r + 1;
		if (rp_map_get(run_ix, rows[r].run_b, &k) && k && !cell[k * nn + i])
			cell[k * nn + i] = r + 1;
	}
	for (k = 0; k < nr; k++) {
		char lab[256];

		fmt(lab, sizeof(lab), "%s", k ? rows[runs[k]].run_b : rows[runs[k]].run_a);
		rp_label_clean(lab);
		fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", lab);
		for (i = 0; i < nn; i++) {
			const struct ib_cmp_row *c;

			if (!cell[k * nn + i])
				continue;
			c = &rows[cell[k * nn + i] - 1];
			fmt(lab, sizeof(lab), "%s", rows[names[i]].name);
			rp_label_clean(lab);
			fprintf(f, "%zu", i);
			num_or_dash(f, k ? c->median_b : c->median_a);
			num_or_dash(f, k ? c->ci95_low_b : c->ci95_low_a);
			num_or_dash(f, k ? c->ci95_high_b : c->ci95_high_a);
			fprintf(f, " \"%s\"\n", lab);
		}
	}
	*nrows_out = (int)nn;
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

int ib_report_compare_overlay(const char *compare_csv, const struct ib_cmp_row *rows,
			      size_t nrows, json_t *const *docs, size_t ndocs, char *msg,
			      size_t msglen)
{
	struct draw d = { 0 };
	char stem[PATH_MAX], plats[1024] = "", *slash;
	const char **metrics = NULL;
	json_t *seen = json_object();
	size_t i, k, nm = 0, o = 0, skipped_names = 0;
	int drawn = 0;

	msg[0] = '\0';
	if (!seen) {
		fmt(msg, msglen, "out of memory");
		return -1;
	}
	if (!rp_find_gnuplot(d.gnuplot, sizeof(d.gnuplot))) {
		fmt(msg, msglen, "gnuplot unavailable (not in PATH; install gnuplot-nox)");
		drawn = -1;
		goto out;
	}
	if (!rp_find_plots_dir(d.plots, sizeof(d.plots))) {
		fmt(msg, msglen, "gnuplot scripts unavailable (no plots/common.gp)");
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
	metrics = calloc(nrows + 1, sizeof(*metrics));
	if (!metrics)
		goto out;
	for (i = 0; i < nrows; i++) {
		const char *m = rows[i].metric;

		if (!*m || json_object_get(seen, m))
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
		int nr, nruns, rc;
		FILE *f = open_memstream(&data, &dlen);

		if (!f)
			break;
		rc = overlay_data(rows, nrows, metrics[k], f, &nr, &nruns);
		if (fclose(f) || rc) {
			free(data);
			msg_add(msg, msglen, "%s: out of memory", metrics[k]);
			continue;
		}
		if (nr > OVERLAY_MAX_ROWS) {
			free(data);
			msg_add(msg, msglen, "%s not drawn: %d rows (more than %d)", metrics[k],
				nr, OVERLAY_MAX_ROWS);
			continue;
		}
		base = strlen(d.outdir) + 1;
		fmt(id, sizeof(id), "%s-%s", stem + (slash ? base : 0), metrics[k]);
		fmt(path, sizeof(path), "%s/%s.dat", d.outdir, id);
		if (nr < 1 || nruns < 2) {
			free(data);
			continue;
		}
		if (rp_write_atomic(path, data, dlen)) {
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
		fmt(vars, base, "datafile=%s; titletext=%s; nrows=%d", qp, qt, nr);
		rc = rp_draw_figure(&d, "compare.gp", id, vars, msg, msglen);
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
	return drawn;
}
