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

/* Writes text to dir/name (the run directory's inputs). */
static void put(const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* merge(), then the merged results.json */
static json_t *merged(void)
{
	char path[300];
	json_t *doc;

	assert_int_equal(merge(), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	return doc;
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

/* A domain id freed by one device and given to the other (a mode switch
 * of a net rank pair): each invalidation goes to the device that held the
 * id at its place in the log (was: the id seen with two sids, not split). */
static void test_merge_split_reused_domain(void **state)
{
	static const char *const lines[] = {
		/* the together step: domain 0x2 is sid 0x18's, 0x3 sid 0x1100's */
		"vtd_iotlb_page_update IOTLB page update sid 0x18 iova 0x0 slpte 0x1 domain 0x2\n",
		"vtd_inv_desc_iotlb_pages iotlb invalidate page domain 0x2 addr 0x0 mask 0x0 ih 0\n",
		"vtd_iotlb_page_update IOTLB page update sid 0x1100 iova 0x0 slpte 0x1 domain 0x3\n",
		/* rank 1 alone: 0x2 freed by sid 0x18, now sid 0x1100's */
		"vtd_iotlb_page_update IOTLB page update sid 0x1100 iova 0x0 slpte 0x1 domain 0x2\n",
		"vtd_inv_desc_iotlb_pages iotlb invalidate page domain 0x2 addr 0x0 mask 0x0 ih 0\n",
		"vtd_inv_desc_iotlb_pages iotlb invalidate page domain 0x2 addr 0x1000 mask 0x0 ih 0\n",
	};
	char cmd[600], path[300], err[512];
	size_t i, off = 0, mid = 0;
	json_t *doc, *c;
	FILE *t, *m;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -f %s/* && cp tests/fixtures/lab/ranks/* %s/", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/qemu-trace.log", dir);
	t = fopen(path, "w");
	assert_non_null(t);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fputs(lines[i], t);
		off += strlen(lines[i]);
		if (i == 2)
			mid = off;
	}
	fclose(t);
	snprintf(path, sizeof(path), "%s/marks.tsv", dir);
	m = fopen(path, "w");
	assert_non_null(m);
	fprintf(m, "BEGIN\tcontention/window:1m/concurrency:together\t0\n"
		   "END\tcontention/window:1m/concurrency:together\t%zu\n"
		   "BEGIN\tcontention/window:1m/concurrency:alone/rank:1\t%zu\n"
		   "END\tcontention/window:1m/concurrency:alone/rank:1\t%zu\n",
		mid, mid, off);
	fclose(m);
	assert_int_equal(merge(), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = ib_results_load(path, err, sizeof(err));
	assert_non_null(doc);
	c = row_counters(doc, "contention/window:1m/concurrency:together/rank:0");
	assert_int_equal(cval(c, "iommu_invalidations"), 1);
	c = row_counters(doc, "contention/window:1m/concurrency:together/rank:1");
	assert_int_equal(cval(c, "iommu_invalidations"), 0);
	c = row_counters(doc, "contention/window:1m/concurrency:alone/rank:1");
	assert_int_equal(cval(c, "iommu_invalidations"), 2);
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

/* An amd-iommu run (lab.py --iommu amd): the AMD table, and only it. */
static void test_amd(void **state)
{
	static const char *const trace =
		"amdvi_translation_result devid: 00:03.0 gpa 0xff80000 hpa 0x1000\n" /* boot: no row */
		"amdvi_cache_update  update iotlb domid 0x1 devid: 00:03.0 gpa 0xff80000 hpa 0x5000\n"
		"amdvi_translation_result devid: 00:03.0 gpa 0xff80000 hpa 0x5000\n"
		"amdvi_iotlb_hit hit iotlb devid 00:03.0 gpa 0xff80000 hpa 0x5000\n"
		"amdvi_translation_result devid: 00:03.0 gpa 0xff80800 hpa 0x5800\n"
		"amdvi_iotlb_hit hit iotlb devid 00:03.0 gpa 0xff80800 hpa 0x5800\n"
		"amdvi_translation_result devid: 00:03.0 gpa 0xff80800 hpa 0x5800\n"
		"amdvi_pages_inval INVALIDATE_IOMMU_PAGES domid 0x1\n"
		"amdvi_completion_wait completion wait requested with store address 0x0\n"
		"vtd_iotlb_page_hit IOTLB page hit sid 0x18\n" /* not an AMD event */
		"amdvi_all_inval INVALIDATE_IOMMU_ALL\n";
	char marks[128];
	json_t *doc, *c, *rows, *row;
	size_t i;
	long begin = (long)strlen("amdvi_translation_result devid: 00:03.0 gpa 0xff80000 hpa 0x1000\n");

	put("qemu-trace.log", trace);
	snprintf(marks, sizeof(marks), "BEGIN\t%s\t%ld\nEND\t%s\t%zu\n", R1, begin, R1, strlen(trace));
	put("marks.tsv", marks);
	put("qemu-cmdline.txt",
	    "qemu-system-x86_64 -M q35 -device amd-iommu,intremap=on -device edu,bus=pcie.0 "
	    "-D log -trace enable=amdvi_iotlb_hit -trace enable=amdvi_cache_update "
	    "-trace enable=amdvi_page_fault -trace enable=amdvi_pages_inval "
	    "-trace enable=amdvi_all_inval -trace enable=amdvi_translation_result\n");
	doc = merged();
	c = row_counters(doc, R1);
	{
		static const struct {
			const char *name, *src;
			long long v;
		} want[] = {
			{ "iotlb_hit", "lab:amdvi_iotlb_hit", 2 },
			{ "iotlb_miss", "lab:amdvi_cache_update", 1 },
			{ "iotlb_lookup", "lab:amdvi_iotlb_hit+amdvi_cache_update", 3 },
			{ "iommu_invalidations", "lab:amdvi_pages_inval+amdvi_all_inval", 2 },
			{ "io_page_faults", "lab:amdvi_page_fault", 0 },
		};

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			assert_int_equal(cval(c, want[i].name), want[i].v);
			assert_string_equal(csrc(c, want[i].name), want[i].src);
		}
	}
	/* AMD-Vi has no context cache event: no VT-d counter is written */
	assert_int_equal(cval(c, "ctx_cache_hit"), -1);
	/* QEMU's AMD-Vi IOTLB entries cover 4 KiB whatever the IOPTE size */
	rows = json_object_get(doc, "results");
	json_array_foreach(rows, i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")), R1))
			assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "params"),
									    "iotlb_entry_bytes")),
					 4096);
	json_decref(doc);
}

