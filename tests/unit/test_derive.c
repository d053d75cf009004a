// SPDX-License-Identifier: GPL-2.0
/*
 * derive.c: the knee finder and the iotlb_reach/page_size:<ps> rows, on
 * synthetic rows shaped like the lab's (QEMU 7.2 VT-d: 1024 IOTLB entries,
 * 8192 edu DMAs of 2 KiB per point, seq).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_derive.h"
#include "ib_results.h"

/* ---- ib_knee_find ---- */

static void test_knee_clean(void **state)
{
	const double m[] = { 0, 0, 0, 0, 0, 0, 0, 0.36, 0.34, 0.31, 0.25 };
	struct ib_knee k;

	assert_int_equal(ib_knee_find(m, 11, &k), 0);
	assert_true(k.found);
	assert_int_equal(k.idx, 7);
	assert_true(k.before == 0);
	assert_true(k.after > 0.3);
}

static void test_knee_none(void **state)
{
	const double flat[] = { 0, 0, 0.001, 0, 0, 0 };
	const double ramp[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 };
	const double tiny[] = { 0, 0, 0, 0.004, 0.005, 0.005 }; /* < 0.02 */
	struct ib_knee k;

	assert_int_equal(ib_knee_find(flat, 6, &k), 0);
	assert_false(k.found);
	assert_int_equal(ib_knee_find(ramp, 8, &k), 0);
	assert_false(k.found);
	assert_int_equal(ib_knee_find(tiny, 6, &k), 0);
	assert_false(k.found);
	assert_int_equal(ib_knee_find(flat, 1, &k), -1);
}

static void test_knee_noisy(void **state)
{
	/* noise on both plateaus and one outlier before the real knee */
	const double m[] = { 0.003, 0.0, 0.006, 0.3, 0.002, 0.004, 0.001,
			     0.47, 0.52, 0.49, 0.55, 0.46 };
	const double two[] = { 0.001, 0.4 };
	struct ib_knee k;

	assert_int_equal(ib_knee_find(m, 12, &k), 0);
	assert_true(k.found);
	assert_int_equal(k.idx, 7);
	assert_int_equal(ib_knee_find(two, 2, &k), 0);
	assert_true(k.found);
	assert_int_equal(k.idx, 1);
}

/* ---- documents ---- */

static json_t *context(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}",
			 "tool_version", "0.1.0", "date", "2026-01-01T00:00:00Z",
			 "host", "qemu-lab", "platform", "qemu-lab", "kernel", "6.1",
			 "suite", "window", "run_id", "t",
			 "counters_unavailable", "name", "papi:PAPI_TLB_DM", "reason",
			 "no PMU");
}

/*
 * One edu row: page_size token, window bytes, the IOMMU page, iotlb_miss
 * (negative: no counter), n DMAs measured, repetitions, warm-up.
 */
static json_t *row(const char *job, const char *ps, long long window, long long pg,
		   long long miss, long long n, int reps, int warmup, const char *pattern)
{
	char name[256], wv[32];
	json_t *r, *lat;

	if (window % (1 << 20) == 0)
		snprintf(wv, sizeof(wv), "%lldm", window >> 20);
	else
		snprintf(wv, sizeof(wv), "%lldk", window >> 10);
	snprintf(name, sizeof(name), "%s/window:%s/pattern:%s", job, wv, pattern);
	lat = json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
			"unit", "ns", "n", (json_int_t)n, "median", 1e8, "mean", 1e8,
			"min", 1e8, "max", 1e8, "p90", 1e8, "p99", 1e8, "p999", 1e8,
			"stddev", 0.0, "cov", 0.0, "ci95_low", 1e8, "ci95_high", 1e8);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:s, s:i, s:i, s:i,"
		      " s:s, s:s, s:[I]}, s:{s:o}, s:{}, s:i}",
		      "name", name, "bench", job, "engine", "edu", "run_type", "measured",
		      "status", "ok", "params", "op", "bench", "page_size", ps,
		      "window", (json_int_t)window, "xfer_size", (json_int_t)2048,
		      "pattern", pattern, "threads", 1, "warmup", warmup,
		      "iterations", (int)(n / reps), "iommu_mode", "current",
		      "iommu_mode_effective", "dma-strict", "iommu_page_sizes",
		      (json_int_t)pg, "metrics", "dma_latency_ns", lat, "counters",
		      "repetitions", reps);
	if (miss >= 0)
		json_object_set_new(json_object_get(r, "counters"), "iotlb_miss",
				    json_pack("{s:I, s:s}", "value", (json_int_t)miss,
					      "source", "lab:vtd_iotlb_page_update"));
	return r;
}

