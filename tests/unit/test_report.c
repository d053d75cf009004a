// SPDX-License-Identifier: GPL-2.0
/*
 * report.c's pure parts: the number text shared with results.csv, HTML
 * escaping, labels and quoting, and the figure data extracted from the
 * typed rows (ib_run_view) of tests/fixtures/report/run
 * (a qemu-lab hugepage run, see gen_results_json.py).  Also checks that the
 * fixture's results.csv is what the harness's CSV writer makes of its
 * results.json; IB_REGEN_FIXTURES=1 rewrites it instead.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ib_report.h"
#include "ib_results.h"
#include "test_util.h"

#define FIX "tests/fixtures/report/run"

/* The number text the data files share with results.csv (results.c's
 * writer): %lld for integers, %.10g for reals, nothing else. */
static void test_num_text(void **state)
{
	char buf[40];
	json_t *v;

	v = json_integer(100004096);
	assert_true(ib_results_num_text(v, buf, sizeof(buf)));
	assert_string_equal(buf, "100004096");
	json_decref(v);
	v = json_real(0.000390625);
	assert_true(ib_results_num_text(v, buf, sizeof(buf)));
	assert_string_equal(buf, "0.000390625");
	json_decref(v);
	v = json_real(1.0 / 3);
	assert_true(ib_results_num_text(v, buf, sizeof(buf)));
	assert_string_equal(buf, "0.3333333333");
	json_decref(v);
	v = json_string("12");
	assert_false(ib_results_num_text(v, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	json_decref(v);
	assert_false(ib_results_num_text(NULL, buf, sizeof(buf)));
	v = json_null();
	assert_false(ib_results_num_text(v, buf, sizeof(buf)));
	json_decref(v);
}

static void test_html_escape(void **state)
{
	char *s = ib_html_escape("<script>alert('x') & \"y\"</script>");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(s);
	assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	free(s);
	s = ib_html_escape("");
	assert_string_equal(s, "");
	free(s);
	ib_html_put(f, "a<b>&");
	ib_html_put(f, NULL);
	fclose(f);
	assert_string_equal(buf, "a&lt;b&gt;&amp;");
	free(buf);
}

static void test_labels_and_quoting(void **state)
{
	char buf[256];
	const char *argv[] = { "iommubench", "run", "--suite", "a b", "it's" };

	ib_report_platform_label(buf, sizeof(buf), "qemu-lab", "ci-host");
	assert_string_equal(buf, "emulated (qemu-lab), host ci-host");
	ib_report_platform_label(buf, sizeof(buf), "host", "box1");
	assert_string_equal(buf, "host, host box1");
	/* control characters (LF, ESC, BEL, DEL) and U+FFFF become '?':
	 * gnuplot copies titles into the SVG, where they are not XML */
	ib_gp_quote(buf, sizeof(buf), "it's /tmp/x\ny");
	assert_string_equal(buf, "'it''s /tmp/x?y'");
	ib_gp_quote(buf, sizeof(buf), "h\x1b[31m\x07o\x7fst\xef\xbf\xbf!\xef\xbf\xbd");
	assert_string_equal(buf, "'h?[31m?o?st?!\xef\xbf\xbd'"); /* U+FFFD stays */
	{
		char *h = ib_html_escape("a\x1b[1m<b>\x07\t\n\r\xef\xbf\xbe");

		assert_non_null(h);
		assert_string_equal(h, "a?[1m&lt;b&gt;?\t\n??");
		free(h);
	}
	ib_shell_join(buf, sizeof(buf), argv, 5);
	assert_string_equal(buf, "iommubench run --suite 'a b' 'it'\\''s'");
	ib_shell_join(buf, 8, argv, 5); /* truncates, stays terminated */
	assert_true(strlen(buf) < 8);
}

/* The fixture's typed rows. */
static struct ib_run fixture;
static json_t *fixture_doc;

static int setup(void **state)
{
	char err[256];

	fixture_doc = ib_results_load(FIX "/results.json", err, sizeof(err));
	if (!fixture_doc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (getenv("IB_REGEN_FIXTURES") &&
	    ib_results_write_csv(FIX "/results.csv", fixture_doc))
		return -1;
	if (ib_run_view(&fixture, fixture_doc, err, sizeof(err))) {
		fprintf(stderr, "results.json: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	ib_run_free(&fixture);
	json_decref(fixture_doc);
	return 0;
}

static void test_fixture_csv_in_sync(void **state)
{
	char tmpl[] = "/tmp/ib-report-XXXXXX";
	int fd = mkstemp(tmpl);
	char *want, *got;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ib_results_write_csv(tmpl, fixture_doc), 0);
	got = slurp(tmpl);
	want = slurp(FIX "/results.csv");
	unlink(tmpl);
	assert_non_null(got);
	assert_non_null(want);
	if (strcmp(got, want))
		fail_msg("%s/results.csv is stale: rerun IB_REGEN_FIXTURES=1 build/tests/test_report",
			 FIX);
	free(got);
	free(want);
}

/* doc's typed rows (doc must outlive them). */
static void view_of(json_t *doc, struct ib_run *run)
{
	char err[256];

	assert_int_equal(ib_run_view(run, doc, err, sizeof(err)), 0);
}

/* Extractor output as a string. */
#define CAPTURE(buf, call)                                     \
	do {                                                   \
		size_t len_ = 0;                               \
		FILE *f = open_memstream(&(buf), &len_);       \
		assert_non_null(f);                            \
		n = (call);                                    \
		fclose(f);                                     \
	} while (0)

static void test_fig_window(void **state)
{
	char *buf = NULL, why[256] = "";
	int n;

	CAPTURE(buf, ib_fig_window(&fixture, "dma_latency_ns", f, why, sizeof(why)));
	assert_int_equal(n, 2);
	/* 4k first, windows ascending, median and CI of each point */
	assert_non_null(strstr(buf, "\"4k\"\n65536 100004096 100004084 100004108\n"
				    "262144 100008192 100008180 100008204\n"));
	assert_non_null(strstr(buf, "\n\n\n\"2m\"\n65536 100002048 "));
	assert_true(strstr(buf, "\"4k\"") < strstr(buf, "\"2m\""));
	free(buf);
	buf = NULL;
	CAPTURE(buf, ib_fig_window(&fixture, "map_ns", f, why, sizeof(why)));
	assert_int_equal(n, 0);
	assert_string_equal(why, "fewer than two windows with map_ns");
	free(buf);
}

static bool keep_2m(const struct ib_row *r)
{
	return r->p.page_size && !strcmp(r->p.page_size, "2m");
}

static bool keep_chase(const struct ib_row *r)
{
	return r->p.op && !strcmp(r->p.op, "chase");
}

/* The chase figure's selection: only the rows keep() accepts. */
static void test_fig_window_of(void **state)
{
	char *buf = NULL, why[256] = "";
	int n;

	CAPTURE(buf, ib_fig_window_of(&fixture, "dma_latency_ns", keep_2m, f, why, sizeof(why)));
	assert_int_equal(n, 1);
	/* the 2m series alone: its points, none of the 4k one's */
	assert_non_null(strstr(buf, "\n65536 100002048 "));
	assert_null(strstr(buf, "100020480")); /* 4k at 16 MiB */
	assert_non_null(strstr(buf, "16777216 100010240 "));
	free(buf);
	buf = NULL;
	/* the fixture has no op=chase rows */
	CAPTURE(buf, ib_fig_window_of(&fixture, "dma_latency_ns", keep_chase, f, why, sizeof(why)));
	assert_int_equal(n, 0);
	free(buf);
}

static void test_fig_knees(void **state)
{
	char *buf = NULL;
	int n;

	CAPTURE(buf, ib_fig_knees(&fixture, f));
	assert_int_equal(n, 1); /* 2m is skipped: no knee */
	assert_string_equal(buf, "1048576 \"4k\" 64\n");
	free(buf);
}

static void test_fig_misses(void **state)
{
	char *buf = NULL, why[256] = "";
	int n;

	CAPTURE(buf, ib_fig_misses(&fixture, f, why, sizeof(why)));
	assert_int_equal(n, 2);
	/* n = 3000 timed DMAs over 3 repetitions + 1 warm-up: 4000 counted */
	assert_non_null(strstr(buf, "\"4k\"\n65536 0.016 64 4000\n"));
	assert_non_null(strstr(buf, "4194304 1 4000 4000\n"));
	assert_non_null(strstr(buf, "\"2m\"\n65536 0.001 4 4000\n"));
	free(buf);
	buf = NULL;
	/* rows without a repetition count: the timed DMAs only */
	{
		json_t *doc = json_deep_copy(fixture_doc), *row;
		struct ib_run run;
		size_t i;

		json_array_foreach(json_object_get(doc, "results"), i, row)
			json_object_del(row, "repetitions");
		view_of(doc, &run);
		CAPTURE(buf, ib_fig_misses(&run, f, why, sizeof(why)));
		assert_non_null(strstr(buf, "65536 0.02133333333 64 3000\n"));
		free(buf);
		ib_run_free(&run);
		json_decref(doc);
	}
}

static void test_fig_mapunmap(void **state)
{
	char *buf = NULL, why[256] = "";
	int n;

	CAPTURE(buf, ib_fig_mapunmap(&fixture, f, why, sizeof(why)));
	assert_int_equal(n, 3); /* off is skipped */
	assert_non_null(strstr(buf, "\"identity\" 161 166 171 307 316 325\n"
				    "\"dma-lazy\" 911 916 921 1807 1816 1825\n"
				    "\"dma-strict\" 1411 1416 1421 2807 2816 2825\n"));
	free(buf);
}

static void test_fig_numa(void **state)
{
	char *buf = NULL, why[256] = "", label[256], devs[64];
	int n;

	CAPTURE(buf, ib_fig_numa(&fixture, f, label, sizeof(label), devs, sizeof(devs), why,
				 sizeof(why)));
	assert_int_equal(n, 1);
	assert_string_equal(devs, "0");
	assert_string_equal(buf, "# dev_node 0\n0 0 100000500\n0 1 100000700\n"
				 "1 0 100000900\n1 1 100001100\n");
	assert_non_null(strstr(label, "page_size=4k"));
	assert_non_null(strstr(label, "window=2097152"));
	free(buf);
}

static void test_fig_cdf(void **state)
{
	char *buf = NULL, why[256] = "";
	int n;

	CAPTURE(buf, ib_fig_cdf(&fixture, f, why, sizeof(why)));
	/* 14 rows with dma_latency_ns: the largest window of each series
	 * (4k and 2m of the hugepage job, the four numa placements) */
	assert_int_equal(n, 6);
	assert_string_equal(why, "6 of 14 rows: the largest window of each series");
	assert_non_null(strstr(buf, "100020456 0\n100020480 0.5\n100020492 0.9\n"
				    "100020504 0.99\n100020516 0.999\n100020528 1\n"));
	free(buf);
}

static void test_fig_cdf_samples(void **state)
{
	json_t *doc = json_deep_copy(fixture_doc), *row = NULL, *s = json_array();
	char *buf = NULL, why[256] = "";
	struct ib_run run;
	size_t i;
	int n;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")),
			    "numa/cpu_node:0/mem_node:0/dev_node:0"))
			break;
	for (i = 0; i < 4; i++)
		json_array_append_new(s, json_integer(40 - 10 * (json_int_t)i));
	json_object_set_new(row, "samples", json_pack("{so}", "dma_latency_ns", s));
	view_of(doc, &run);
	CAPTURE(buf, ib_fig_cdf(&run, f, why, sizeof(why)));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "10 0.25\n20 0.5\n30 0.75\n40 1\n"));
	free(buf);
	ib_run_free(&run);
	json_decref(doc);
}

