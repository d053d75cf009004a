// SPDX-License-Identifier: GPL-2.0
/*
 * Figures "DMA latency vs window" and "Bandwidth vs window" (plots/window.gp),
 * and the knees of the derived iotlb_reach rows they mark.  Part of `iommubench report`
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

int ib_fig_window(const struct ib_csv *c, const char *metric, FILE *f, char *why,
		  size_t whylen)
{
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n, i;
	struct pt *p = NULL;
	int series = 0;

	if (!idx)
		goto oom;
	n = rp_keep_sweeps(c, idx, rp_select_rows(c, metric, true, idx));
	p = rp_make_points(c, idx, n, rp_skip_window);
	if (!p)
		goto oom;
	if (rp_distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with %s", metric);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!i || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", i ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %s %s %s\n", p[i].x, rp_num_cell(c, p[i].r, "median"),
			rp_num_or_dash(c, p[i].r, "ci95_low"), rp_num_or_dash(c, p[i].r, "ci95_high"));
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
	json_t *seen = json_object(), *entries = rp_rows_by_name(c, "iotlb_entries");
	size_t r, q;
	int n = 0;

	for (r = 0; seen && entries && r < c->nrows; r++) {
		const char *name = ib_csv_get(c, r, "name");
		double k = rp_cell_d(c, r, "knee_window");
		const char *ps = ib_csv_get(c, r, "page_size");
		char psb[32];
		size_t i;

		if (strcmp(ib_csv_get(c, r, "run_type"), "derived") ||
		    strcmp(ib_csv_get(c, r, "status"), "ok") ||
		    strncmp(name, "iotlb_reach/", 12) || !(k > 0))
			continue;
		/* one line per row: the metric rows of a derived row repeat it */
		q = rp_map_add(seen, name, r);
		if (q != r)
			continue;
		fmt(psb, sizeof(psb), "%s", *ps ? ps : "?");
		for (i = 0; psb[i]; i++)
			if (!isalnum((unsigned char)psb[i]))
				psb[i] = '\0';
		fprintf(f, "%.10g \"%s\" %s\n", k, psb[0] ? psb : "?",
			rp_map_get(entries, name, &q) ? rp_num_or_dash(c, q, "median") : "-");
		n++;
	}
	json_decref(seen);
	json_decref(entries);
	return n;
}

static int window_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		       char *vars, size_t vlen)
{
	char why[512], cap[128], qy[200];
	int n;

	why[0] = '\0';
	n = ib_fig_window(&R->csv, d->metric, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	rp_series_cap(cap, sizeof(cap), n);
	fmt(g->caption, sizeof(g->caption),
	    "Median %s (95%% CI error bars) per window, one line per page size; log-x. "
	    "Dashed verticals: the knee of each derived iotlb_reach row (%d).%s",
	    d->metric, R->nk, cap);
	ib_gp_quote(qy, sizeof(qy), d->ylab);
	fmt(vars, vlen, "kneefile=%s; ylab=%s; maxseries=%d", R->qk, qy, WINDOW_MAX_SERIES);
	return n;
}

const struct fig_def rp_fig_window_latency = {
	.id = "window_latency", .title = "DMA latency vs window", .script = "window.gp",
	.metric = "dma_latency_ns", .ylab = "median DMA latency (ns)", .data = window_data,
};

const struct fig_def rp_fig_window_bandwidth = {
	.id = "window_bandwidth", .title = "Bandwidth vs window", .script = "window.gp",
	.metric = "bandwidth_bytes_per_s", .ylab = "median bandwidth (bytes/s)",
	.data = window_data,
};