/* The lab's 4k sweep: 1024 entries, 8192 seq DMAs of 2 KiB, one repetition. */
static void add_lab_4k(json_t *rows, int warmup)
{
	static const long long kib[] = { 256, 512, 1024, 2048, 3072, 3584, 4096,
					 4608, 5120, 6144, 8192 };
	size_t i;
	int reps = 1 + warmup;

	for (i = 0; i < sizeof(kib) / sizeof(kib[0]); i++) {
		long long pages = kib[i] / 4, miss;

		/* compulsory only within 1024 pages; past it every page, every pass */
		miss = pages <= 1024 ? pages : 4096;
		json_array_append_new(rows, row("window-4k", "4k", kib[i] << 10, 4096,
						miss * reps, 8192, 1, warmup, "seq"));
	}
}

static void add_lab_2m(json_t *rows, bool counters)
{
	static const long long mib[] = { 2, 4, 8, 16, 32, 64 };
	size_t i;

	for (i = 0; i < sizeof(mib) / sizeof(mib[0]); i++) {
		long long pages = mib[i] / 2;

		json_array_append_new(rows, row("window-2m", "2m", mib[i] << 20, 2 << 20,
						counters ? (pages < 8 ? pages : 8) : -1,
						8192, 1, 0, "seq"));
	}
}

static json_t *find(json_t *doc, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "name")), name))
			return r;
	return NULL;
}

static double mnum(json_t *row, const char *metric, const char *k)
{
	return json_number_value(json_object_get(
		json_object_get(json_object_get(row, "metrics"), metric), k));
}

static void test_reach_lab_shape(void **state)
{
	json_t *doc = ib_results_new(context());
	json_t *rows = json_object_get(doc, "results"), *r4, *r2;
	char err[256];

	add_lab_4k(rows, 0);
	/* 16 MiB is one pass of 8192 x 2 KiB: no revisits, left out */
	json_array_append_new(rows, row("window-4k", "4k", 16 << 20, 4096, 4096, 8192, 1, 0, "seq"));
	add_lab_2m(rows, true);
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 2);
	r4 = find(doc, "iotlb_reach/page_size:4k");
	r2 = find(doc, "iotlb_reach/page_size:2m");
	assert_non_null(r4);
	assert_non_null(r2);
	assert_string_equal(json_string_value(json_object_get(r4, "run_type")), "derived");
	assert_string_equal(json_string_value(json_object_get(r4, "status")), "ok");
	assert_true(mnum(r4, "iotlb_entries", "median") == 1088);
	assert_true(mnum(r4, "iotlb_entries", "ci95_low") == 1024);
	assert_true(mnum(r4, "iotlb_entries", "ci95_high") == 1152);
	/* the estimate is the bracket's middle; 1.125x wide: not converged */
	assert_false(json_is_true(json_object_get(json_object_get(r4, "params"), "converged")));
	assert_true(json_is_true(json_object_get(json_object_get(r4, "params"), "knee_sharp")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r4, "params"),
							      "refined_points")), 0);
	assert_string_equal(json_string_value(json_object_get(

		json_object_get(json_object_get(r4, "metrics"), "iotlb_entries"), "unit")),
		"entries");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r4, "params"),
							      "knee_window")), 4608 << 10);
	assert_non_null(json_object_get(json_object_get(r4, "params"), "method"));
	assert_string_equal(json_string_value(json_object_get(r2, "status")), "skipped");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(
		json_object_get(r4, "params"), "windows_not_revisited"), 0)), 16 << 20);
	/* 8192 x 2 KiB revisit 2 MiB pages up to an 8 MiB window */
	assert_string_equal(json_string_value(json_object_get(r2, "reason")),
			    "no knee up to 8 MiB");
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), 0);
	json_decref(doc);
}

/* Counters that include the warm-up: 1 + 1 repetitions, misses doubled. */
static void test_reach_warmup(void **state)
{
	json_t *doc = ib_results_new(context()), *r4;
	char err[256];

	add_lab_4k(json_object_get(doc, "results"), 1);
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r4 = find(doc, "iotlb_reach/page_size:4k");
	assert_string_equal(json_string_value(json_object_get(r4, "status")), "ok");
	assert_true(mnum(r4, "iotlb_entries", "median") == 1088);
	json_decref(doc);
}

