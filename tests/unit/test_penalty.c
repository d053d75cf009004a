// SPDX-License-Identifier: GPL-2.0
/*
 * derive_penalty.c: the regression (ib_lsq_fit, ib_t975) on known data, and
 * the finding/iotlb_miss_penalty/<ps> rows on synthetic rows: from counts
 * (exact slope and CI), from the LRU model around a reach (cuda rows, no
 * counters), and the reasons it is skipped (flat by construction in the
 * lab, too few miss rates, no reach, a fixed-order walk).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_findings.h"
#include "ib_results.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- the regression ---- */

static void test_t975(void **state)
{
	assert_true(isinf(ib_t975(0)));
	NEAR(ib_t975(1), 12.706205, 1e-9);
	NEAR(ib_t975(3), 3.182446, 1e-9);
	NEAR(ib_t975(30), 2.042272, 1e-9);
	/* Cornish-Fisher from 31 on, against the exact quantiles */
	NEAR(ib_t975(31), 2.0395134, 1e-5);
	NEAR(ib_t975(60), 2.0002978, 1e-5);
	NEAR(ib_t975(1000), 1.9623391, 1e-6);
}

static void test_lsq_known(void **state)
{
	/* by hand: slope 1.97, intercept 1.06, SSE 0.091, se 0.0550757,
	 * CI 1.97 -+ 3.182446 x se */
	const double x[] = { 0, 1, 2, 3, 4 }, y[] = { 1.0, 3.1, 4.9, 7.2, 8.8 };
	const double xe[] = { 0, 0.25, 0.5, 0.75 }, ye[] = { 100, 200, 300, 400 };
	const double same[] = { 1, 1, 1, 1 };
	struct ib_lsq f;

	assert_int_equal(ib_lsq_fit(x, y, 5, 2, &f), 0);
	NEAR(f.slope, 1.97, 1e-12);
	NEAR(f.intercept, 1.06, 1e-12);
	NEAR(f.sse, 0.091, 1e-12);
	NEAR(f.se, 0.055075705472861024, 1e-12);
	NEAR(f.ci_low, 1.7947245414207156, 1e-9);
	NEAR(f.ci_high, 2.145275458579285, 1e-9);
	assert_int_equal(f.dof, 3);
	assert_int_equal(f.rates, 5);
	/* one more parameter fitted: one degree of freedom less, wider CI */
	assert_int_equal(ib_lsq_fit(x, y, 5, 3, &f), 0);
	assert_int_equal(f.dof, 2);
	NEAR(f.ci_high - f.slope, 4.302653 * sqrt(0.091 / 2 / 10), 1e-9);
	/* exact data: slope 400, a CI of zero width */
	assert_int_equal(ib_lsq_fit(xe, ye, 4, 2, &f), 0);
	NEAR(f.slope, 400, 1e-9);
	NEAR(f.ci_low, 400, 1e-9);
	NEAR(f.ci_high, 400, 1e-9);
	NEAR(f.r2, 1, 1e-12);
	/* no spread in x, too few points */
	assert_int_equal(ib_lsq_fit(same, y, 4, 2, &f), -1);
	assert_int_equal(ib_lsq_fit(x, y, 2, 2, &f), -1);
}

/* ---- finding rows ---- */

static json_t *doc_of(const char *platform)
{
	json_t *ctx = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "tool_version", "0.1.0",
				"date", "2026-01-01T00:00:00Z", "host", "h", "platform", platform,
				"kernel", "6.1", "suite", "window", "run_id", "t");

	return ib_results_new(ctx);
}

/*
 * One measured row: engine, op, pattern, window bytes, xfer, the mean and
 * median dma_latency_ns, iotlb_miss (negative: no counter) over n DMAs (one
 * repetition, no warm-up).
 */
static json_t *row(const char *engine, const char *op, const char *pattern, long long window,
		   long long xfer, double mean, double median, long long miss, long long n)
{
	char name[128];
	json_t *r, *lat;

	snprintf(name, sizeof(name), "sweep/op:%s/pattern:%s/window:%lld", op, pattern, window);
	lat = json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			"unit", "ns", "n", (json_int_t)n, "median", median, "mean", mean, "min",
			median, "max", median, "p90", median, "p99", median, "p999", median,
			"stddev", 0.0, "cov", 0.0, "ci95_low", median, "ci95_high", median);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:s, s:i, s:i, s:I,"
		      " s:s, s:s, s:[i]}, s:{s:o}, s:{}, s:i}",
		      "name", name, "bench", "sweep", "engine", engine, "run_type", "measured",
		      "status", "ok", "params", "op", op, "page_size", "4k", "window",
		      (json_int_t)window, "xfer_size", (json_int_t)xfer, "pattern", pattern,
		      "threads", 1, "warmup", 0, "iterations", (json_int_t)n, "iommu_mode",
		      "current", "iommu_mode_effective", "dma-strict", "iommu_page_sizes", 4096,
		      "metrics", "dma_latency_ns", lat, "counters", "repetitions", 1);
	if (miss >= 0)
		json_object_set_new(json_object_get(r, "counters"), "iotlb_miss",
				    json_pack("{s:I, s:s}", "value", (json_int_t)miss, "source",
					      "perf:dmar0/iotlb_miss"));
	return r;
}

