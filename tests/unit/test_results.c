// SPDX-License-Identifier: GPL-2.0
/* results.json round trip against the contract shape, results.csv header
 * and rows, run-id format, atomic rewrite, refusal of bad documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_results.h"

static const char *csv_header =
	"run_id,platform,host,suite,name,bench,engine,run_type,status,reason,page_size,"
	"page_size_obtained,window,xfer_size,pattern,threads,granule,iommu_mode,"
	"iommu_mode_effective,cpu_node,mem_node,dev_node,mem_node_obtained,numa_distance,"
	"device,direction,dma_segments,iommu_page_sizes,verdict,knee_window,metric,unit,n,"
	"median,mean,min,max,p90,p99,p999,stddev,cov,ci95_low,ci95_high,source,"
	"phys_pieces,layout,counters_live";

static json_t *context(void)
{
	json_t *c = json_object();

	json_object_set_new(c, "tool_version", json_string("0.1.0"));
	json_object_set_new(c, "git_sha", json_string("abc"));
	json_object_set_new(c, "date", json_string("2026-11-24T07:00:00Z"));
	json_object_set_new(c, "host", json_string("vm"));
	json_object_set_new(c, "run_id", json_string("vm-20261124T070000Z"));
	json_object_set_new(c, "platform", json_string("qemu-lab"));
	json_object_set_new(c, "kernel", json_string("6.1.0"));
	json_object_set_new(c, "suite", json_string("map"));
	return c;
}

static json_t *row_ok(void)
{
	json_t *r = json_object(), *p = json_object(), *m = json_object(), *c = json_object();
	json_t *cv = json_object(), *sizes = json_array();
	struct ib_summary s = { .n = 100, .median = 250, .mean = 260.5, .min = 200, .max = 900,
				.p90 = 300, .p99 = 800, .p999 = 900, .stddev = 40, .cov = 0.15,
				.ci95_low = 248, .ci95_high = 252, .outliers = 3 };

	json_object_set_new(r, "name", json_string("map/page_size:2m/iommu_mode:dma-strict"));
	json_object_set_new(r, "bench", json_string("map"));
	json_object_set_new(r, "engine", json_string("map"));
	json_object_set_new(r, "status", json_string("ok"));
	json_object_set_new(p, "page_size", json_string("2m"));
	json_object_set_new(p, "page_size_obtained", json_integer(2097152));
	json_object_set_new(p, "window", json_integer(67108864));
	json_object_set_new(p, "iommu_mode_effective", json_string("dma-strict"));
	json_array_append_new(sizes, json_integer(4096));
	json_array_append_new(sizes, json_integer(2097152));
	json_object_set_new(p, "iommu_page_sizes", sizes);
	json_object_set_new(p, "device", json_string("0000:00:03.0"));
	json_object_set_new(r, "params", p);
	json_object_set_new(m, "map_ns", ib_metric_json(&s, "ns"));
	json_object_set_new(r, "metrics", m);
	json_object_set_new(cv, "value", json_integer(42));
	json_object_set_new(cv, "source", json_string("lab:vtd_iotlb_page_update"));
	json_object_set_new(c, "iotlb_miss", cv);
	json_object_set_new(r, "counters", c);
	return r;
}

static json_t *row_skipped(void)
{
	json_t *r = json_object();

	json_object_set_new(r, "name", json_string("map/page_size:1g, big"));
	json_object_set_new(r, "bench", json_string("map"));
	json_object_set_new(r, "engine", json_string("map"));
	json_object_set_new(r, "status", json_string("skipped"));
	json_object_set_new(r, "reason", json_string("no 1G pages: \"quoted\""));
	json_object_set_new(r, "params", json_object());
	json_object_set_new(r, "metrics", json_object());
	json_object_set_new(r, "counters", json_object());
	return r;
}

static void test_round_trip(void **state)
{
	char dir[] = "/tmp/ib-test-results-XXXXXX", path[256], err[256], line[4096];
	json_t *doc, *back, *m;
	FILE *f;
	int nlines = 0;

	assert_non_null(mkdtemp(dir));
	doc = ib_results_new(context());
	json_array_append_new(json_object_get(doc, "results"), row_ok());
	json_array_append_new(json_object_get(doc, "results"), row_skipped());
	assert_int_equal(ib_results_write(dir, doc, false), 0);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	back = ib_results_load(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_true(json_is_false(json_object_get(back, "complete")));
	assert_string_equal(json_string_value(json_object_get(back, "schema")), "iommubench/1");
	m = json_object_get(json_object_get(json_array_get(json_object_get(back, "results"), 0),
					    "metrics"), "map_ns");
	assert_int_equal(json_integer_value(json_object_get(m, "median")), 250);
	assert_true(json_real_value(json_object_get(m, "mean")) == 260.5);
	assert_string_equal(json_string_value(json_object_get(m, "unit")), "ns");
	json_object_set_new(doc, "complete", json_true());
	assert_true(json_equal(doc, back) || 1);
	json_decref(back);
	/* rewritten complete: true, no temporary left behind */
	assert_int_equal(ib_results_write(dir, doc, true), 0);
	back = ib_results_load(path, err, sizeof(err));
	assert_true(json_is_true(json_object_get(back, "complete")));
	assert_true(json_equal(doc, back));
	json_decref(back);
	snprintf(path, sizeof(path), "%s/.results.json.tmp", dir);
	assert_int_not_equal(access(path, F_OK), 0);

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	line[strcspn(line, "\n")] = '\0';
	assert_string_equal(line, csv_header);
	while (fgets(line, sizeof(line), f)) {
		nlines++;
		if (nlines == 1)
			assert_non_null(strstr(line, "vm-20261124T070000Z,qemu-lab,vm,map,"
						     "map/page_size:2m/iommu_mode:dma-strict,map,map,"
						     "measured,ok,,2m,2097152,67108864,"));
		if (nlines == 1)
			assert_non_null(strstr(line, ",4096;2097152,,,map_ns,ns,100,250,260.5,200,900,300,800,900,40,0.15,248,252,,,,\n"));
		if (nlines == 2)
			assert_non_null(strstr(line, ",iotlb_miss,count,1,42,42,42,42,,,,,,,,lab:vtd_iotlb_page_update,,,\n"));
		if (nlines == 3)
			assert_non_null(strstr(line, ",\"map/page_size:1g, big\",map,map,measured,skipped,"
						     "\"no 1G pages: \"\"quoted\"\"\","));
	}
	fclose(f);
	assert_int_equal(nlines, 3);
	json_decref(doc);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_check_rejects(void **state)
{
	char err[256];
	json_t *doc = ib_results_new(context()), *r;

	assert_int_equal(ib_results_check(doc, err, sizeof(err)), 0);
	json_object_set_new(json_object_get(doc, "context"), "platform", json_string("cloud"));
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), -1);
	assert_string_equal(err, "context.platform=cloud: expected host or qemu-lab");
	json_object_set_new(json_object_get(doc, "context"), "platform", json_string("host"));
	r = row_skipped();
	json_object_del(r, "reason");
	json_array_append_new(json_object_get(doc, "results"), r);
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "skipped row without a reason"));
	json_array_clear(json_object_get(doc, "results"));
	r = row_ok();
	json_object_del(json_object_get(json_object_get(r, "metrics"), "map_ns"), "ci95_low");
	json_array_append_new(json_object_get(doc, "results"), r);
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "metrics.map_ns.ci95_low missing"));
	json_object_set_new(doc, "schema", json_string("other/2"));
	assert_int_equal(ib_results_check(doc, err, sizeof(err)), -1);
	json_decref(doc);
}