/* QEMU's AMD-Vi: Linux maps the 4k buffers with 128 KiB IOPTEs, but the
 * emulated IOTLB caches per 4 KiB page; lab-merge says so in
 * params.iotlb_entry_bytes, and the reach counts 4 KiB entries. */
static void test_reach_entry_bytes(void **state)
{
	json_t *doc = ib_results_new(context()), *r4, *r;
	char err[256];
	size_t i;

	add_lab_4k(json_object_get(doc, "results"), 0);
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		json_t *params = json_object_get(r, "params");

		json_object_set_new(params, "iommu_page_sizes", json_pack("[i]", 131072));
		json_object_set_new(params, "iotlb_entry_bytes", json_integer(4096));
	}
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r4 = find(doc, "iotlb_reach/page_size:4k");
	assert_string_equal(json_string_value(json_object_get(r4, "status")), "ok");
	assert_true(mnum(r4, "iotlb_entries", "median") == 1088);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r4, "params"),
							      "iotlb_page_bytes")), 4096);
	json_decref(doc);
}

static void test_reach_missing_counters(void **state)
{
	json_t *doc = ib_results_new(context()), *r2;
	json_t *ua = json_object_get(json_object_get(doc, "context"), "counters_unavailable");
	char err[256];
	const char *reason;

	json_array_append_new(ua, json_pack("{s:s, s:s}", "name", "perf:dmar",
					    "reason", "no IOMMU PMU under /sys/bus/event_source"));
	add_lab_2m(json_object_get(doc, "results"), false);
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r2 = find(doc, "iotlb_reach/page_size:2m");
	assert_string_equal(json_string_value(json_object_get(r2, "status")), "skipped");
	reason = json_string_value(json_object_get(r2, "reason"));
	assert_non_null(strstr(reason, "no iotlb_miss counter"));
	assert_non_null(strstr(reason, "no IOMMU PMU"));
	assert_int_equal(json_object_size(json_object_get(r2, "metrics")), 0);
	json_decref(doc);
}

/* A row without counters whose median latency is lat_ns. */
static json_t *timed_row(const char *ps, long long window, long long pg, double lat_ns)
{
	json_t *r = row("sweep", ps, window, pg, -1, 8192, 1, 0, "seq");

	json_object_set_new(json_object_get(json_object_get(r, "metrics"), "dma_latency_ns"),
			    "median", json_real(lat_ns));
	return r;
}

/* The timing method: 4k steps past 1024 pages, 2m flat at equal windows
 * (the baseline); then a flat 4k sweep alone has no knee. */
static void test_reach_timing(void **state)
{
	static const long long kib[] = { 256, 512, 1024, 2048, 3072, 3584, 4096,
					 4608, 5120, 6144, 8192 };
	json_t *doc = ib_results_new(context()), *rows = json_object_get(doc, "results"), *r;
	json_t *p;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(kib) / sizeof(kib[0]); i++) {
		/* a common slope the baseline cancels, plus noise-free steps */
		double common = 900 + (double)i * 10;

		json_array_append_new(rows, timed_row("4k", kib[i] << 10, 4096,
						      common + (kib[i] > 4096 ? 300 : 0)));
		json_array_append_new(rows, timed_row("2m", kib[i] << 10, 2 << 20, common));
	}
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 2);
	r = find(doc, "iotlb_reach/page_size:4k");
	p = json_object_get(r, "params");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(p, "source")), "timing");
	assert_string_equal(json_string_value(json_object_get(p, "baseline")), "2m");
	assert_true(mnum(r, "iotlb_entries", "median") == 1088);
	assert_true(mnum(r, "iotlb_entries", "ci95_high") == 1152);
	assert_int_equal(json_integer_value(json_object_get(p, "knee_window")), 4608 << 10);
	/* the 2m series: flat, no larger page to subtract */
	r = find(doc, "iotlb_reach/page_size:2m");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "skipped");
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")),
			       "no knee up to 8 MiB; no iotlb_miss counter"));
	json_decref(doc);

	/* a 4k slope of 1 % a window, no step: no knee */
	doc = ib_results_new(context());
	rows = json_object_get(doc, "results");
	for (i = 0; i < sizeof(kib) / sizeof(kib[0]); i++)
		json_array_append_new(rows, timed_row("4k", kib[i] << 10, 4096, 900 + (double)i * 9));
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r = find(doc, "iotlb_reach/page_size:4k");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "skipped");
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "no knee up to 8 MiB"));
	json_decref(doc);
}

