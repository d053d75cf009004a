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
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"


#include "report_int.h"

int ib_fig_window(const struct ib_run *run, const char *metric, FILE *f, char *why,
		  size_t whylen)
{
	return ib_fig_window_of(run, metric, NULL, f, why, whylen);
}

int ib_fig_window_of(const struct ib_run *run, const char *metric,
		     bool (*keep)(const struct ib_row *r), FILE *f, char *why, size_t whylen)
{
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), n, i, k;
	struct pt *p = NULL;
	int series = 0;

	if (!idx)
		goto oom;
	n = rp_select_rows(run, metric, true, idx);
	for (i = k = 0; keep && i < n; i++)
		if (keep(&run->rows[idx[i]]))
			idx[k++] = idx[i];
	n = rp_keep_sweeps(run, idx, keep ? k : n);
	p = rp_make_points(run, idx, n, rp_skip_window);
	if (!p)
		goto oom;
	if (rp_distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with %s", metric);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ib_row *r = &run->rows[p[i].r];
		char med[RP_NUM], lo[RP_NUM], hi[RP_NUM];

		if (!i || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", i ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %s %s %s\n", p[i].x, rp_stat(r, metric, "median", med),
			rp_stat(r, metric, "ci95_low", lo) ?: "-",
			rp_stat(r, metric, "ci95_high", hi) ?: "-");
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return series;
}

/* The ok derived rows with a knee (derive.c's iotlb_reach rows), one line
 * each: "knee_window page_size entries". */
int ib_fig_knees(const struct ib_run *run, FILE *f)
{
	size_t r;
	int n = 0;

	for (r = 0; r < run->nrows; r++) {
		const struct ib_row *w = &run->rows[r];
		char kb[RP_NUM], eb[RP_NUM], psb[32];
		const char *ks = rp_param_num(w, "knee_window", kb);
		double k = ks ? strtod(ks, NULL) : NAN;
		size_t i;

		if (!w->derived || w->status != IB_ROW_OK || !(k > 0))
			continue;
		fmt(psb, sizeof(psb), "%s", w->p.page_size && *w->p.page_size ? w->p.page_size : "?");
		for (i = 0; psb[i]; i++)
			if (!isalnum((unsigned char)psb[i]))
				psb[i] = '\0';
		fprintf(f, "%.10g \"%s\" %s\n", k, psb[0] ? psb : "?",
			rp_stat(w, "iotlb_entries", "median", eb) ?: "-");
		n++;
	}
	return n;
}

void rp_window_vars(const struct report *R, const struct fig_def *d, char *vars, size_t vlen)
{
	char qy[200];

	ib_gp_quote(qy, sizeof(qy), d->ylab);
	fmt(vars, vlen, "kneefile=%s; ylab=%s; maxseries=%d", R->qk, qy, WINDOW_MAX_SERIES);
}

static int window_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		       char *vars, size_t vlen)
{
	static const char *const reach[] = { IB_FINDING_PREFIX "iotlb_reach/", NULL };
	char why[512], cap[128], found[600];
	int n;

	why[0] = '\0';
	n = ib_fig_window(&R->run, d->metric, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	rp_series_cap(cap, sizeof(cap), n);
	rp_findings_text(R, reach, found, sizeof(found));
	fmt(g->caption, sizeof(g->caption),
	    "What to read: where a page size's line %s, its translations have outgrown the "
	    "IOTLB (the knee; %s); the gap between page sizes past it is what translation "
	    "costs. Median %s (95%% CI error bars) per window, one line per page size; log-x. "
	    "Dashed verticals: the knee of each derived iotlb_reach row (%d).%s",
	    strcmp(d->metric, "bandwidth_bytes_per_s") ? "steps up" : "drops",
	    found[0] ? found : "no knee found in this run", d->metric, R->nk, cap);
	rp_window_vars(R, d, vars, vlen);
	return n;
}

const struct fig_def rp_fig_window_latency = {
	.id = "window_latency", .title = "DMA latency vs window", .script = "window.gp",
	.metric = "dma_latency_ns", .ylab = "median DMA latency (ns)", .data = window_data,
	.timing = "dma_latency_ns",
};

const struct fig_def rp_fig_window_bandwidth = {
	.id = "window_bandwidth", .title = "Bandwidth vs window", .script = "window.gp",
	.metric = "bandwidth_bytes_per_s", .ylab = "median bandwidth (bytes/s)",
	.data = window_data, .timing = "bandwidth_bytes_per_s",
};
