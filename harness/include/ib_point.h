/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One point, measured and written as one row: supported() -> (device
 * engines) IOMMU mode -> buffer -> lab BEGIN -> counters -> the repetition
 * controller (repctl.c) over engine->run() -> counters -> lab END -> the
 * row (params requested + obtained, metrics, counters, status).  The run
 * loop (cli/run.c) calls it once per point of the plan; it knows nothing
 * of results files, run directories or the command line.
 */
#ifndef IB_POINT_H
#define IB_POINT_H

#include <jansson.h>
#include <stddef.h>

#include "ib_counters.h"
#include "ib_plan.h"
#include "ib_topology.h"

/* What a point came to (the run loop counts them; the exit code follows). */
enum ib_point_outcome {
	IB_POINT_OK,
	IB_POINT_SKIPPED,	   /* not supported here, placement, mode, ... */
	IB_POINT_SKIPPED_RESOURCE, /* skipped for want of a resource (hugepages) */
	IB_POINT_ERROR,
};

/*
 * Runs pt and fills row (an empty JSON object) with its row.  ctr: the
 * run's counters, or NULL.  brief: one line for the progress display (the
 * headline figures, or the whole reason of a skipped or error row).
 */
enum ib_point_outcome ib_point_run(const struct ib_point *pt,
				   const struct ib_topo *topo,
				   struct ib_counters *ctr, json_t *row,
				   char *brief, size_t blen);

/* Called once right before a point's timing pass (the ranks' start
 * barrier, cli/run_ranks.c); NULL in a one-process run. */
extern void (*ib_point_timing_hook)(void);

/*
 * Consecutive points that ask for the same buffer (page size, length, node,
 * no layout=) share one: ib_point_run keeps the last point's buffer for
 * the next instead of allocating and faulting it in again (a 1 GiB page:
 * seconds per point under the lab's TCG).  This frees the kept buffer and
 * restores the hugepage pools; call it when the points are done (the run
 * loop, and the exit path before the pools are restored).
 */
void ib_point_release(void);

#endif
