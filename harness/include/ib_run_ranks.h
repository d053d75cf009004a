/* SPDX-License-Identifier: GPL-2.0 */
/* The run loop's multi-rank steps (cli/run_ranks.c; ib_ranks.h). */
#ifndef IB_RUN_RANKS_H
#define IB_RUN_RANKS_H

#include <jansson.h>
#include <stdbool.h>

#include "ib_counters.h"
#include "ib_plan.h"
#include "ib_topology.h"

/* rank 0: gathers every rank's context into ctx.ranks, ctx.hosts; -1 when
 * the ranks' plans differ (message printed). */
int ib_rankrun_contexts(json_t *ctx, const struct ib_topo *topo, int plan_n);
/* rank k: sends its context; 0 go, 1 rank 0 stopped the run, -1 failed. */
int ib_rankrun_hello(json_t *ctx, const struct ib_topo *topo, int plan_n);
/* One point on every rank; rank 0 appends every rank's row(s) to rows. */
int ib_rankrun_point(const struct ib_point *pt, const struct ib_topo *topo,
		     struct ib_counters *ctr, json_t *rows, char *brief, size_t blen);
/* rank 0: whether rank k has failed. */
bool ib_rankrun_failed(int k);

#endif