/* A virtio-iommu run: the guest never sees its faults, so a guest-side
 * io_page_faults of 0 gives way to virtio_iommu_report_fault; above 0 it
 * is kept. */
static void test_virtio_faults(void **state)
{
	static const char *const trace =
		"virtio_iommu_map domain=1 virt_start=0xffff000 virt_end=0xffffffff phys_start=0x5000 flags=3\n"
		"virtio_iommu_report_fault FAULT reason=1 flags=0 endpoint=24 address=0xffdf000\n"
		"virtio_iommu_report_fault FAULT reason=1 flags=0 endpoint=24 address=0xffdf004\n"
		"virtio_iommu_unmap domain=1 virt_start=0xffff000 virt_end=0xffffffff\n"
		"virtio_iommu_report_fault FAULT reason=1 flags=0 endpoint=24 address=0xffdf008\n";
	char marks[256], path[300];
	json_t *doc, *c, *row;
	size_t i, half = strlen(trace) - strlen("virtio_iommu_report_fault FAULT reason=1 flags=0 endpoint=24 address=0xffdf008\n");

	/* R1: a guest-side 0 (tracefs); R3: the fixture's module count 2 */
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")), R1))
			json_object_set_new(json_object_get(row, "counters"), "io_page_faults",
					    json_pack("{s:i, s:s}", "value", 0, "source",
						      "tracefs:iommu/io_page_fault"));
	assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
	json_decref(doc);
	put("qemu-trace.log", trace);
	snprintf(marks, sizeof(marks), "BEGIN\t%s\t0\nEND\t%s\t%zu\nBEGIN\t%s\t%zu\nEND\t%s\t%zu\n",
		 R1, R1, half, R3, half, R3, strlen(trace));
	put("marks.tsv", marks);
	put("qemu-cmdline.txt", "qemu-system-x86_64 -device virtio-iommu-pci,bus=pcie.0 "
				"-trace enable=virtio_iommu_map -trace enable=virtio_iommu_unmap "
				"-trace enable=virtio_iommu_report_fault\n");
	doc = merged();
	c = row_counters(doc, R1);
	assert_int_equal(cval(c, "io_page_faults"), 2);
	assert_string_equal(csrc(c, "io_page_faults"), "lab:virtio_iommu_report_fault");
	assert_int_equal(cval(c, "iommu_invalidations"), 1);
	assert_int_equal(cval(c, "iotlb_miss"), -1); /* no IOTLB */
	c = row_counters(doc, R3);
	assert_int_equal(cval(c, "io_page_faults"), 2);
	assert_string_equal(csrc(c, "io_page_faults"), "module:iommubench/fault");
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

/*
 * A row measured in two intervals gets the sum of both (R1 here also over
 * R2's stretch of the log: 5 + 7 hits, 3 + 1 misses); R2, unmarked, gets
 * no lab counts.  Bounds from the plan (4 rows: at most 16 intervals, mark
 * lines up to the longest row name + 32, so 2048 bytes): 17 intervals and
 * a padded file are refused (exit 1) before anything is merged.
 */
static void test_repeated_and_bounds(void **state)
{
	json_t *doc, *c;
	char *big;
	int i, o;

	put("marks.tsv", "BEGIN\t" R1 "\t283\nEND\t" R1 "\t1835\n"
			 "BEGIN\t" R1 "\t1921\nEND\t" R1 "\t3418\n");
	doc = merged();
	c = row_counters(doc, R1);
	assert_int_equal(cval(c, "iotlb_hit"), 12);
	assert_int_equal(cval(c, "iotlb_miss"), 4);
	assert_int_equal(cval(c, "iotlb_lookup"), 16);
	assert_int_equal(cval(row_counters(doc, R2), "iotlb_hit"), -1);
	json_decref(doc);

	/* more intervals than 4 per row plus 4096 for other runs of the boot */
	big = malloc(6u << 20);
	assert_non_null(big);
	for (i = 0, o = 0; i < 8192; i++)
		o += snprintf(big + o, (6u << 20) - (size_t)o, "BEGIN\t" R3 "\t%d\nEND\t" R3 "\t%d\n",
			      i, i);
	assert_true(o < (6 << 20) - 64);
	put("marks.tsv", big);
	assert_int_equal(merge(), 1);

	/* blank lines past the byte bound ((4 x rows + 4096) x 2 x 544) */
	memset(big, '\n', (6u << 20) - 1);
	big[(6u << 20) - 1] = '\0';
	put("marks.tsv", big);
	free(big);
	assert_int_equal(merge(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_split_by_sid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_split_reused_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_and_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
