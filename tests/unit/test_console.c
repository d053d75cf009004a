// SPDX-License-Identifier: GPL-2.0
/*
 * The console's lines for lab rows (issue 22 §5, cli/console.c): an edu row
 * in the lab, whose DMA timing is flat by construction, prints no timing;
 * any other lab timing is marked "(emulated)"; a host row keeps the brief
 * point.c wrote and the table prints it as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ib_console.h"
#include "test_util.h"

static json_t *ctx_of(const char *platform)
{
	return json_pack("{s:s}", "platform", platform);
}

/* An ok measured row: dma_latency_ns median med_ns (n, CI +-1 %), with
 * bandwidth and iops when asked. */
static json_t *row_of(const char *name, const char *engine, double med_ns, bool bw_iops)
{
	json_t *m = json_object(), *r;

	json_object_set_new(m, "dma_latency_ns",
			    json_pack("{s:s, s:f, s:i, s:f, s:f}", "unit", "ns", "median", med_ns,
				      "n", 500, "ci95_low", med_ns * 0.99, "ci95_high", med_ns * 1.01));
	if (bw_iops) {
		json_object_set_new(m, "bandwidth_bytes_per_s",
				    json_pack("{s:s, s:f, s:i}", "unit", "bytes_per_s", "median",
					      1024000.0, "n", 500));
		json_object_set_new(m, "iops",
				    json_pack("{s:s, s:f, s:i}", "unit", "ios_per_s", "median", 250.0,
					      "n", 500));
	}
	r = json_pack("{s:s, s:s, s:s, s:s, s:{s:i}, s:o, s:i, s:b}", "name", name, "engine",
		      engine, "run_type", "measured", "status", "ok", "params", "page_size_obtained",
		      4096, "metrics", m, "repetitions", 3, "converged", 1);
	return r;
}

static void test_brief_lab_flat(void **state)
{
	json_t *ctx = ctx_of("qemu-lab"), *row = row_of("hugepage/page_size:4k", "edu", 1e8, true);
	char brief[256] = "dma_latency_ns median 100.00 ms (n=500, ci95 +-1.00%), bandwidth 20.48 kB/s";

	ib_console_brief(ctx, row, brief, sizeof(brief));
	assert_string_equal(brief, "timing flat by construction (emulated edu); counts after merge");
	json_decref(row);
	json_decref(ctx);
}

static void test_brief_lab_emulated(void **state)
{
	json_t *ctx = ctx_of("qemu-lab"), *row = row_of("hugepage/nvme", "nvme", 4e6, true);
	char brief[256] = "dma_latency_ns median 4.00 ms (n=500, ci95 +-1.00%)";

	ib_console_brief(ctx, row, brief, sizeof(brief));
	assert_string_equal(brief, "dma_latency_ns median 4.00 ms (emulated; n=500, ci95 +-1.00%), "
				   "bandwidth 1.02 MB/s (emulated), 250 iops (emulated)");
	json_decref(row);
	json_decref(ctx);
}

static void test_brief_host_unchanged(void **state)
{
	json_t *ctx = ctx_of("host"), *row = row_of("hugepage/page_size:4k", "edu", 1e8, false);
	const char *was = "dma_latency_ns median 100.00 ms (n=500, ci95 +-1.00%)";
	char brief[256];

	snprintf(brief, sizeof(brief), "%s", was);
	ib_console_brief(ctx, row, brief, sizeof(brief));
	assert_string_equal(brief, was);
	json_decref(row);
	json_decref(ctx);
}

/* A lab row with a verdict (isolation) keeps its brief, and a skipped row. */
static void test_brief_lab_verdict_kept(void **state)
{
	json_t *ctx = ctx_of("qemu-lab"), *row = row_of("isolation/x", "edu", 1e8, false);
	char brief[256] = "verdict isolated, 4 IOMMU faults";

	json_object_set_new(row, "verdict", json_string("isolated"));
	ib_console_brief(ctx, row, brief, sizeof(brief));
	assert_string_equal(brief, "verdict isolated, 4 IOMMU faults");
	json_object_set_new(row, "status", json_string("skipped"));
	json_object_del(row, "verdict");
	snprintf(brief, sizeof(brief), "no hugepages");
	ib_console_brief(ctx, row, brief, sizeof(brief));
	assert_string_equal(brief, "no hugepages");
	json_decref(row);
	json_decref(ctx);
}

/* ib_console_table's stdout for doc, as a string (free() it). */
static char *table_of(json_t *doc)
{
	char path[] = "/tmp/ib-console-XXXXXX";
	int fd = mkstemp(path), saved;
	char *out;

	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	ib_console_table(doc);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	out = slurp(path);
	unlink(path);
	return out;
}

static void test_table(void **state)
{
	json_t *lab = json_pack("{s:o, s:[o, o]}", "context", ctx_of("qemu-lab"), "results",
				row_of("a/edu", "edu", 1e8, false), row_of("b/nvme", "nvme", 4e6, false));
	json_t *host = json_pack("{s:o, s:[o]}", "context", ctx_of("host"), "results",
				 row_of("a/edu", "edu", 1e8, false));
	char *t = table_of(lab), *h = table_of(host);

	assert_non_null(t);
	assert_non_null(h);
	/* the edu row: no timing, what comes instead */
	assert_non_null(strstr(t, "a/edu: ok\n    timing flat by construction (emulated edu); "
				  "counts after merge\n    page_size_obtained 4096"));
	assert_null(strstr(t, "100.00 ms"));
	/* the nvme row: its timing, marked */
	assert_non_null(strstr(t, "b/nvme: ok\n    dma_latency_ns         median 4.00 ms "
				  "(emulated; 95% CI 3.96 ms .. 4.04 ms, n=500)\n"));
	/* a host row: as before */
	assert_non_null(strstr(h, "a/edu: ok\n    dma_latency_ns         median 100.00 ms "
				  "(95% CI 99.00 ms .. 101.00 ms, n=500)\n"));
	assert_null(strstr(h, "emulated"));
	free(t);
	free(h);
	json_decref(lab);
	json_decref(host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brief_lab_flat),
		cmocka_unit_test(test_brief_lab_emulated),
		cmocka_unit_test(test_brief_host_unchanged),
		cmocka_unit_test(test_brief_lab_verdict_kept),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
