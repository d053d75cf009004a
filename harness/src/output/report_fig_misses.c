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
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"


#include "report_int.h"

/* results.json rows by name (the first of each name), for the few inputs
 * the CSV lacks. */
json_t *rp_doc_rows_by_name(json_t *doc)
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
	double n = rp_cell_d(c, r_lat, "n");
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
	n = rp_select_rows(c, "iotlb_miss", true, idx);
	if (!n) {
		fmt(why, whylen, "no row has the iotlb_miss counter");
		goto out;
	}
	n = rp_keep_sweeps(c, idx, n);
	p = rp_make_points(c, idx, n, rp_skip_window);
	lat = rp_rows_by_name(c, "dma_latency_ns");
	docrows = doc ? rp_doc_rows_by_name(doc) : NULL;
	if (!p || !lat || (doc && !docrows))
		goto oom;
	if (rp_distinct_windows(p, n) < 2) {
		fmt(why, whylen, "fewer than two windows with the iotlb_miss counter");
		goto out;
	}
	for (i = 0; i < n; i++) {
		double dmas = NAN;

		if (rp_map_get(lat, ib_csv_get(c, p[i].r, "name"), &q))
			dmas = counted_dmas(c, q, docrows);
		if (!(dmas > 0) || !isfinite(dmas))
			continue; /* no DMA count: not a DMA point */
		if (!series || strcmp(p[i].label, p[i - 1].label) || p[i].rank != p[i - 1].rank) {
			fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", p[i].label);
			series++;
		}
		fprintf(f, "%.10g %.10g %s %.10g\n", p[i].x,
			rp_cell_d(c, p[i].r, "median") / dmas, rp_num_cell(c, p[i].r, "median"), dmas);
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

static int misses_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		       char *vars, size_t vlen)
{
	char why[512], cap[128];
	int n;

	why[0] = '\0';
	n = ib_fig_misses(&R->csv, R->doc, f, why, sizeof(why));
	rp_series_cap(cap, sizeof(cap), n);
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
	    "Counter iotlb_miss divided by the DMAs it covered: dma_latency_ns n "
	    "x (repetitions + warmup) / repetitions (the counters include the warm-up "
	    "repetitions). Knees dashed (%d).%s", R->nk, cap);
	fmt(vars, vlen, "kneefile=%s; maxseries=%d", R->qk, WINDOW_MAX_SERIES);
	return n;
}

const struct fig_def rp_fig_misses = {
	.id = "iotlb_misses", .title = "IOTLB misses per DMA vs window", .script = "misses.gp",
	.data = misses_data,
};
