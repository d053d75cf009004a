// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for core/histogram.c: a metric's histogram in results.json
 * (sparse log-linear buckets), its checks, the merge rule and the one-line
 * buckets in the indented results file.  Bucket bounds by hand (uapi
 * layout, S = 5): 1000 has e = 9, (1000 >> 4) - 32 = 30, so bucket
 * 32 + 4*32 + 30 = 190, lower bound (32 + 30) << 4 = 992, width 16; 1010
 * >> 4 = 63 gives the next one, lower 1008; values >= 2^40 land in the
 * last bucket, lower (32 + 31) << 34 = 1082331758592.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ib_histogram.h"
#include "ib_stats.h"
#include "iommubench.h"

static uint64_t *hist_of(const uint64_t *v, size_t n)
{
	uint64_t *h = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*h));
	size_t i;

	assert_non_null(h);
	for (i = 0; i < n; i++)
		h[ib_hist_bucket(v[i])]++;
	return h;
}

static void test_sparse_json(void **state)
{
	const uint64_t v[] = { 5, 1000, 1000, 1010, 1ULL << 41 };
	uint64_t *h = hist_of(v, 5), *back = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*back));
	json_t *j = ib_hist_json(h);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER), err[256];

	assert_string_equal(text, "{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":"
				  "[[5,1],[992,2],[1008,1],[1082331758592,1]]}");
	assert_int_equal(ib_hist_json_total(j), 5);
	/* read back: the same buckets */
	assert_int_equal(ib_hist_from_json(j, back, err, sizeof(err)), 0);
	assert_memory_equal(h, back, IOMMUBENCH_HIST_BUCKETS * sizeof(*h));
	/* nothing counted: no object */
	memset(h, 0, IOMMUBENCH_HIST_BUCKETS * sizeof(*h));
	assert_null(ib_hist_json(h));
	free(text);
	json_decref(j);
	free(h);
	free(back);
}

static void test_checks(void **state)
{
	uint64_t *h = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*h));
	char err[256];
	json_t *j;

	j = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[993,1]]}", 0, NULL);
	assert_int_equal(ib_hist_from_json(j, h, err, sizeof(err)), -1);
	assert_string_equal(err, "histogram.buckets[0]: lower_ns 993 is no bucket's lower bound");
	json_decref(j);
	j = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[992,0]]}", 0, NULL);
	assert_int_equal(ib_hist_from_json(j, h, err, sizeof(err)), -1);
	assert_string_equal(err, "histogram.buckets[0]: count 0; expected >= 1");
	json_decref(j);
	j = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[992,1],[5,1]]}", 0, NULL);
	assert_int_equal(ib_hist_from_json(j, h, err, sizeof(err)), -1);
	assert_string_equal(err, "histogram.buckets[1]: lower_ns 5 not above the previous 992");
	json_decref(j);
	j = json_loads("{\"scheme\":\"hdr\",\"buckets\":[[5,1]]}", 0, NULL);
	assert_int_equal(ib_hist_from_json(j, h, err, sizeof(err)), -1);
	assert_string_equal(err, "histogram.scheme: another scheme; expected \"log-linear-ns/5/40\"");
	assert_int_equal(ib_hist_json_total(j), 0);
	json_decref(j);
	j = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[5]]}", 0, NULL);
	assert_int_equal(ib_hist_from_json(j, h, err, sizeof(err)), -1);
	assert_string_equal(err, "histogram.buckets[0]: expected [lower_ns, count]");
	json_decref(j);
	free(h);
}

/* The merge rule: counts of equal lower_ns add; the result is the
 * histogram of the pooled samples, whatever the split. */
static void test_merge(void **state)
{
	uint64_t v[2000], *ha, *hb, *hall;
	json_t *a, *b, *all, *m, *m2, *bad;
	char err[256], *text;
	uint64_t x = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < 2000; i++) { /* xorshift: latencies from 1 ns to ~1 ms */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = 1 + (x % 1000000) / (1 + (x >> 60));
	}
	ha = hist_of(v, 700);
	hb = hist_of(v + 700, 1300);
	hall = hist_of(v, 2000);
	a = ib_hist_json(ha);
	b = ib_hist_json(hb);
	all = ib_hist_json(hall);
	m = ib_hist_json_merge(a, b, err, sizeof(err));
	assert_non_null(m);
	assert_true(json_equal(m, all));
	assert_int_equal(ib_hist_json_total(m), 2000);
	m2 = ib_hist_json_merge(b, a, err, sizeof(err)); /* commutative */
	assert_true(json_equal(m2, all));
	json_decref(m2);
	m2 = ib_hist_json_merge(a, NULL, err, sizeof(err)); /* one side: a copy */
	assert_true(json_equal(m2, a));
	json_decref(m2);
	json_decref(m);

	/* by hand: {5:1, 992:2} + {992:3, 4096:1} */
	json_decref(a);
	json_decref(b);
	a = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[5,1],[992,2]]}", 0, NULL);
	b = json_loads("{\"scheme\":\"log-linear-ns/5/40\",\"buckets\":[[992,3],[4096,1]]}", 0, NULL);
	m = ib_hist_json_merge(a, b, err, sizeof(err));
	text = json_dumps(json_object_get(m, "buckets"), JSON_COMPACT);
	assert_string_equal(text, "[[5,1],[992,5],[4096,1]]");
	free(text);
	json_decref(m);
	/* another scheme is never merged */
	bad = json_loads("{\"scheme\":\"hdr\",\"buckets\":[[5,1]]}", 0, NULL);
	assert_null(ib_hist_json_merge(a, bad, err, sizeof(err)));
	assert_string_equal(err, "histogram.scheme: another scheme; expected \"log-linear-ns/5/40\"");
	json_decref(bad);
	json_decref(a);
	json_decref(b);
	json_decref(all);
	free(ha);
	free(hb);
	free(hall);
}

static void test_compact_text(void **state)
{
	char text[] = "{\n \"a\": [\n  1,\n  2\n ],\n \"note\": \"x \\\"buckets\\\": [ 1, 2 ]\",\n"
		      " \"histogram\": {\n  \"scheme\": \"s t\",\n  \"buckets\": [\n   [\n    5,\n"
		      "    1\n   ],\n   [\n    992,\n    2\n   ]\n  ]\n },\n \"b\": [\n  3\n ]\n}";
	json_t *j;

	ib_hist_compact_text(text);
	assert_string_equal(text, "{\n \"a\": [\n  1,\n  2\n ],\n \"note\": \"x \\\"buckets\\\": [ 1, 2 ]\",\n"
				  " \"histogram\": {\n  \"scheme\": \"s t\",\n  \"buckets\": [[5,1],[992,2]]\n"
				  " },\n \"b\": [\n  3\n ]\n}");
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_json),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_compact_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