static json_t *fixture_row(json_t *doc, const char *name)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")), name))
			return row;
	return NULL;
}

/* Null metric values (a JSON null median) leave the row out of the
 * figures instead of reaching gnuplot as an empty column. */
static void test_null_metrics(void **state)
{
	json_t *doc = json_deep_copy(fixture_doc), *row;
	char *buf = NULL, why[256] = "", label[256], devs[64];
	struct ib_run c;
	size_t i;
	int n;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));
		const char *key;
		json_t *m;

		json_object_foreach(json_object_get(row, "metrics"), key, m)
			if (strstr(name, "page_size:4k") || !strncmp(name, "numa/", 5) ||
			    !strcmp(key, "map_ns") || !strcmp(key, "unmap_ns"))
				json_object_set_new(m, "median", json_null());
	}
	view_of(doc, &c);
	CAPTURE(buf, ib_fig_window(&c, "dma_latency_ns", f, why, sizeof(why)));
	assert_int_equal(n, 1); /* 2m only */
	assert_null(strstr(buf, "\"4k\""));
	assert_null(strstr(buf, "  "));
	free(buf);
	buf = NULL;
	CAPTURE(buf, ib_fig_mapunmap(&c, f, why, sizeof(why)));
	assert_int_equal(n, 0);
	assert_string_equal(why, "no row has a map_ns or unmap_ns median");
	free(buf);
	buf = NULL;
	CAPTURE(buf, ib_fig_numa(&c, f, label, sizeof(label), devs, sizeof(devs), why,
				 sizeof(why)));
	assert_int_equal(n, 0);
	free(buf);
	buf = NULL;
	CAPTURE(buf, ib_fig_cdf(&c, f, why, sizeof(why)));
	assert_true(n > 0);
	assert_null(strstr(buf, "\n 0.5"));
	free(buf);
	ib_run_free(&c);
	json_decref(doc);
}

