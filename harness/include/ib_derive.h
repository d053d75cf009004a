/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Derived results: conclusions drawn from measured rows (docs/architecture.md,
 * "run_type": "derived").  Today: the IOTLB reach, inferred from the knee of
 * IOTLB misses per DMA against the window, per page size
 * (rows "iotlb_reach/page_size:<ps>", metric iotlb_entries).
 * The method is described in docs/suites.md.
 */
#ifndef IB_DERIVE_H
#define IB_DERIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct ib_run;

/* A knee needs, after it, at least this many capacity misses per DMA ... */
#define IB_KNEE_MIN_MISSES 0.02
/* ... and this many times the level of the plateau before it. */
#define IB_KNEE_MIN_RATIO 4.0

struct ib_knee {
	bool found;
	size_t idx;	     /* first window at or past the knee */
	double before, after; /* medians of the two plateaus */
};

/*
 * The knee of m[0..n) (misses per DMA at increasing windows): the change
 * point of the least-squares two-level step fit, accepted when the median
 * after it is >= IB_KNEE_MIN_MISSES, >= IB_KNEE_MIN_RATIO x the median
 * before it, and the point at the knee has itself jumped (>= half the
 * median after).  Returns 0 (k->found says whether a knee was accepted),
 * -1 when n < 2.
 */
int ib_knee_find(const double *m, size_t n, struct ib_knee *k);
/* A found knee of v is a step, not a ramp: the point at the knee is already
 * at 90 % of the level after it (an LRU IOTLB walked in a fixed order: all
 * hits, then all misses).  Only such a knee is refined (cli/run_refine.c):
 * windows bisected inside a gradual ramp (a random walk) do not narrow it. */
bool ib_knee_sharp(const double *v, const struct ib_knee *k);

/*
 * Replaces the "iotlb_reach/..." derived rows of doc with fresh ones: one per
 * page size that has a window sweep of DMA rows.  Returns the number of
 * derived rows written (ok or skipped), -1 with a message.
 */
int ib_derive_iotlb_reach(json_t *doc, char *err, size_t errlen);
/* A reach bracket [below, knee] converged: knee <= this x below, i.e. within
 * +-5 % of its middle (issue 22). */
#define IB_REACH_CONVERGED 1.105
/* The same on run, a typed view of the document (ib_run_view, handed on by
 * finish): the view is rebuilt (ib_run_refresh) only when rows were
 * dropped or written, so that it shows the document as it is after. */
int ib_derive_iotlb_reach_run(struct ib_run *run, char *err, size_t errlen);

/* Prints one line per derived row of doc to stdout. */
void ib_derive_print(json_t *doc);

#endif
