/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings: the run's conclusions in a sentence each, with their number, its
 * 95 % CI (or bracket) and the rows they come from.  They are derived rows
 * ("run_type": "derived", name "finding/<kind>/...", a "finding" text),
 * written next to derive's iotlb_reach rows, printed at the end of `make
 * run` (finish) and at the top of report.html (docs/report.md, "Findings").
 * The rule for a timing that is flat by construction (the lab's edu timer)
 * lives here too: the findings and the report's figures share it.
 */
#ifndef IB_FINDINGS_H
#define IB_FINDINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ib_results.h"

#define IB_FINDING_PREFIX "finding/"

/* Medians within this relative spread ((max - min) / max) are flat. */
#define IB_FLAT_SPREAD 0.01

struct ib_flat {
	size_t rows;	      /* ok measured rows with the metric (no chase) */
	double spread;	      /* (max - min) / max of their medians */
	bool flat;	      /* rows >= 2 and spread <= IB_FLAT_SPREAD */
	bool by_construction; /* flat (or one row), qemu-lab, every row of an engine with IB_ENG_LAB_FIXED_TIMER (edu) */
};

/*
 * Whether a DMA timing metric (dma_latency_ns, bandwidth_bytes_per_s) is
 * flat across the run's rows, and whether by construction: in the lab the
 * edu device completes every DMA after a fixed timer, so its timings carry
 * no translation cost.  Decided from the data and the platform both.
 */
void ib_timing_flatness(const struct ib_run *run, const char *metric, struct ib_flat *f);
/* Whether row k's DMA timing is flat by construction: ib_timing_flatness
 * over the rows of its engine (a lab run's nvme rows, emulated but not
 * fixed, do not hide its edu rows' fixed timer).  The console and
 * finish's lab counts use it (one row: the engine and the platform). */
bool ib_row_flat_by_construction(const struct ib_run *run, size_t k);

/* DMAs a row's counters saw: n of dma_latency_ns x (repetitions + warmup)
 * / repetitions (the counters include the warm-up); NaN without n. */
double ib_row_counted_dmas(const struct ib_row *r);

/*
 * The miss penalty's regression (derive_penalty.c): least squares of y on
 * x, n points, nparam parameters fitted in all (2: intercept and slope; 3
 * when the x themselves were fitted, as the model's E): dof = n - nparam,
 * CI = slope +- ib_t975(dof) x its standard error.  -1 when n <= nparam or
 * x has fewer than 2 distinct values.
 */
struct ib_lsq {
	double slope, intercept, se, ci_low, ci_high, sse, r2;
	unsigned int dof;
	size_t n, rates; /* points, distinct x values */
};
int ib_lsq_fit(const double *x, const double *y, size_t n, unsigned int nparam,
	       struct ib_lsq *f);
/* compare (compare_iotlb.c): per page size, the reach and the miss penalty
 * findings of runs a and b side by side with the penalties' ratio; nothing
 * when neither run has such findings. */
void ib_compare_iotlb(json_t *a, json_t *b, const char *ida, const char *idb, FILE *f);
/* Student's t 97.5 % quantile (two-sided 95 %) for dof degrees of freedom
 * (a table to 30, Cornish-Fisher beyond); INFINITY for 0. */
double ib_t975(unsigned int dof);

/* The finding rows of doc's measured and derived rows, a new array (NULL
 * with a message). */
json_t *ib_findings_build(json_t *doc, char *err, size_t errlen);
/* The same from run, a typed view of the document (never NULL but for
 * memory). */
json_t *ib_findings_build_run(const struct ib_run *run);

/* Replaces doc's "finding/..." rows with fresh ones; their number, or -1
 * with a message.  Idempotent, like ib_derive_iotlb_reach. */
int ib_derive_findings(json_t *doc, char *err, size_t errlen);
/* The same on run, the view finish hands on: rebuilt (ib_run_refresh)
 * only when rows were dropped or written. */
int ib_derive_findings_run(struct ib_run *run, char *err, size_t errlen);

/* A finding row's line: its text and "[rows: a, b]", control characters
 * replaced by '?' (for a terminal). */
void ib_finding_line(json_t *row, char *buf, size_t len);

/* The note for DMA timings flat by construction; false (buf "") if none. */
bool ib_findings_timing_note(const struct ib_run *run, char *buf, size_t len);

/* "findings:" and one line per finding row of doc (and the timing note). */
void ib_findings_print(json_t *doc, FILE *f);
/* The same from run, a typed view of the document. */
void ib_findings_print_run(const struct ib_run *run, FILE *f);

#endif
