// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics for iommubench (ib_stats.h): summaries of raw samples and of the
 * module's log-linear histogram, the binomial order-statistic 95% CI of the
 * median (Le Boudec, "Performance Evaluation of Computer and Communication
 * Systems", sec. 2.2; Hoefler & Belli, SC'15), convergence of adaptive
 * repetitions and the two-sided Mann-Whitney U test used by compare.
 *
 * Percentiles of raw samples use linear interpolation between order
 * statistics (Hyndman & Fan type 7, what numpy and R use by default), so the
 * median of an even sample is the mean of the two middle values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_stats.h"
#include "iommubench.h"

/* Exact binomial CI up to this n; beyond it Le Boudec's normal approximation
 * (error well below one order statistic at that size). */
#define CI_EXACT_MAX 2000

int ib_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile_sorted(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

bool ib_ci_median_idx(size_t n, size_t *lo, size_t *hi)
{
	size_t j;

	if (n < 6)
		return false;
	if (n <= CI_EXACT_MAX) {
		/*
		 * The number B of samples below the median is Binomial(n, 1/2).
		 * [x_(j), x_(n+1-j)] (1-based) covers the median with
		 * probability 1 - 2 P(B <= j-1); take the largest j with
		 * P(B <= j-1) <= 0.025.  Summed in log space to stay exact for
		 * large n.
		 */
		double cdf = 0, logp;
		size_t k;

		j = 0;
		for (k = 0; k < n; k++) {
			logp = lgamma((double)n + 1) - lgamma((double)k + 1) -
			       lgamma((double)(n - k) + 1) - (double)n * log(2.0);
			cdf += exp(logp);
			if (cdf > 0.025)
				break;
			j = k + 1;
		}
		if (j == 0)
			return false;
		*lo = j - 1;
		*hi = n - j;
		return true;
	}
	/* Le Boudec Thm 2.1: floor(0.5n - 0.98 sqrt n), ceil(1 + 0.5n + 0.98 sqrt n), 1-based */
	{
		double r = 0.98 * sqrt((double)n);
		long l = (long)floor(0.5 * (double)n - r);
		long h = (long)ceil(1.0 + 0.5 * (double)n + r);

		if (l < 1)
			l = 1;
		if (h > (long)n)
			h = (long)n;
		*lo = (size_t)(l - 1);
		*hi = (size_t)(h - 1);
	}
	return true;
}

int ib_stats_from_samples(const double *x, size_t n, struct ib_summary *s)
{
	double *v = NULL, sum = 0, sq = 0, q1, q3, iqr;
	size_t i, lo, hi;

	memset(s, 0, sizeof(*s));
	if (!n)
		return -1;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, x, n * sizeof(*v));
	qsort(v, n, sizeof(*v), ib_cmp_double);

	s->n = n;
	for (i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	for (i = 0; i < n; i++)
		sq += (v[i] - s->mean) * (v[i] - s->mean);
	/* sample standard deviation (n - 1) */
	s->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	s->cov = s->mean != 0 ? s->stddev / s->mean : 0;
	s->min = v[0];
	s->max = v[n - 1];
	s->median = quantile_sorted(v, n, 0.5);
	s->p90 = quantile_sorted(v, n, 0.90);
	s->p99 = quantile_sorted(v, n, 0.99);
	s->p999 = quantile_sorted(v, n, 0.999);
	if (ib_ci_median_idx(n, &lo, &hi)) {
		s->ci95_low = v[lo];
		s->ci95_high = v[hi];
	} else {
		/* too few samples for 95%: the honest interval is the range */
		s->ci95_low = v[0];
		s->ci95_high = v[n - 1];
	}
	q1 = quantile_sorted(v, n, 0.25);
	q3 = quantile_sorted(v, n, 0.75);
	iqr = q3 - q1;
	for (i = 0; i < n; i++)
		if (v[i] < q1 - 1.5 * iqr || v[i] > q3 + 1.5 * iqr)
			s->outliers++;
	free(v);
	return 0;
}

size_t ib_hist_bucket(uint64_t v)
{
	return iommubench_hist_bucket(v);
}

uint64_t ib_hist_low(size_t b)
{
	const unsigned int S = IOMMUBENCH_HIST_SUB_BITS;

	if (b < (1U << S))
		return b;
	return ((1ULL << S) + (b & ((1U << S) - 1))) << ((b - (1U << S)) >> S);
}

uint64_t ib_hist_width(size_t b)
{
	const unsigned int S = IOMMUBENCH_HIST_SUB_BITS;

	if (b < (1U << S))
		return 1;
	return 1ULL << ((b - (1U << S)) >> S);
}

void ib_hist_merge(uint64_t *dst, const uint64_t *src)
{
	size_t i;

	for (i = 0; i < IOMMUBENCH_HIST_BUCKETS; i++)
		dst[i] += src[i];
}

static double bucket_mid(size_t b)
{
	return (double)ib_hist_low(b) + (double)(ib_hist_width(b) - 1) / 2.0;
}

/* Value of the k-th smallest sample (0-based), as its bucket's midpoint
 * clamped to the exact [min, max]. */
static double hist_order_stat(const uint64_t *h, uint64_t k, double mn,
			      double mx)
{
	uint64_t acc = 0;
	size_t b;
	double v;

	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++) {
		acc += h[b];
		if (acc > k)
			break;
	}
	if (b == IOMMUBENCH_HIST_BUCKETS)
		b--;
	v = bucket_mid(b);
	return v < mn ? mn : v > mx ? mx : v;
}

/* Nearest-rank percentile: the midpoint of the bucket holding the
 * ceil(q * n)-th smallest sample (ib_stats.h: bucket midpoints clamped). */
static double hist_quantile(const uint64_t *h, uint64_t n, double q, double mn,
			    double mx)
{
	uint64_t rank = (uint64_t)ceil(q * (double)n);

	if (rank < 1)
		rank = 1;
	return hist_order_stat(h, rank - 1, mn, mx);
}

int ib_stats_from_hist(const uint64_t *hist, uint64_t count, uint64_t ns_sum,
		       uint64_t ns_min, uint64_t ns_max, struct ib_summary *s)
{
	double mn = (double)ns_min, mx = (double)ns_max, sq = 0, q1, q3, iqr, mid;
	uint64_t total = 0;
	size_t b, lo, hi;

	memset(s, 0, sizeof(*s));
	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++)
		total += hist[b];
	if (!count || !total)
		return -1;
	/* The histogram is authoritative for ranks; count for n. They agree
	 * unless the module dropped samples, and then ranks must use total. */
	s->n = count;
	s->mean = (double)ns_sum / (double)count;
	s->min = mn;
	s->max = mx;
	s->median = hist_quantile(hist, total, 0.5, mn, mx);
	s->p90 = hist_quantile(hist, total, 0.90, mn, mx);
	s->p99 = hist_quantile(hist, total, 0.99, mn, mx);
	s->p999 = hist_quantile(hist, total, 0.999, mn, mx);
	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		mid = bucket_mid(b);
		if (mid < mn)
			mid = mn;
		if (mid > mx)
			mid = mx;
		sq += (double)hist[b] * (mid - s->mean) * (mid - s->mean);
	}
	s->stddev = total > 1 ? sqrt(sq / (double)(total - 1)) : 0;
	s->cov = s->mean != 0 ? s->stddev / s->mean : 0;
	if (ib_ci_median_idx((size_t)total, &lo, &hi)) {
		s->ci95_low = hist_order_stat(hist, lo, mn, mx);
		s->ci95_high = hist_order_stat(hist, hi, mn, mx);
	} else {
		s->ci95_low = mn;
		s->ci95_high = mx;
	}
	q1 = hist_quantile(hist, total, 0.25, mn, mx);
	q3 = hist_quantile(hist, total, 0.75, mn, mx);
	iqr = q3 - q1;
	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		mid = bucket_mid(b);
		if (mid < q1 - 1.5 * iqr || mid > q3 + 1.5 * iqr)
			s->outliers += hist[b];
	}
	return 0;
}