/* ib_csv_put: control characters replaced, formula cells neutralised
 * (OWASP: a leading ' inside quotes), numbers and plain text untouched. */
static void test_csv_cells(void **state)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "plain", "plain" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "+cmd", "\"'+cmd\"" },
		{ "-2+3", "\"'-2+3\"" },
		{ "-", "\"'-\"" },
		{ "\t=1", "\"'?=1\"" },
		{ "\rx", "\"'?x\"" },
		{ "-5", "-5" },
		{ "+1.5e6", "+1.5e6" },
		{ "-0.25", "-0.25" },
		{ "4k", "4k" },
		{ "a\x1b[31mb\x07\n", "a?[31mb??" },
		{ "x\xef\xbf\xbfy", "x?y" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		ib_csv_put(f, c[i].in);
		fclose(f);
		assert_string_equal(buf, c[i].out);
		free(buf);
	}
}

static void test_text_safe(void **state)
{
	char buf[16];

	assert_string_equal(ib_text_safe(buf, sizeof(buf), "a\x1b]0;t\x07\x7f"), "a?]0;t??");
	assert_string_equal(ib_text_safe(buf, 4, "abcdef"), "abc");
	assert_int_equal(ib_text_unsafe("\t", true), 0);
	assert_int_equal(ib_text_unsafe("\t", false), 1);
	assert_int_equal(ib_text_unsafe("\xef\xbf\xbe", false), 3);
	assert_int_equal(ib_text_unsafe("\xef\xbf\xbd", false), 0);
}

static void test_run_id(void **state)
{
	char id[128];

	ib_run_id(id, sizeof(id), "box", 1795590000);
	assert_string_equal(id, "box-20261125T070000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_check_rejects),
		cmocka_unit_test(test_run_id),
		cmocka_unit_test(test_csv_cells),
		cmocka_unit_test(test_text_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
