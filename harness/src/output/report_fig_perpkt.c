// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "IOMMU work per packet" (plots/perio.gp, the per-I/O figure's
 * script): for the net engine's rows (those with a pps metric), IOMMU
 * maps, unmaps, invalidations and IOTLB misses per packet, grouped by the
 * effective IOMMU mode, each counter divided by the packets of the pass
 * that counted it (the rows and the division: report_fig_perio.c).  Part
 * of `iommubench report` (report.c; docs/report.md, docs/engines-net.md).
 */
#include <stdio.h>

#include "ib_report.h"
#include "ib_results.h"

#include "report_int.h"

static int perpkt_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		       char *vars, size_t vlen)
{
	return rp_per_unit_data(R, g, f, vars, vlen, true);
}

const struct fig_def rp_fig_perpkt = {
	.id = "iommu_per_packet", .title = "IOMMU work per packet", .script = "perio.gp",
	.kind = FIG_COUNTS,
	.data = perpkt_data,
};