bool ib_ci_converged(const struct ib_summary *s, double target)
{
	size_t lo, hi;

	/* no 95% interval yet: cannot have converged */
	if (!ib_ci_median_idx((size_t)s->n, &lo, &hi))
		return false;
	if (s->median <= 0)
		return s->ci95_high == s->ci95_low;
	return (s->ci95_high - s->ci95_low) / 2.0 <= target * s->median;
}

struct ranked {
	double v;
	int grp;
};

static int cmp_ranked(const void *a, const void *b)
{
	return ib_cmp_double(&((const struct ranked *)a)->v,
			  &((const struct ranked *)b)->v);
}

double ib_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j, k;
	struct ranked *r;
	double r1 = 0, ties = 0, u, mu, sigma, z, N = (double)n;

	if (!na || !nb)
		return 1.0;
	r = malloc(n * sizeof(*r));
	if (!r)
		return 1.0;
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double t, avg;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		avg = ((double)(i + 1) + (double)j) / 2.0; /* mean of ranks i+1..j */
		for (k = i; k < j; k++)
			if (r[k].grp == 0)
				r1 += avg;
		ties += t * t * t - t;
	}
	free(r);
	u = r1 - (double)na * ((double)na + 1) / 2.0;
	mu = (double)na * (double)nb / 2.0;
	sigma = sqrt((double)na * (double)nb / 12.0 *
		     ((N + 1) - ties / (N * (N - 1))));
	if (sigma <= 0)
		return 1.0;
	/* continuity correction, as scipy.stats.mannwhitneyu(use_continuity) */
	z = (fabs(u - mu) - 0.5) / sigma;
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2.0));
}

void ib_stats_human(double v, const char *unit, char *buf, size_t len)
{
	if (!strcmp(unit, "bytes_per_s"))
		snprintf(buf, len, v >= 1e9 ? "%.2f GB/s" : v >= 1e6 ? "%.2f MB/s" : "%.2f kB/s",
			 v >= 1e9 ? v / 1e9 : v >= 1e6 ? v / 1e6 : v / 1e3);
	else if (!strcmp(unit, "ios_per_s"))
		snprintf(buf, len, v >= 1e6 ? "%.2f M IO/s" : v >= 1e3 ? "%.1f k IO/s" : "%.0f IO/s",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (!strcmp(unit, "packets_per_s"))
		snprintf(buf, len, v >= 1e6 ? "%.2f Mpps" : v >= 1e3 ? "%.1f kpps" : "%.0f pps",
			 v >= 1e6 ? v / 1e6 : v >= 1e3 ? v / 1e3 : v);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2f ms", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1f us", v / 1e3);
	else
		snprintf(buf, len, "%.0f ns", v);
}