/* The map engine's batch rows (issue 22 §6): a figure of their own, one
 * map_ns and one unmap_ns block per mode, batch on x; the per-mode bars
 * leave them out.  Rows: the fixture's strict and lazy map rows, copied
 * with batch 1 and 256, medians scaled by 2 at 256. */
static void test_fig_mapbatch(void **state)
{
	static const char *const modes[] = { "dma-strict", "dma-lazy" };
	json_t *doc = json_deep_copy(fixture_doc), *rows = json_object_get(doc, "results");
	char *buf = NULL, why[256] = "", name[96];
	struct ib_run c;
	int n, m, b;

	for (m = 0; m < 2; m++)
		for (b = 0; b < 2; b++) {
			json_t *row, *ms;
			const char *k;
			json_t *v;

			snprintf(name, sizeof(name), "map/page_size:4k/iommu_mode:%s", modes[m]);
			row = json_deep_copy(fixture_row(doc, name));
			snprintf(name, sizeof(name), "map-batch/iommu_mode:%s/batch:%d", modes[m],
				 b ? 256 : 1);
			json_object_set_new(row, "name", json_string(name));
			json_object_set_new(json_object_get(row, "params"), "batch",
					    json_integer(b ? 256 : 1));
			ms = json_object_get(row, "metrics");
			json_object_foreach(ms, k, v) {
				json_t *med = json_object_get(v, "median");

				if (b && json_is_number(med))
					json_object_set_new(v, "median",
							    json_integer(2 * (json_int_t)json_number_value(med)));
			}
			json_array_append_new(rows, row);
		}
	view_of(doc, &c);
	CAPTURE(buf, ib_fig_mapbatch(&c, f, why, sizeof(why)));
	assert_int_equal(n, 4);
	assert_string_equal(buf, "\"dma-lazy map_ns\"\n1 911 916 921\n256 1822 916 921\n"
				 "\n\n\"dma-lazy unmap_ns\"\n1 1807 1816 1825\n256 3614 1816 1825\n"
				 "\n\n\"dma-strict map_ns\"\n1 1411 1416 1421\n256 2822 1416 1421\n"
				 "\n\n\"dma-strict unmap_ns\"\n1 2807 2816 2825\n256 5614 2816 2825\n");
	free(buf);
	buf = NULL;
	/* the per-mode bars: still the three rows without batch */
	CAPTURE(buf, ib_fig_mapunmap(&c, f, why, sizeof(why)));
	assert_int_equal(n, 3);
	assert_null(strstr(buf, "batch"));
	free(buf);
	buf = NULL;
	ib_run_free(&c);
	/* one batch size only: no line to draw, and the reason */
	view_of(fixture_doc, &c);
	CAPTURE(buf, ib_fig_mapbatch(&c, f, why, sizeof(why)));
	assert_int_equal(n, 0);
	assert_non_null(strstr(why, "no map rows with batch over two batch sizes"));
	free(buf);
	ib_run_free(&c);
	json_decref(doc);
}

