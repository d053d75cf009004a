/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `iommubench reproduce` (output/reproduce.c): whether a run reproduced,
 * row by row, against a rerun of it (docs/harness.md, "Reproduce").
 */
#ifndef IB_REPRODUCE_H
#define IB_REPRODUCE_H

#include <stdio.h>
#include <jansson.h>

/* Why runs a and b (loaded results.json documents) cannot be compared at
 * all: another platform, host (not in the lab), kernel or IOMMU; "" when
 * they can. */
void ib_reproduce_context(json_t *a, json_t *b, char *why, size_t len);

/*
 * One verdict line per row of a ("reproduced", "differs: ...", "not
 * comparable: ..."), then a summary, to out.  min_effect: a relative
 * change (0.01 = 1 %) below which disjoint CIs still reproduce.  Returns
 * IB_EXIT_OK when every row reproduced, IB_EXIT_FAILED (2) when one
 * differs, else IB_EXIT_SKIPPED (4) when some are not comparable.
 */
int ib_reproduce_verdicts(json_t *a, json_t *b, const char *a_id, const char *b_id,
			  double min_effect, FILE *out);

#endif
