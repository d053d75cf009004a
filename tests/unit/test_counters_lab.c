// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench lab-merge` on tests/fixtures/lab/run1 (copied to a temporary
 * directory).  Expected counts, by reading the fixture's qemu-trace.log
 * between the marks.tsv offsets:
 *  hugepage/page_size:4k/window:64k: 3 page_update, 5 page_hit,
 *    1 cc_update, 3 + 4 = 7 cc_hit, 2 inv_desc_iotlb_pages, one non-event line
 *    -> iotlb_miss 3, iotlb_hit 5, iotlb_lookup 8, ctx_cache_hit 7,
 *       ctx_cache_miss 1, iommu_invalidations 2, io_page_faults 0.
 *  hugepage/page_size:2m/window:64k: 1 page_update, 6 + 1 (prefixed) = 7
 *    page_hit, 6 + 1 (prefixed) + 1 = 8 cc_hit, 1 inv_desc_iotlb_domain,
 *    1 vtd_iotlb_reset (not counted) -> miss 1, hit 7, lookup 8, cc_hit 8,
 *    cc_miss 0, invalidations 1.
 *  isolation/iommu_mode:dma-strict: 4 vtd_dmar_fault, but the row's
 *    guest-side io_page_faults (2, module) is kept.
 *  Boot lines before the first BEGIN, the page_hit between the points and
 *  the line after the last END belong to no row.
 */
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ib_commands.h"
#include "ib_results.h"
#include "test_util.h"

#define R1 "hugepage/page_size:4k/window:64k"
#define R2 "hugepage/page_size:2m/window:64k"
#define R3 "isolation/iommu_mode:dma-strict"

static char dir[256];

