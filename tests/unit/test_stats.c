// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for stats.c against values computed by hand (the arithmetic is
 * in the comments so each expected value can be re-checked on paper).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ib_engine.h"
#include "ib_stats.h"
#include "iommubench.h"

#define near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

/*
 * x = {5,1,4,2,3,100,6,7,8,9}; sorted 1 2 3 4 5 6 7 8 9 100 (n = 10).
 * mean = 145/10 = 14.5; median (type 7) = (5+6)/2 = 5.5.
 * p90: pos = 0.9*9 = 8.1 -> 9 + 0.1*(100-9) = 18.1
 * p99: pos = 8.91 -> 9 + 0.91*91 = 91.81;  p999: pos = 8.991 -> 99.181
 * sum x^2 = 285 + 10000 = 10285; SS = 10285 - 10*14.5^2 = 8182.5;
 * var = 8182.5/9 = 909.1667; sd = 30.15239; cov = sd/14.5 = 2.079475
 * CI (n = 10): P(B<=1) = 11/1024 = 0.0107 <= 0.025 < P(B<=2) = 56/1024,
 * so j = 2: [x_(2), x_(9)] = [2, 9] (Le Boudec table: 2, 9).
 * Q1: pos 2.25 -> 3.25; Q3: pos 6.75 -> 7.75; IQR 4.5; fences -3.5, 14.5:
 * only 100 is an outlier.
 */
static void test_samples_known(void **state)
{
	const double x[] = { 5, 1, 4, 2, 3, 100, 6, 7, 8, 9 };
	double copy[10];
	struct ib_summary s;

	memcpy(copy, x, sizeof(x));
	assert_int_equal(ib_stats_from_samples(x, 10, &s), 0);
	assert_memory_equal(copy, x, sizeof(x)); /* input untouched */
	assert_int_equal(s.n, 10);
	near(s.mean, 14.5, 1e-12);
	near(s.median, 5.5, 1e-12);
	near(s.min, 1, 0);
	near(s.max, 100, 0);
	near(s.p90, 18.1, 1e-9);
	near(s.p99, 91.81, 1e-9);
	near(s.p999, 99.181, 1e-9);
	near(s.stddev, 30.152390, 1e-5);
	near(s.cov, 2.079475, 1e-5);
	near(s.ci95_low, 2, 0);
	near(s.ci95_high, 9, 0);
	assert_int_equal(s.outliers, 1);
}

/* n = 3 {2, 4, 9}: median 4, mean 5, sd = sqrt((9+1+16)/2) = sqrt(13);
 * too few for a 95% CI (n < 6): the interval is the range [2, 9]. */
static void test_samples_small(void **state)
{
	const double x[] = { 9, 2, 4 };
	struct ib_summary s;

	assert_int_equal(ib_stats_from_samples(x, 3, &s), 0);
	near(s.median, 4, 0);
	near(s.mean, 5, 1e-12);
	near(s.stddev, sqrt(13.0), 1e-12);
	near(s.ci95_low, 2, 0);
	near(s.ci95_high, 9, 0);
	assert_int_equal(s.outliers, 0);
	assert_int_equal(ib_stats_from_samples(x, 0, &s), -1);
}

/*
 * Order-statistic indices (0-based):
 * n = 5: P(B<=0) = 1/32 = 0.031 > 0.025 -> no 95% interval.
 * n = 6: P(B<=0) = 1/64 = 0.016 <= 0.025, P(B<=1) = 7/64 > -> [0, 5].
 * n = 10: [1, 8] (above).
 * n = 20: P(B<=5) = (1+20+190+1140+4845+15504)/2^20 = 21700/1048576 = 0.0207,
 *   P(B<=6) = 60460/1048576 = 0.0577 -> j = 6 -> [5, 14] (Le Boudec: 6, 15).
 * n = 3000 (normal approximation): 0.98*sqrt(3000) = 53.675;
 *   floor(1500 - 53.675) = 1446, ceil(1501 + 53.675) = 1555 -> [1445, 1554].
 */
