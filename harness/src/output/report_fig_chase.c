// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "Pointer-chase latency vs window" (plots/window.gp): the op=chase
 * rows only (the gpu suite's GPU chase, the cpu engine's), ns per access
 * per page size, with the knees of the derived iotlb_reach rows.  The
 * window figures draw every row with the metric; this one keeps the chase
 * apart from per-copy times.  Part of `iommubench report` (docs/report.md).
 */
#include <stdio.h>
#include <string.h>

#include "ib_report.h"
#include "ib_results.h"

#include "report_int.h"

static bool chase_row(const struct ib_row *r)
{
	return r->p.op && !strcmp(r->p.op, "chase");
}

static int chase_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		      char *vars, size_t vlen)
{
	char why[512], cap[128];
	int n;

	why[0] = '\0';
	n = ib_fig_window_of(&R->run, d->metric, chase_row, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s",
	    n > 0 ? why : "no op=chase rows over two windows or more (the gpu suite's chase job, cpu op=chase)");
	rp_series_cap(cap, sizeof(cap), n);
	fmt(g->caption, sizeof(g->caption),
	    "Median ns per dependent access of the op=chase rows (95%% CI error bars) per "
	    "window, one line per page size; log-x.  One element per 4 KiB: past the "
	    "translation cache's reach every access misses.  Dashed verticals: the knee of "
	    "each derived iotlb_reach row (%d).%s",
	    R->nk, cap);
	rp_window_vars(R, d, vars, vlen);
	return n;
}

const struct fig_def rp_fig_chase = {
	.id = "chase_latency", .title = "Pointer-chase latency vs window", .script = "window.gp",
	.metric = "dma_latency_ns", .ylab = "median latency per access (ns)", .data = chase_data,
};
