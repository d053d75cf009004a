/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A metric's full distribution in results.json: the uapi log-linear
 * histogram (kernels/include/uapi/iommubench.h, the module's and the
 * harness's own) as a sparse object
 *   {"scheme": IB_HIST_SCHEME, "buckets": [[lower_ns, count], ...]}
 * with only the non-zero buckets, ascending.  Two histograms of the same
 * scheme merge by adding the counts of equal lower_ns: the result is the
 * histogram of the pooled samples (docs/results-schema.md, "histogram").
 */
#ifndef IB_HISTOGRAM_H
#define IB_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* 2^5 linear sub-buckets per power of two, exact below 32 ns, the last
 * bucket open above 2^40 ns (IOMMUBENCH_HIST_SUB_BITS, _MAX_EXP). */
#define IB_HIST_SCHEME "log-linear-ns/5/40"

/* The sparse object of hist (IOMMUBENCH_HIST_BUCKETS counts); NULL when
 * every bucket is 0 or out of memory. */
json_t *ib_hist_json(const uint64_t *hist);

/* h (a histogram object) into out[IOMMUBENCH_HIST_BUCKETS] (cleared
 * first).  -1 with a one-line reason naming the field: another scheme, a
 * lower_ns that is no bucket's lower bound, a count that is not a
 * positive integer, buckets out of order. */
int ib_hist_from_json(json_t *h, uint64_t *out, char *err, size_t errlen);

/* The merge rule: a + b, a new object (either may be NULL: a copy of the
 * other).  NULL with err set when either is invalid or the schemes
 * differ. */
json_t *ib_hist_json_merge(json_t *a, json_t *b, char *err, size_t errlen);

/* The samples a histogram object counts (0 when invalid). */
uint64_t ib_hist_json_total(json_t *h);

/* Rewrites dumped JSON text in place so that every "buckets" array is on
 * one line ([[1024,3],[1056,7]]): an indented dump gives each number a
 * line of its own.  Strings are left as they are. */
void ib_hist_compact_text(char *text);

#endif