static void test_ci_idx(void **state)
{
	size_t lo, hi;

	assert_false(ib_ci_median_idx(5, &lo, &hi));
	assert_true(ib_ci_median_idx(6, &lo, &hi));
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 5);
	assert_true(ib_ci_median_idx(10, &lo, &hi));
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 8);
	assert_true(ib_ci_median_idx(20, &lo, &hi));
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 14);
	assert_true(ib_ci_median_idx(3000, &lo, &hi));
	assert_int_equal(lo, 1445);
	assert_int_equal(hi, 1554);
}

/*
 * Bucket boundaries (S = 5): v < 32 -> bucket v; 32 -> 32; 63 -> 63;
 * 64 -> 32 + 32 + ((64>>1) - 32) = 64 and 65 -> 64 too (width 2);
 * 1000: e = 9, g = 4: 32 + 4*32 + ((1000>>4) - 32) = 32+128+30 = 190,
 * low(190) = (32+30) << 4 = 992, width 16; 1007 -> 190, 1008 -> 191.
 * 2^40 and UINT64_MAX -> last bucket 1151.
 */
static void test_hist_buckets(void **state)
{
	size_t b;

	assert_int_equal(IOMMUBENCH_HIST_BUCKETS, 1152);
	assert_int_equal(ib_hist_bucket(0), 0);
	assert_int_equal(ib_hist_bucket(31), 31);
	assert_int_equal(ib_hist_bucket(32), 32);
	assert_int_equal(ib_hist_bucket(63), 63);
	assert_int_equal(ib_hist_bucket(64), 64);
	assert_int_equal(ib_hist_bucket(65), 64);
	assert_int_equal(ib_hist_bucket(66), 65);
	assert_int_equal(ib_hist_bucket(1000), 190);
	assert_int_equal(ib_hist_low(190), 992);
	assert_int_equal(ib_hist_width(190), 16);
	assert_int_equal(ib_hist_bucket(1007), 190);
	assert_int_equal(ib_hist_bucket(1008), 191);
	assert_int_equal(ib_hist_width(31), 1);
	assert_int_equal(ib_hist_bucket(1ULL << 40), 1151);
	assert_int_equal(ib_hist_bucket(UINT64_MAX), 1151);
	/* every bucket's low maps back to it, and buckets tile the line */
	for (b = 0; b + 1 < IOMMUBENCH_HIST_BUCKETS; b++) {
		assert_int_equal(ib_hist_bucket(ib_hist_low(b)), b);
		assert_int_equal(ib_hist_bucket(ib_hist_low(b) + ib_hist_width(b) - 1), b);
		assert_int_equal(ib_hist_low(b) + ib_hist_width(b), ib_hist_low(b + 1));
	}
}

/*
 * Thread 1 saw {10, 10, 10}, thread 2 saw {1000, 1003}.  Merged: n = 5,
 * sum = 30 + 2003 = 2033, mean = 406.6, min 10, max 1003.
 * median: nearest rank ceil(2.5) = 3rd -> bucket 10 -> 10.
 * p90: rank ceil(4.5) = 5th -> bucket 190, midpoint 992 + 15/2 = 999.5.
 * n < 6: CI = [min, max] = [10, 1003].
 * Q1 rank 2 -> 10, Q3 rank 4 -> 999.5: IQR 989.5, no outliers.
 */
static void test_hist_merge_summary(void **state)
{
	static uint64_t t1[IOMMUBENCH_HIST_BUCKETS], t2[IOMMUBENCH_HIST_BUCKETS],
		all[IOMMUBENCH_HIST_BUCKETS];
	struct ib_summary s;

	t1[ib_hist_bucket(10)] += 3;
	t2[ib_hist_bucket(1000)]++;
	t2[ib_hist_bucket(1003)]++;
	ib_hist_merge(all, t1);
	ib_hist_merge(all, t2);
	assert_int_equal(all[10], 3);
	assert_int_equal(all[190], 2);
	assert_int_equal(ib_stats_from_hist(all, 5, 2033, 10, 1003, &s), 0);
	assert_int_equal(s.n, 5);
	near(s.mean, 406.6, 1e-9);
	near(s.median, 10, 0);
	near(s.p90, 999.5, 1e-12);
	near(s.p99, 999.5, 1e-12);
	near(s.ci95_low, 10, 0);
	near(s.ci95_high, 1003, 0);
	assert_int_equal(s.outliers, 0);
}

