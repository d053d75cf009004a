// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "IOMMU work per I/O" (plots/perio.gp): for the rows of engines
 * that count I/Os (nvme, issue 13), IOMMU maps, unmaps, invalidations and
 * IOTLB misses per I/O, grouped by the effective IOMMU mode.  Each counter
 * is divided by the I/Os of the pass it was counted in: the counting
 * pass's (counting_pass.ios) for a source that counted there, else the
 * timing pass's (params.ios_timing_pass); the lab's counters follow
 * lab_marks (ib_row_counter_ios).  Part of `iommubench report` (report.c;
 * docs/report.md).
 * The same per packet for the net engine: report_fig_perpkt.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_report.h"
#include "ib_results.h"

#include "report_int.h"

#define PERIO_MAX 96

static const char *const counters[] = { "iommu_maps", "iommu_unmaps", "iommu_invalidations",
					"iotlb_miss" };

/* Rows of a packet engine (a pps metric: net) go to "IOMMU work per
 * packet" (report_fig_perpkt.c), the others here. */
static bool is_packets(const struct ib_row *w)
{
	return json_object_get(json_object_get(w->json, "metrics"), "pps") != NULL;
}

int rp_per_unit_data(struct report *R, struct fig *g, FILE *f, char *vars, size_t vlen,
		     bool packets)
{
	const struct ib_run *run = &R->run;
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), n = 0, r, i, k;
	struct pt *p = NULL;
	int cats = 0, f_depth = ib_row_field_find("iodepth"), f_msg = ib_row_field_find("msg_size");
	const char *unit = packets ? "packet" : "I/O";

	if (!idx || !(p = calloc(run->nrows + 1, sizeof(*p)))) {
		fmt(g->why, sizeof(g->why), "out of memory");
		goto out;
	}
	for (r = 0; r < run->nrows; r++) {
		const struct ib_row *w = &run->rows[r];

		for (k = 0; k < 4 && rp_row_ok(w) && is_packets(w) == packets; k++)
			if (ib_row_counter_ios(w, counters[k]) > 0) {
				idx[n++] = r;
				break;
			}
	}
	if (!n) {
		fmt(g->why, sizeof(g->why), "no row of %s with IOMMU counters and its %s count",
		    packets ? "a packet engine (net)" : "an I/O engine (nvme)",
		    packets ? "packet" : "I/O");
		goto out;
	}
	rp_mode_points(run, idx, n, p);
	for (i = 0; i < n; i++) {
		const struct ib_row *w = &run->rows[idx[i]];
		size_t len = strlen(p[i].label);

		/* iodepth (nvme's field, ib_engine_opt .field) is not one of
		 * the labeler's dimensions; net's msg_size likewise (threads
		 * is the labeler's: named when it varies) */
		if (ib_row_int(w, f_depth) >= 0)
			fmt(p[i].label + len, sizeof(p[i].label) - len, " qd%lld",
			    ib_row_int(w, f_depth));
		if (ib_row_int(w, f_msg) >= 0)
			fmt(p[i].label + len, sizeof(p[i].label) - len, " %lldB",
			    ib_row_int(w, f_msg));
	}
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	if (n > PERIO_MAX)
		n = PERIO_MAX;
	fprintf(f, "# label maps unmaps invalidations iotlb_misses (per %s)\n", unit);
	for (i = 0; i < n; i++) {
		const struct ib_row *w = &run->rows[p[i].r];

		fprintf(f, "\"%s\"", p[i].label);
		for (k = 0; k < 4; k++) {
			double v, ios = ib_row_counter_ios(w, counters[k]);

			if (ios > 0 && ib_row_counter(w, counters[k], &v, NULL))
				fprintf(f, " %.4g", v / ios);
			else
				fprintf(f, " -");
		}
		fputc('\n', f);
		cats++;
	}
	fmt(g->caption, sizeof(g->caption),
	    packets ? "IOMMU maps, unmaps, IOTLB invalidations and IOTLB misses per packet (net: "
		      "UDP datagrams received, stream and ping-pong), grouped by the effective "
		      "IOMMU mode; each counter divided by the packets of the pass that counted it." :
		      "IOMMU maps, unmaps, IOTLB invalidations and IOTLB misses per I/O (nvme "
		      "reads), grouped by the effective IOMMU mode; each counter divided by the "
		      "I/Os of the pass that counted it.");
	fmt(vars, vlen, "ncat=%d", cats);
out:
	free(p);
	free(idx);
	return cats;
}

static int perio_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		      char *vars, size_t vlen)
{
	return rp_per_unit_data(R, g, f, vars, vlen, false);
}

const struct fig_def rp_fig_perio = {
	.id = "iommu_per_io", .title = "IOMMU work per I/O", .script = "perio.gp",
	.data = perio_data,
};