/* A derived reach row as derive writes it: E entries [lo, hi], 4 KiB. */
static json_t *reach(double e, double lo, double hi)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:{s:{s:s, s:i, s:f, s:f,"
			 " s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}}, s:{}}",
			 "name", "iotlb_reach/page_size:4k", "bench", "derive", "engine", "cuda",
			 "run_type", "derived", "status", "ok", "params", "page_size", "4k",
			 "iotlb_page_bytes", 4096, "metrics", "iotlb_entries", "unit", "entries",
			 "n", 8, "median", e, "mean", e, "min", lo, "max", hi, "p90", e, "p99", e,
			 "p999", e, "stddev", 0.0, "cov", 0.0, "ci95_low", lo, "ci95_high", hi,
			 "counters");
}

static json_t *finding(json_t *doc, const char *name)
{
	char err[256];
	json_t *r;
	size_t i;

	assert_true(ib_derive_findings(doc, err, sizeof(err)) >= 0);
	json_array_foreach(json_object_get(doc, "results"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "name")), name))
			return r;
	return NULL;
}

static double metric(json_t *r, const char *k)
{
	return json_number_value(
		json_object_get(json_object_get(json_object_get(r, "metrics"), "ns_per_miss"), k));
}

static const char *str(json_t *r, const char *k)
{
	return json_string_value(json_object_get(r, k));
}

/* Counts: misses 0, 100, 400, 700, 900 of 1000 DMAs; mean latency 500 +
 * 250 x misses/DMA + (1, -1, 0, 1, -1): by hand, slope 249.4898, CI
 * [244.7901, 254.1895] (t(3) = 3.182446). */
static void add_counted(json_t *rows, const char *engine, bool flat)
{
	static const long long miss[] = { 0, 100, 400, 700, 900 };
	static const double noise[] = { 1, -1, 0, 1, -1 };
	size_t i;

	for (i = 0; i < 5; i++) {
		double mean = 500 + 250 * miss[i] / 1000.0 + noise[i];

		json_array_append_new(rows, row(engine, "bench", "rand", (64LL << 10) << i, 2048,
						mean, flat ? 1e8 : mean, miss[i], 1000));
	}
}

static void test_counted(void **state)
{
	json_t *doc = doc_of("host"), *f, *p;
	char err[256];

	add_counted(json_object_get(doc, "results"), "edu", false);
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_non_null(f);
	assert_string_equal(str(f, "status"), "ok");
	assert_string_equal(str(f, "run_type"), "derived");
	NEAR(metric(f, "median"), 249.48979591836735, 1e-6);
	NEAR(metric(f, "ci95_low"), 244.79010399142177, 1e-6);
	NEAR(metric(f, "ci95_high"), 254.1894878453128, 1e-6);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(json_object_get(f, "metrics"), "ns_per_miss"), "unit")), "ns");
	p = json_object_get(f, "params");
	assert_string_equal(str(p, "source"), "counters");
	assert_true(json_is_false(json_object_get(p, "modelled")));
	assert_string_equal(str(p, "reach_row"), "iotlb_reach/page_size:4k");
	assert_int_equal(json_integer_value(json_object_get(p, "dof")), 3);
	assert_int_equal(json_array_size(json_object_get(p, "source_rows")), 5);
	NEAR(json_number_value(json_array_get(json_object_get(p, "misses_per_dma"), 3)), 0.7, 1e-9);
	assert_non_null(strstr(str(f, "finding"),
			       "IOTLB miss penalty (4k): 249 ns per miss (95 % CI 245 to 254 ns)"));
	assert_null(strstr(str(f, "finding"), "emulated"));
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), 0);
	json_decref(doc);
}

/* The lab's edu: every DMA after a fixed timer, medians flat: skipped
 * with that reason, no number. */