/*
 * Histogram of 10 samples: 100 x 9 (bucket of 100:
 * e = 6, g = 1: 32 + 32 + ((100>>1) - 32) = 82, low 100, width 2, mid 100.5)
 * and one of 5000 (e = 12, g = 7: 32 + 224 + ((5000>>7) - 32) = 263,
 * low (32+7)<<7 = 4992, width 128, mid 5055.5 -> clamped to max 5000).
 * CI idx [1, 8] -> both in bucket 82 -> [100.5, 100.5], clamped to the
 * exact max only; median 100.5; one outlier (5000).
 */
static void test_hist_ci(void **state)
{
	static uint64_t h[IOMMUBENCH_HIST_BUCKETS];
	struct ib_summary s;

	assert_int_equal(ib_hist_bucket(100), 82);
	assert_int_equal(ib_hist_bucket(5000), 263);
	h[82] = 9;
	h[263] = 1;
	assert_int_equal(ib_stats_from_hist(h, 10, 9 * 100 + 5000, 100, 5000, &s), 0);
	near(s.median, 100.5, 1e-12);
	near(s.ci95_low, 100.5, 1e-12);
	near(s.ci95_high, 100.5, 1e-12);
	near(s.p99, 5000, 0);
	assert_int_equal(s.outliers, 1);
	memset(h, 0, sizeof(h));
	assert_int_equal(ib_stats_from_hist(h, 0, 0, 0, 0, &s), -1);
}

static void test_converged(void **state)
{
	struct ib_summary s = { .n = 10, .median = 100, .ci95_low = 99, .ci95_high = 101 };

	assert_true(ib_ci_converged(&s, 0.01));	  /* half-width 1 <= 1 */
	assert_false(ib_ci_converged(&s, 0.005)); /* 1 > 0.5 */
	s.n = 5;				  /* no 95% CI possible */
	assert_false(ib_ci_converged(&s, 0.5));
}

/*
 * a = {1,2,3}, b = {4,5,6}: R1 = 6, U = 6 - 6 = 0, mu = 4.5,
 * sigma^2 = 9/12 * 7 = 5.25; z = (4.5 - 0.5)/2.291288 = 1.745743;
 * p = erfc(z/sqrt 2) = 0.080856 (scipy mannwhitneyu asymptotic: 0.0808556).
 * With ties a = {1,2,2}, b = {2,3,4}: ranks 1, (2,3,4 -> 3 each), 5, 6;
 * R1 = 1+3+3 = 7, U = 1; tie term 3^3-3 = 24; sigma^2 = 0.75*(7 - 24/30)
 * = 4.65; z = 3/2.156386 = 1.391214; p = erfc(0.983737) = 0.164161.
 * Identical samples: p = 1.
 */
static void test_mann_whitney(void **state)
{
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	const double c[] = { 1, 2, 2 }, d[] = { 2, 3, 4 };
	const double e[] = { 7, 7, 7, 7 };

	near(ib_mann_whitney_p(a, 3, b, 3), 0.080856, 1e-5);
	near(ib_mann_whitney_p(b, 3, a, 3), 0.080856, 1e-5);
	near(ib_mann_whitney_p(c, 3, d, 3), 0.164161, 1e-5);
	near(ib_mann_whitney_p(e, 4, e, 4), 1.0, 0);
}

/* Deterministic values spread over [1000, 2000) ns: 1000 + (i * 7919 mod
 * 100000) / 100, so any 100000 consecutive i give each value once and the
 * median of a multiple of 100000 of them is 1499.99 / 1500 (type 7: 1499.995). */
static double spread(uint64_t i)
{
	return 1000.0 + (double)((i * 7919) % 100000) / 100.0;
}

/* Issue 8: samples are bounded.  5M pushes keep IB_SAMPLES_MAX exact values
 * (8 MB) and fold the rest into the histogram; the median is then within a
 * bucket (32 ns at 1500 ns, 2.1 %) of the true one. */
