// SPDX-License-Identifier: GPL-2.0
/*
 * Counter session helpers, the tracefs line parser (on trace text in the
 * 6.1 TP_printk format, tests/fixtures/tracefs/) and PAPI degrading to
 * "unavailable" with PAPI's reason where it has no counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../harness/src/counters/counters_sources.h"
#include "ib_counters.h"

static void test_set_add(void **state)
{
	static struct ib_counter_set s;
	static struct ib_counter_unavail_list u;

	memset(&s, 0, sizeof(s));
	ib_counter_set_add(&s, "iotlb_miss", "lab:vtd_iotlb_page_update", 5);
	ib_counter_set_add(&s, "iotlb_miss", "lab:vtd_iotlb_page_update", 2);
	ib_counter_set_add(&s, "iotlb_hit", "lab:vtd_iotlb_page_hit", 1);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.c[0].value, 7); /* same name + source accumulate */
	memset(&u, 0, sizeof(u));
	ib_unavail_add(&u, "papi:PAPI_TLB_DM", "no %s", "PMU");
	assert_int_equal(u.n, 1);
	assert_string_equal(u.u[0].reason, "no PMU");
}

/*
 * The fixture has 4 maps of 4096 + 2097152 + 1073741824 + 16384 bytes
 * (= 1075859456), 2 unmaps of 4096 + 2097152 (= 2101248), 2 faults and one
 * unrelated attach event; header lines are not events.
 */
static void test_trace_parse(void **state)
{
	struct ib_trace_counts c = { 0 };
	char *line = NULL;
	size_t cap = 0;
	int events = 0;
	FILE *f = fopen("tests/fixtures/tracefs/iommu-trace.txt", "r");

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0)
		events += ib_trace_parse_line(line, &c);
	free(line);
	fclose(f);
	assert_int_equal(events, 8);
	assert_int_equal(c.maps, 4);
	assert_true(c.map_bytes == 1075859456ULL);
	assert_int_equal(c.unmaps, 2);
	assert_int_equal(c.unmap_bytes, 2101248);
	assert_int_equal(c.faults, 2);
	assert_int_equal(c.map_by_size[0], 1);
	assert_int_equal(c.map_by_size[1], 1);
	assert_int_equal(c.map_by_size[2], 1);
	assert_int_equal(c.map_by_size[3], 1);
	/* a truncated line is not counted */
	assert_int_equal(ib_trace_parse_line("x-1 [000] ..... 1.0: map: IOMMU: iova=0x1000 - ", &c), 0);
	assert_int_equal(c.maps, 4);
}

/*
 * Captured in the lab (tests/fixtures/tracefs/README.md).  Independent
 * count with grep: 6 " map: " lines, sizes 4096+4096+12288 twice = 40960;
 * 4 " unmap: " lines, unmapped_size 4096+16384 twice = 40960; no faults.
 * 4 map calls of exactly 4 KiB, 2 of 12 KiB ("other").
 */
static void test_trace_parse_lab(void **state)
{
	struct ib_trace_counts c = { 0 };
	char *line = NULL;
	size_t cap = 0;
	int events = 0;
	FILE *f = fopen("tests/fixtures/tracefs/lab-edu-4k-trace.txt", "r");

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0)
		events += ib_trace_parse_line(line, &c);
	free(line);
	fclose(f);
	assert_int_equal(events, 10); /* entries-in-buffer/entries-written: 10/10 */
	assert_int_equal(c.maps, 6);
	assert_int_equal(c.map_bytes, 40960);
	assert_int_equal(c.unmaps, 4);
	assert_int_equal(c.unmap_bytes, 40960);
	assert_int_equal(c.faults, 0);
	assert_int_equal(c.map_by_size[0], 4);
	assert_int_equal(c.map_by_size[3], 2);
}

/*
 * Default PAPI events: each is either counted (a machine with a PMU) or
 * unavailable with PAPI's reason (these VMs: "Component containing event is
 * disabled ..."), never silently missing.
 */
static void test_papi_default(void **state)
{
	struct ib_counters_cfg cfg = { .papi_events = NULL, .tracefs = 0,
				       .sysfs_root = "tests/fixtures/sysfs/does-not-exist" };
	static struct ib_counter_unavail_list u;
	static struct ib_counter_set s;
	static const char *const ev[][2] = { { "papi:PAPI_TOT_CYC", "cpu_cycles" },
					     { "papi:PAPI_TLB_DM", "dtlb_misses" } };
	struct ib_counters *ctr;
	int i, k, found;

	memset(&u, 0, sizeof(u));
	memset(&s, 0, sizeof(s));
	ctr = ib_counters_open(&cfg, &u);
	assert_non_null(ctr);
	ib_counters_start(ctr);
	ib_counters_stop(ctr, &s);
	ib_counters_close(ctr);
	for (i = 0; i < 2; i++) {
		found = 0;
		for (k = 0; k < u.n; k++)
			if (!strcmp(u.u[k].name, ev[i][0])) {
				assert_true(strlen(u.u[k].reason) > 0);
				found++;
			}
		for (k = 0; k < s.n; k++)
			if (!strcmp(s.c[k].name, ev[i][1])) {
				assert_string_equal(s.c[k].source, ev[i][0]);
				found++;
			}
		assert_int_equal(found, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_add),
		cmocka_unit_test(test_trace_parse),
		cmocka_unit_test(test_trace_parse_lab),
		cmocka_unit_test(test_papi_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