/* Misses from the smallest window on; and points that are no sweep. */
static void test_reach_below_and_nosweep(void **state)
{
	json_t *doc = ib_results_new(context()), *rows = json_object_get(doc, "results"), *r;
	char err[256];

	/* 32768 DMAs of 2 KiB: 4 passes over 8 MiB, 2 over 16 MiB, 1 over 32 MiB */
	json_array_append_new(rows, row("w", "4k", 8 << 20, 4096, 16384, 32768, 1, 0, "seq"));
	json_array_append_new(rows, row("w", "4k", 16 << 20, 4096, 16384, 32768, 1, 0, "seq"));
	json_array_append_new(rows, row("w", "4k", 32 << 20, 4096, 8192, 32768, 1, 0, "seq"));
	/* a single 2m window, a cpu row and a skipped row: no derived row */
	json_array_append_new(rows, row("w", "2m", 8 << 20, 2 << 20, 4, 8192, 1, 0, "seq"));
	json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:{}}", "name", "s",
					      "status", "skipped", "reason", "x", "params"));
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r = find(doc, "iotlb_reach/page_size:4k");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "skipped");
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")),
			       "reach below 8 MiB"));
	assert_null(find(doc, "iotlb_reach/page_size:2m"));
	json_decref(doc);
}

/* Two series at one page size: seq is chosen, rand ignored. */
static void test_reach_prefers_seq(void **state)
{
	json_t *doc = ib_results_new(context()), *rows = json_object_get(doc, "results"), *r;
	char err[256];

	json_array_append_new(rows, row("d", "4k", 1 << 20, 4096, 4000, 8192, 1, 0, "rand"));
	json_array_append_new(rows, row("d", "4k", 16 << 20, 4096, 8000, 8192, 1, 0, "rand"));
	add_lab_4k(rows, 0);
	assert_int_equal(ib_derive_iotlb_reach(doc, err, sizeof(err)), 1);
	r = find(doc, "iotlb_reach/page_size:4k");
	assert_true(mnum(r, "iotlb_entries", "median") == 1088);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "params"),
								"source_series")),
			    "window-4k/pattern:seq");
	json_decref(doc);
}

/* derive RUNDIR, twice: same files (idempotent), CSV carries the row. */
static void test_cmd_idempotent(void **state)
{
	char dir[] = "/tmp/ib-derive-XXXXXX", path[256], *a, *b, *argv[3];
	json_t *doc = ib_results_new(context());
	FILE *f;
	long na, nb;

	assert_non_null(mkdtemp(dir));
	add_lab_4k(json_object_get(doc, "results"), 0);
	add_lab_2m(json_object_get(doc, "results"), true);
	assert_int_equal(ib_results_write(dir, doc, true), 0);
	json_decref(doc);
	argv[0] = "derive";
	argv[1] = dir;
	argv[2] = NULL;
	assert_int_equal(cmd_derive(2, argv), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	na = ftell(f);
	rewind(f);
	a = calloc(1, (size_t)na + 1);
	assert_int_equal(fread(a, 1, (size_t)na, f), (size_t)na);
	fclose(f);
	assert_int_equal(cmd_derive(2, argv), 0);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	nb = ftell(f);
	rewind(f);
	b = calloc(1, (size_t)nb + 1);
	assert_int_equal(fread(b, 1, (size_t)nb, f), (size_t)nb);
	fclose(f);
	assert_int_equal(na, nb);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"complete\": true"));
	free(a);
	free(b);
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	{
		char line[4096];
		int found = 0;

		while (fgets(line, sizeof(line), f))
			found += strstr(line, "iotlb_reach/page_size:4k,derive,edu,derived,ok") &&
				 strstr(line, ",4718592,iotlb_entries,entries,");
		assert_int_equal(found, 1);
	}
	fclose(f);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	argv[1] = "/nonexistent/dir";
	assert_int_equal(cmd_derive(2, argv), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knee_clean),
		cmocka_unit_test(test_knee_none),
		cmocka_unit_test(test_knee_noisy),
		cmocka_unit_test(test_reach_lab_shape),
		cmocka_unit_test(test_reach_warmup),
		cmocka_unit_test(test_reach_entry_bytes),
		cmocka_unit_test(test_reach_missing_counters),
		cmocka_unit_test(test_reach_timing),
		cmocka_unit_test(test_reach_below_and_nosweep),
		cmocka_unit_test(test_reach_prefers_seq),
		cmocka_unit_test(test_cmd_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
