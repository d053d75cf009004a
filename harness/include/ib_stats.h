/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics for iommubench: summaries of raw samples or of the module's
 * log-linear histogram, a non-parametric CI for the median, convergence of
 * adaptive repetitions and the Mann-Whitney U test used by compare.
 * All our own code, exactly unit-tested (tests/unit/test_stats.c).
 */
#ifndef IB_STATS_H
#define IB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ib_summary {
	uint64_t n;
	double median, mean, min, max;
	double p90, p99, p999;
	double stddev, cov; /* cov = stddev / mean */
	double ci95_low, ci95_high; /* CI of the median (order statistics) */
	uint64_t outliers;	    /* samples beyond 1.5 IQR from Q1/Q3 */
};

/* qsort comparator for doubles, ascending (NaN-free input). */
int ib_cmp_double(const void *a, const void *b);

/* Summary of n samples (the array is not modified). Returns -1 if n == 0. */
int ib_stats_from_samples(const double *x, size_t n, struct ib_summary *s);

/*
 * Summary from the module's histogram (uapi layout, IOMMUBENCH_HIST_BUCKETS
 * buckets), with the exact count/sum/min/max the module reported. Percentiles
 * are bucket midpoints clamped to [min, max].
 */
int ib_stats_from_hist(const uint64_t *hist, uint64_t count, uint64_t ns_sum,
		       uint64_t ns_min, uint64_t ns_max, struct ib_summary *s);

/* Histogram helpers (uapi layout). */
size_t ib_hist_bucket(uint64_t v);
uint64_t ib_hist_low(size_t b);
uint64_t ib_hist_width(size_t b);
void ib_hist_merge(uint64_t *dst, const uint64_t *src); /* dst += src */

/*
 * 95% confidence interval of the median of n sorted samples, as 0-based
 * order-statistic indices [lo, hi] (binomial, Le Boudec ch. 2). Returns false
 * when n is too small for a 95% interval (n < 6).
 */
bool ib_ci_median_idx(size_t n, size_t *lo, size_t *hi);

/* True once (ci95_high - ci95_low)/2 <= target * median. */
bool ib_ci_converged(const struct ib_summary *s, double target);

/* Two-sided Mann-Whitney U test p-value (normal approximation with tie
 * correction). */
double ib_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* v in unit ("ns", "bytes_per_s" or "ios_per_s") for humans: "812 ns",
 * "3.20 GB/s", "12.5 k IO/s". */
void ib_stats_human(double v, const char *unit, char *buf, size_t len);

#endif
