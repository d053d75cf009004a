// SPDX-License-Identifier: GPL-2.0
/*
 * counters_perf.c against recorded sysfs PMU trees
 * (tests/fixtures/sysfs/{intel-dmar-pmu,amd-iommu-pmu}, strings from
 * drivers/iommu/intel/perfmon.c and arch/x86/events/amd/iommu.c): format
 * parsing, perf-style encoding into config/config1/config2, and the session
 * degrading to "unavailable" with the errno reason where perf_event_open
 * cannot open the PMU (it cannot on a machine without these PMUs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../harness/src/counters/counters_sources.h"
#include "ib_counters.h"

#define INTEL "tests/fixtures/sysfs/intel-dmar-pmu"
#define AMD "tests/fixtures/sysfs/amd-iommu-pmu"
#define DEVS "/sys/bus/event_source/devices"

static void test_parse_format(void **state)
{
	uint64_t m;
	int f;

	assert_int_equal(ib_pmu_parse_format("config:0-27", &f, &m), 0);
	assert_int_equal(f, 0);
	assert_true(m == 0x0fffffffULL);
	assert_int_equal(ib_pmu_parse_format("config:28-31\n", &f, &m), 0);
	assert_true(m == 0xf0000000ULL);
	assert_int_equal(ib_pmu_parse_format("config1:32-51", &f, &m), 0);
	assert_int_equal(f, 1);
	assert_true(m == 0x000fffff00000000ULL);
	assert_int_equal(ib_pmu_parse_format("config2:5", &f, &m), 0);
	assert_int_equal(f, 2);
	assert_true(m == 0x20);
	assert_int_equal(ib_pmu_parse_format("config:0-7,32-35", &f, &m), 0);
	assert_true(m == 0xf000000ffULL);
	assert_int_equal(ib_pmu_parse_format("config:7-3", &f, &m), -1);
	assert_int_equal(ib_pmu_parse_format("config:0-64", &f, &m), -1);
	assert_int_equal(ib_pmu_parse_format("bogus:1", &f, &m), -1);
	assert_int_equal(ib_pmu_parse_format("config:x", &f, &m), -1);
}

static void test_intel_fixture(void **state)
{
	static struct ib_pmu pmu;
	char err[256];
	uint64_t c[3];
	const struct ib_pmu_event *e;

	assert_int_equal(ib_pmu_load(INTEL DEVS "/dmar0", "dmar0", &pmu, err, sizeof(err)), 0);
	assert_int_equal(pmu.type, 25);
	assert_int_equal(pmu.cpu, 0);
	assert_int_equal(pmu.nformats, 12);
	assert_int_equal(pmu.nevents, 24);
	e = ib_pmu_event(&pmu, "iotlb_lookup");
	assert_non_null(e);
	assert_string_equal(e->terms, "event_group=0x3,event=0x001");
	/* event config:0-27 = 0x001, event_group config:28-31 = 3 -> 0x30000001 */
	assert_int_equal(ib_pmu_encode(&pmu, e->terms, c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x30000001ULL && c[1] == 0 && c[2] == 0);
	assert_int_equal(ib_pmu_encode(&pmu, ib_pmu_event(&pmu, "iotlb_hit")->terms,
				       c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x30000002ULL);
	assert_int_equal(ib_pmu_encode(&pmu, ib_pmu_event(&pmu, "ctxt_cache_lookup")->terms,
				       c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x20000001ULL);
	assert_int_equal(ib_pmu_encode(&pmu, ib_pmu_event(&pmu, "hpt_nonleaf_hit")->terms,
				       c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x20000200ULL);
	/* filters: domain_en config1:1, domain config1:32-47, page_table
	 * config2:32-36 -> config1 = 2 | 5 << 32, config2 = 0x1f << 32 */
	assert_int_equal(ib_pmu_encode(&pmu,
				       "event_group=0x3,event=0x1,filter_domain_en,filter_domain=0x5,filter_page_table=0x1f",
				       c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x30000001ULL);
	assert_true(c[1] == 0x500000002ULL);
	assert_true(c[2] == 0x1f00000000ULL);
	/* filter_ats is 5 bits (config2:24-28): 0x20 does not fit */
	assert_int_equal(ib_pmu_encode(&pmu, "filter_ats=0x20", c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "filter_ats"));
	assert_int_equal(ib_pmu_encode(&pmu, "umask=0x1", c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "umask"));
	/* raw config terms pass through */
	assert_int_equal(ib_pmu_encode(&pmu, "config=0x1234,config2=7", c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x1234 && c[2] == 7);
}

static void test_amd_fixture(void **state)
{
	static struct ib_pmu pmu;
	char err[256];
	uint64_t c[3];

	assert_int_equal(ib_pmu_load(AMD DEVS "/amd_iommu_0", "amd_iommu_0", &pmu, err, sizeof(err)), 0);
	assert_int_equal(pmu.type, 11);
	assert_int_equal(pmu.nformats, 7);
	assert_int_equal(pmu.nevents, 24);
	assert_string_equal(ib_pmu_event(&pmu, "mem_iommu_tlb_pte_mis")->terms, "csource=0x07");
	assert_string_equal(ib_pmu_event(&pmu, "tlb_inv")->terms, "csource=0x13");
	/* csource config:0-7, devid config:8-23, devid_mask config1:0-15 */
	assert_int_equal(ib_pmu_encode(&pmu, "csource=0x07,devid=0x1100,devid_mask=0xffff",
				       c, err, sizeof(err)), 0);
	assert_true(c[0] == 0x110007ULL);
	assert_true(c[1] == 0xffffULL);
	/* pasid config:40-59 */
	assert_int_equal(ib_pmu_encode(&pmu, "csource=0x5,pasid=0x3", c, err, sizeof(err)), 0);
	assert_true(c[0] == (0x5ULL | (0x3ULL << 40)));
	assert_int_equal(ib_pmu_encode(&pmu, "csource=0x100", c, err, sizeof(err)), -1);
}

/* A format with two ranges: the value's bits fill them low to high. */
static void test_scattered_format(void **state)
{
	static struct ib_pmu pmu;
	char err[128];
	uint64_t c[3];

	snprintf(pmu.name, sizeof(pmu.name), "synthetic");
	pmu.nformats = 1;
	snprintf(pmu.fmt[0].name, sizeof(pmu.fmt[0].name), "event");
	assert_int_equal(ib_pmu_parse_format("config:0-3,8-11", &pmu.fmt[0].field,
					     &pmu.fmt[0].mask), 0);
	assert_int_equal(ib_pmu_encode(&pmu, "event=0xab", c, err, sizeof(err)), 0);
	assert_true(c[0] == 0xa0bULL);
}

static int find_unavail(const struct ib_counter_unavail_list *u, const char *name)
{
	int i;

	for (i = 0; i < u->n; i++)
		if (!strcmp(u->u[i].name, name))
			return i;
	return -1;
}

static int find_counter(const struct ib_counter_set *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return i;
	return -1;
}

/*
 * Through the session on the Intel tree: every raw event on dmar0 and
 * dmar1 is either counted or listed unavailable with a reason; on a machine
 * without these PMU types (this one) all are unavailable with
 * "perf_event_open: <strerror>".  PAPI and tracefs are switched off.
 */
static void test_session_intel(void **state)
{
	static const char *const raw[] = { "iotlb_lookup", "iotlb_hit",
					   "ctxt_cache_lookup", "ctxt_cache_hit" };
	struct ib_counters_cfg cfg = { .papi_events = "none", .tracefs = 0,
				       .sysfs_root = INTEL };
	static struct ib_counter_unavail_list u;
	static struct ib_counter_set set;
	struct ib_counters *ctr;
	char name[96];
	int unit, i, k, opened = 0;

	memset(&u, 0, sizeof(u));
	ctr = ib_counters_open(&cfg, &u);
	assert_non_null(ctr);
	assert_int_equal(ib_counters_start(ctr), 0);
	memset(&set, 0, sizeof(set));
	ib_counters_stop(ctr, &set);
	for (unit = 0; unit < 2; unit++)
		for (i = 0; i < 4; i++) {
			snprintf(name, sizeof(name), "perf:dmar%d/%s", unit, raw[i]);
			k = find_unavail(&u, name);
			if (k < 0) {
				opened++;
				continue;
			}
			assert_non_null(strstr(u.u[k].reason, "perf_event_open: "));
			assert_true(strlen(u.u[k].reason) > strlen("perf_event_open: "));
		}
	if (opened) /* only on a machine with these PMUs */
		assert_true(find_counter(&set, "iotlb_lookup") >= 0);
	else
		assert_int_equal(set.n, 0);
	/* the core "cpu" PMU of the tree is not an IOMMU PMU */
	for (i = 0; i < u.n; i++)
		assert_null(strstr(u.u[i].name, "perf:cpu"));
	ib_counters_close(ctr);
}

static void test_session_filter_and_amd(void **state)
{
	struct ib_counters_cfg cfg = { .papi_events = "none", .sysfs_root = INTEL,
				       .perf_pmus = "dmar1" };
	static struct ib_counter_unavail_list u;
	struct ib_counters *ctr;
	int i;

	memset(&u, 0, sizeof(u));
	ctr = ib_counters_open(&cfg, &u);
	ib_counters_close(ctr);
	assert_true(find_unavail(&u, "perf:dmar1/iotlb_hit") >= 0);
	for (i = 0; i < u.n; i++)
		assert_null(strstr(u.u[i].name, "dmar0"));

	memset(&u, 0, sizeof(u));
	cfg.perf_pmus = NULL;
	cfg.sysfs_root = AMD;
	ctr = ib_counters_open(&cfg, &u);
	ib_counters_close(ctr);
	assert_true(find_unavail(&u, "perf:amd_iommu_0/mem_iommu_tlb_pte_mis") >= 0);
	assert_true(find_unavail(&u, "perf:amd_iommu_0/tlb_inv") >= 0);
	assert_true(find_unavail(&u, "perf:amd_iommu_0/mem_dte_hit") >= 0);

	memset(&u, 0, sizeof(u));
	cfg.sysfs_root = "tests/fixtures/sysfs/does-not-exist";
	ctr = ib_counters_open(&cfg, &u);
	ib_counters_close(ctr);
	i = find_unavail(&u, "perf:iommu");
	assert_true(i >= 0);
	assert_non_null(strstr(u.u[i].reason, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_intel_fixture),
		cmocka_unit_test(test_amd_fixture),
		cmocka_unit_test(test_scattered_format),
		cmocka_unit_test(test_session_intel),
		cmocka_unit_test(test_session_filter_and_amd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
