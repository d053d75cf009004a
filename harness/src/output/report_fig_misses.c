// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "IOTLB misses per DMA vs window" (plots/misses.gp).  Part of `iommubench report`
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

int ib_fig_misses(const struct ib_run *run, FILE *f, char *why, size_t whylen)
{
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), n, i;
	struct pt *p = NULL;
	int series = 0;

	if (!idx)
		goto oom;
	n = rp_select_rows(run, "iotlb_miss", true, idx);
	if (!n) {
		fmt(why, whylen, "no row with a window (a sweep over DMA windows) has the "
				  "iotlb_miss counter");
		goto out;
	}
	n = rp_keep_sweeps(run, idx, n);
	p = rp_make_points(run, idx, n, rp_skip_window);
	if (!p)
		goto oom;
	if (rp_distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with the iotlb_miss counter");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ib_row *r = &run->rows[p[i].r];
		double dmas = ib_row_counted_dmas(r);
		char med[RP_NUM];

		if (!(dmas > 0) || !isfinite(dmas))
			continue; /* no DMA count: not a DMA point */
		if (!series || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %.10g %s %.10g\n", p[i].x,
			rp_stat_d(r, "iotlb_miss", "median") / dmas,
			rp_stat(r, "iotlb_miss", "median", med), dmas);
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

static int misses_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		       char *vars, size_t vlen)
{
	static const char *const read[] = { IB_FINDING_PREFIX "iotlb_reach/",
					    IB_FINDING_PREFIX "misses_per_dma/", NULL };
	char why[512], cap[128], found[800];
	bool lab = !strcmp(rp_ctx_str(R->ctx, "platform"), "qemu-lab");
	int n;

	why[0] = '\0';
	n = ib_fig_misses(&R->run, f, why, sizeof(why));
	rp_series_cap(cap, sizeof(cap), n);
	fmt(g->why, sizeof(g->why), "%s", why);
	rp_findings_text(R, read, found, sizeof(found));
	fmt(g->caption, sizeof(g->caption),
	    "What to read: a line's knee is its page size's IOTLB reach, and the gap between "
	    "the lines past it is what larger pages save (%s).%s Counter iotlb_miss divided by "
	    "the DMAs it covered: dma_latency_ns n x (repetitions + warmup) / repetitions (the "
	    "counters include the warm-up repetitions). Knees dashed (%d).%s",
	    found[0] ? found : "no knee or page-size pair found in this run",
	    lab && !strstr(found, "exact counts") ?
		    " Exact counts of the emulated IOMMU (QEMU's vIOMMU trace), not timings." :
		    "",
	    R->nk, cap);
	fmt(vars, vlen, "kneefile=%s; maxseries=%d", R->qk, WINDOW_MAX_SERIES);
	return n;
}

const struct fig_def rp_fig_misses = {
	.id = "iotlb_misses", .title = "IOTLB misses per DMA vs window", .script = "misses.gp",
	.kind = FIG_COUNTS, .data = misses_data,
};