/* Text from the results reaches gnuplot only as data-file titles and
 * single-quoted -e strings: neither can end its string or line. */
static void test_hostile_text(void **state)
{
	json_t *doc = json_deep_copy(fixture_doc), *row;
	char *buf = NULL, why[256] = "", q[256], *p;
	struct ib_run c;
	size_t i;
	int n;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (strstr(json_string_value(json_object_get(row, "name")), "page_size:2m/"))
			json_object_set_new(json_object_get(row, "params"), "page_size",
					    json_string("x\"; system(\"touch /tmp/ib-pwn\") #\n\\y"));
	row = fixture_row(doc, "hugepage/page_size:4k/window:64k");
	json_object_set_new(json_object_get(json_object_get(row, "metrics"), "dma_latency_ns"),
			    "ci95_low", json_string("1 2\n\n\n\"x\""));
	view_of(doc, &c);
	CAPTURE(buf, ib_fig_window(&c, "dma_latency_ns", f, why, sizeof(why)));
	assert_int_equal(n, 2);
	/* the label: one line, quotes and backslash replaced */
	assert_non_null(strstr(buf, "\n\"x'; system('touch /tmp/ib-pwn') # 'y\"\n"));
	/* a string where a number belongs becomes gnuplot's missing value */
	assert_non_null(strstr(buf, "65536 100004096 - 100004108\n"));
	for (p = buf; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	free(buf);
	ib_run_free(&c);
	json_decref(doc);
	ib_gp_quote(q, sizeof(q), "'; system(\"touch /tmp/ib-pwn\"); '");
	assert_string_equal(q, "'''; system(\"touch /tmp/ib-pwn\"); '''");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_num_text),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_labels_and_quoting),
		cmocka_unit_test(test_fixture_csv_in_sync),
		cmocka_unit_test(test_fig_window),
		cmocka_unit_test(test_fig_window_of),
		cmocka_unit_test(test_fig_knees),
		cmocka_unit_test(test_fig_misses),
		cmocka_unit_test(test_fig_mapunmap), cmocka_unit_test(test_fig_mapbatch),
		cmocka_unit_test(test_fig_numa),
		cmocka_unit_test(test_fig_cdf),
		cmocka_unit_test(test_fig_cdf_samples),
		cmocka_unit_test(test_null_metrics),
		cmocka_unit_test(test_hostile_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