static void test_lab_flat(void **state)
{
	json_t *doc = doc_of("qemu-lab"), *f;

	add_counted(json_object_get(doc, "results"), "edu", true);
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_non_null(f);
	assert_string_equal(str(f, "status"), "skipped");
	assert_non_null(strstr(str(f, "reason"), "DMA timing is flat by construction: the edu "
						  "device completes every DMA after a fixed timer"));
	assert_non_null(strstr(str(f, "finding"), "IOTLB miss penalty (4k): not estimated: DMA "
						   "timing is flat by construction"));
	assert_null(json_object_get(json_object_get(f, "metrics"), "ns_per_miss"));
	json_decref(doc);
	/* the same flat timings on the lab from an engine without the fixed
	 * timer are computed (and marked emulated): flatness alone is not it */
	doc = doc_of("qemu-lab");
	add_counted(json_object_get(doc, "results"), "dmaengine", false);
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_string_equal(str(f, "status"), "ok");
	assert_non_null(strstr(str(f, "finding"), "; emulated: guest instruction time"));
	json_decref(doc);
}

/* Two miss rates are a step, not a slope. */
static void test_two_rates(void **state)
{
	json_t *doc = doc_of("host"), *rows = json_object_get(doc, "results"), *f;
	int i;

	for (i = 0; i < 4; i++)
		json_array_append_new(rows, row("edu", "bench", "rand", (64LL << 10) << i, 2048,
						i < 2 ? 500 : 900, 500, i < 2 ? 0 : 1000, 1000));
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_string_equal(str(f, "status"), "skipped");
	assert_string_equal(str(f, "reason"),
			    "fewer than 3 windows with distinct IOTLB misses per DMA (2 distinct of "
			    "4 rows)");
	json_decref(doc);
}

/*
 * cuda rows, no counters: rand 4 KiB copies over 16 .. 1024 pages, mean
 * latency exactly 1000 + 300 x max(0, 1 - 50/W); the reach says 64 [64,
 * 128] (a knee read off medians sits above the true 50): the fit recovers
 * E = 50 and 300 ns.
 */
static void test_modelled(void **state)
{
	json_t *doc = doc_of("host"), *rows = json_object_get(doc, "results"), *f, *p;
	int i;

	for (i = 0; i < 7; i++) {
		double w = 16 << i;

		json_array_append_new(rows, row("cuda", "bench", "rand", (long long)w * 4096, 4096,
						1000 + 300 * fmax(0, 1 - 50 / w), 1000, -1, 20000));
	}
	json_array_append_new(rows, reach(64, 64, 128));
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_non_null(f);
	assert_string_equal(str(f, "status"), "ok");
	NEAR(metric(f, "median"), 300, 1e-6);
	p = json_object_get(f, "params");
	assert_string_equal(str(p, "source"), "model");
	assert_true(json_is_true(json_object_get(p, "modelled")));
	NEAR(json_number_value(json_object_get(p, "entries")), 50, 1e-3);
	NEAR(json_number_value(json_object_get(p, "entries_reach")), 64, 0);
	assert_int_equal(json_integer_value(json_object_get(p, "dof")), 4);
	assert_non_null(strstr(str(f, "finding"), "modelled (no miss counters): an LRU IOTLB of "
						   "50 entries (reach 64)"));
	json_decref(doc);
}

static void test_model_skips(void **state)
{
	json_t *doc = doc_of("host"), *rows = json_object_get(doc, "results"), *f;
	int i;

	/* no reach row */
	for (i = 0; i < 5; i++)
		json_array_append_new(rows, row("cuda", "bench", "rand", (64LL << 10) << i, 4096,
						1000 + 10 * i, 1000, -1, 20000));
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_string_equal(str(f, "status"), "skipped");
	assert_string_equal(str(f, "reason"),
			    "no iotlb_miss counter, and no reach to model the misses from (no "
			    "iotlb_reach/page_size:4k row (derive writes it from the window sweep))");
	json_decref(doc);
	/* a chase on 4 KiB pages: one cycle of pages, a step under LRU */
	doc = doc_of("host");
	rows = json_object_get(doc, "results");
	for (i = 0; i < 5; i++)
		json_array_append_new(rows, row("cuda", "chase", "rand", (64LL << 10) << i, 0,
						i < 3 ? 700 : 1100, 700, -1, 640));
	json_array_append_new(rows, reach(64, 64, 128));
	f = finding(doc, "finding/iotlb_miss_penalty/4k");
	assert_string_equal(str(f, "status"), "skipped");
	assert_non_null(strstr(str(f, "reason"), "a chase with one element per page repeats one "
						  "cycle of pages"));
	json_decref(doc);
	/* a single window: no sweep, no finding */
	doc = doc_of("host");
	json_array_append_new(json_object_get(doc, "results"),
			      row("edu", "bench", "rand", 1 << 20, 2048, 500, 500, 10, 1000));
	assert_null(finding(doc, "finding/iotlb_miss_penalty/4k"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t975),	  cmocka_unit_test(test_lsq_known),
		cmocka_unit_test(test_counted),	  cmocka_unit_test(test_lab_flat),
		cmocka_unit_test(test_two_rates), cmocka_unit_test(test_modelled),
		cmocka_unit_test(test_model_skips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