static int setup(void **state)
{
	char cmd[600];

	snprintf(dir, sizeof(dir), "/tmp/ib-test-lab-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/lab/run1/* %s/", dir);
	return system(cmd) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static int merge(void)
{
	char *argv[] = { "lab-merge", dir, NULL };

	return cmd_lab_merge(2, argv);
}

static json_t *row_counters(json_t *doc, const char *name)
{
	json_t *rows = json_object_get(doc, "results"), *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")), name))
			return json_object_get(row, "counters");
	return NULL;
}

static long long cval(json_t *counters, const char *name)
{
	json_t *c = json_object_get(counters, name);

	return c ? json_integer_value(json_object_get(c, "value")) : -1;
}

static const char *csrc(json_t *counters, const char *name)
{
	return json_string_value(json_object_get(json_object_get(counters, name), "source"));
}

static void test_merge_counts(void **state)
{
	char path[300];
	json_t *doc, *c, *ua;
	char *json1, *csv1, *json2, *csv2;
	size_t i;
	int found = 0;

	assert_int_equal(merge(), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);

	c = row_counters(doc, R1);
	assert_int_equal(cval(c, "iotlb_miss"), 3);
	assert_string_equal(csrc(c, "iotlb_miss"), "lab:vtd_iotlb_page_update");
	assert_int_equal(cval(c, "iotlb_hit"), 5);
	assert_string_equal(csrc(c, "iotlb_hit"), "lab:vtd_iotlb_page_hit");
	assert_int_equal(cval(c, "iotlb_lookup"), 8);
	assert_int_equal(cval(c, "ctx_cache_hit"), 7);
	assert_int_equal(cval(c, "ctx_cache_miss"), 1);
	assert_int_equal(cval(c, "iommu_invalidations"), 2);
	assert_int_equal(cval(c, "io_page_faults"), 0);
	assert_string_equal(csrc(c, "io_page_faults"), "lab:vtd_dmar_fault");

	c = row_counters(doc, R2);
	assert_non_null(c); /* created: the row had no counters object */
	assert_int_equal(cval(c, "iotlb_miss"), 1);
	assert_int_equal(cval(c, "iotlb_hit"), 7);
	assert_int_equal(cval(c, "iotlb_lookup"), 8);
	assert_int_equal(cval(c, "ctx_cache_hit"), 8);
	assert_int_equal(cval(c, "ctx_cache_miss"), 0);
	assert_int_equal(cval(c, "iommu_invalidations"), 1);

	c = row_counters(doc, R3);
	assert_int_equal(cval(c, "io_page_faults"), 2);
	assert_string_equal(csrc(c, "io_page_faults"), "module:iommubench/fault");
	assert_int_equal(cval(c, "iotlb_miss"), 0);

	assert_null(row_counters(doc, "map/granule:1"));
	/* the earlier context entry survives; nothing lab: is unavailable */
	ua = json_object_get(json_object_get(doc, "context"), "counters_unavailable");
	for (i = 0; i < json_array_size(ua); i++) {
		const char *n = json_string_value(json_object_get(json_array_get(ua, i), "name"));

		found += !strcmp(n, "papi:PAPI_TOT_CYC");
		assert_true(strncmp(n, "lab:", 4));
	}
	assert_int_equal(found, 1);
	assert_true(json_is_true(json_object_get(doc, "complete")));
	json_decref(doc);

	/* CSV counter rows per docs/results-csv.md */
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	csv1 = slurp(path);
	assert_non_null(csv1);
	assert_non_null(strstr(csv1, "\nlab-20261124T070000Z,qemu-lab,lab,hugepage," R1 ","));
	assert_non_null(strstr(csv1, ",iotlb_miss,count,1,3,3,3,3,,,,,,,,lab:vtd_iotlb_page_update,,,\n"));
	assert_non_null(strstr(csv1, ",iotlb_lookup,count,1,8,8,8,8,,,,,,,,lab:vtd_iotlb_page_hit+vtd_iotlb_page_update,,,\n"));
	snprintf(path, sizeof(path), "%s/results.json", dir);
	json1 = slurp(path);

	/* merging again changes nothing: same input, same counts */
	assert_int_equal(merge(), 0);
	json2 = slurp(path);
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	csv2 = slurp(path);
	assert_string_equal(json1, json2);
	assert_string_equal(csv1, csv2);
	free(json1);
	free(json2);
	free(csv1);
	free(csv2);
}

/* Events not enabled with -trace are not counted as zeros. */
/* A multi-rank step (one mark, rows <mark>/rank:<N>): each row gets only
 * its own device's events, by sid (tests/fixtures/lab/README.md). */
static void test_merge_split_by_sid(void **state)
{
	char cmd[600], path[300], err[512];
	json_t *doc, *c;

	snprintf(cmd, sizeof(cmd), "rm -f %s/* && cp tests/fixtures/lab/ranks/* %s/", dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(merge(), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = ib_results_load(path, err, sizeof(err));
	assert_non_null(doc);
	c = row_counters(doc, "contention/window:1m/concurrency:together/rank:0");
	assert_int_equal(cval(c, "iotlb_miss"), 3);
	assert_int_equal(cval(c, "iotlb_lookup"), 8);
	assert_int_equal(cval(c, "ctx_cache_miss"), 0);
	assert_int_equal(cval(c, "iommu_invalidations"), 0); /* the global one is no device's */
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "iotlb_miss"), "source")),
			    "lab:vtd_iotlb_page_update[sid=0x18]");
	c = row_counters(doc, "contention/window:1m/concurrency:together/rank:1");
	assert_int_equal(cval(c, "iotlb_miss"), 2);
	assert_int_equal(cval(c, "iotlb_lookup"), 9);
	assert_int_equal(cval(c, "ctx_cache_miss"), 1);
	assert_int_equal(cval(c, "iommu_invalidations"), 1); /* domain 0x3 -> sid 0x1100 */
	c = row_counters(doc, "contention/window:1m/concurrency:alone/rank:1");
	assert_int_equal(cval(c, "iotlb_miss"), 4);
	assert_int_equal(cval(c, "iotlb_lookup"), 4); /* not sid 0x18's stray hit */
	c = row_counters(doc, "contention/window:1m/concurrency:alone/rank:0");
	assert_int_equal(cval(c, "iotlb_miss"), -1); /* its step was not marked */
	json_decref(doc);
}

static void test_not_enabled(void **state)
{
	char path[300];
	FILE *f;
	json_t *doc, *c, *ua;
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), "%s/qemu-cmdline.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("qemu-system-x86_64 -trace enable=vtd_iotlb_page* -trace enable=vtd_dmar_fault\n", f);
	fclose(f);
	assert_int_equal(merge(), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	c = row_counters(doc, R2);
	assert_int_equal(cval(c, "iotlb_miss"), 1);
	assert_int_equal(cval(c, "ctx_cache_hit"), -1);
	assert_int_equal(cval(c, "iommu_invalidations"), -1);
	ua = json_object_get(json_object_get(doc, "context"), "counters_unavailable");
	for (i = 0; i < json_array_size(ua); i++) {
		const char *n = json_string_value(json_object_get(json_array_get(ua, i), "name"));

		found += !strcmp(n, "lab:vtd_iotlb_cc_hit");
	}
	assert_int_equal(found, 1);
	json_decref(doc);
}

static void test_bad_marks(void **state)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/marks.tsv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("END\tx\t10\n", f);
	fclose(f);
	assert_int_equal(merge(), 1);
	f = fopen(path, "w");
	fputs("BEGIN\tx\t10\nEND\tx\t999999\n", f); /* beyond the log */
	fclose(f);
	assert_int_equal(merge(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_split_by_sid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_marks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