static void test_samples_bounded(void **state)
{
	struct ib_metric_data m;
	struct ib_summary s;
	uint64_t i, n = 5000000, b;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < n; i++)
		assert_int_equal(ib_metric_push(&m, spread(i)), 0);
	assert_int_equal(m.n, IB_SAMPLES_MAX);
	assert_true(m.cap <= IB_SAMPLES_MAX);
	assert_int_equal(m.h_count, n - IB_SAMPLES_MAX);
	assert_false(ib_metric_exact(&m));
	assert_int_equal(ib_metric_summary(&m, &s), 0);
	assert_int_equal(s.n, n);
	b = ib_hist_bucket(1500);
	assert_true(fabs(s.median - 1499.995) <= (double)ib_hist_width(b));
	near(s.min, 1000, 0);
	near(s.max, 1999, 0); /* folded as integer ns */
	assert_true(fabs(s.mean - 1499.995) < 1.0);
	assert_true(s.p99 >= 1940 && s.p99 <= 2000);
	ib_metric_free(&m);
	assert_null(m.v);
}

/* Up to the bound every sample is kept: the median is the exact one. */
static void test_samples_exact_to_bound(void **state)
{
	struct ib_metric_data m, a;
	struct ib_summary s;
	uint64_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < IB_SAMPLES_MAX; i++)
		ib_metric_push(&m, spread(i));
	assert_true(ib_metric_exact(&m));
	assert_int_equal(ib_metric_summary(&m, &s), 0);
	near(s.median, 1499.995, 1e-9);
	assert_int_equal(s.n, IB_SAMPLES_MAX);

	/* a point's accumulator: two repetitions of 600k merge into 1M exact
	 * and 200k folded, and the counts add up */
	memset(&a, 0, sizeof(a));
	m.n = 600000;
	assert_int_equal(ib_metric_merge(&a, &m), 0);
	assert_int_equal(ib_metric_merge(&a, &m), 0);
	assert_int_equal(a.n, IB_SAMPLES_MAX);
	assert_int_equal(a.h_count, 200000);
	assert_int_equal(ib_metric_summary(&a, &s), 0);
	assert_int_equal(s.n, 1200000);
	assert_int_equal(a.n, 0); /* folded */
	ib_metric_free(&a);

	/* a per-worker limit */
	memset(&a, 0, sizeof(a));
	a.limit = 10;
	for (i = 0; i < 15; i++)
		ib_metric_push(&a, (double)i);
	assert_int_equal(a.n, 10);
	assert_int_equal(a.h_count, 5);
	assert_int_equal(a.h_min, 10);
	assert_int_equal(a.h_max, 14);
	ib_metric_free(&a);
	ib_metric_free(&m);
}

/* Human units, as the console and the per-point brief print them. */
static void test_human(void **state)
{
	char b[32];

	(void)state;
	ib_stats_human(812, "ns", b, sizeof(b));
	assert_string_equal(b, "812 ns");
	ib_stats_human(12345, "ns", b, sizeof(b));
	assert_string_equal(b, "12.3 us");
	ib_stats_human(100e6, "ns", b, sizeof(b));
	assert_string_equal(b, "100.00 ms");
	ib_stats_human(3.2e9, "bytes_per_s", b, sizeof(b));
	assert_string_equal(b, "3.20 GB/s");
	ib_stats_human(20480, "bytes_per_s", b, sizeof(b));
	assert_string_equal(b, "20.48 kB/s");
	ib_stats_human(12500, "ios_per_s", b, sizeof(b));
	assert_string_equal(b, "12.5 k IO/s");
	ib_stats_human(109, "ios_per_s", b, sizeof(b));
	assert_string_equal(b, "109 IO/s");
	/* net's pps is a rate, not a time (it printed as "26.8 us") */
	ib_stats_human(26783, "packets_per_s", b, sizeof(b));
	assert_string_equal(b, "26.8 kpps");
	ib_stats_human(1.25e6, "packets_per_s", b, sizeof(b));
	assert_string_equal(b, "1.25 Mpps");
	ib_stats_human(900, "packets_per_s", b, sizeof(b));
	assert_string_equal(b, "900 pps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_known),
		cmocka_unit_test(test_samples_small),
		cmocka_unit_test(test_ci_idx),
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_merge_summary),
		cmocka_unit_test(test_hist_ci),
		cmocka_unit_test(test_converged),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_samples_bounded),
		cmocka_unit_test(test_samples_exact_to_bound),
		cmocka_unit_test(test_human),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
