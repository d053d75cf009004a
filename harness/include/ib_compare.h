/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What compare (output/compare.c) offers other commands: the ranks of a
 * multi-rank run merged into one row per point (compare_merge.c).
 */
#ifndef IB_COMPARE_H
#define IB_COMPARE_H

#include <stddef.h>
#include <jansson.h>

/*
 * A copy of doc (a loaded results.json) whose "<point>/rank:<N>" rows are
 * merged into one row "<point>" each (params.ranks_merged = the ranks):
 * timing metrics recomputed from the ranks' histograms merged by the rule
 * of docs/results-schema.md, counters added.  *merged: the points merged;
 * *dropped: metrics left out because a rank had no histogram for them.
 * NULL when out of memory.
 */
json_t *ib_compare_merge_ranks(json_t *doc, size_t *merged, size_t *dropped);

#endif
