// SPDX-License-Identifier: GPL-2.0
/*
 * report.c's pure parts: CSV reading (RFC 4180), HTML escaping, labels and
 * quoting, and the figure data extracted from tests/fixtures/report/run
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

static void test_csv_quoting(void **state)
{
	struct ib_csv c;
	char err[128];
	const char *text = "a,b,c\n"
			   "1,\"x, \"\"y\"\"\",3\r\n"
			   "\n"
			   "\"multi\nline\",,\n"
			   "short\n";

	assert_int_equal(ib_csv_parse(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ncols, 3);
	assert_int_equal(c.nrows, 3);
	assert_string_equal(ib_csv_get(&c, 0, "b"), "x, \"y\"");
	assert_string_equal(ib_csv_get(&c, 0, "c"), "3");
	assert_string_equal(ib_csv_get(&c, 1, "a"), "multi\nline");
	assert_string_equal(ib_csv_get(&c, 1, "b"), "");
	assert_string_equal(ib_csv_get(&c, 2, "a"), "short");
	assert_string_equal(ib_csv_get(&c, 2, "c"), ""); /* padded */
	assert_string_equal(ib_csv_get(&c, 0, "nope"), "");
	assert_int_equal(ib_csv_col(&c, "c"), 2);
	ib_csv_free(&c);
}

static void test_csv_errors(void **state)
{
	struct ib_csv c;
	char err[128];

	assert_int_equal(ib_csv_parse("a,b\n1,2,3\n", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: 3 fields, the header has 2");
	assert_int_equal(ib_csv_parse("a,b\n\"open,2\n", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: unterminated quoted field");
	assert_int_equal(ib_csv_parse("a\n\"x\"y\n", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: text after a closing quote");
	assert_int_equal(ib_csv_parse("", &c, err, sizeof(err)), -1);
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
	ib_gp_quote(buf, sizeof(buf), "it's /tmp/x\ny");
	assert_string_equal(buf, "'it''s /tmp/xy'");
	ib_shell_join(buf, sizeof(buf), argv, 5);
	assert_string_equal(buf, "iommubench run --suite 'a b' 'it'\\''s'");
	ib_shell_join(buf, 8, argv, 5); /* truncates, stays terminated */
	assert_true(strlen(buf) < 8);
}

/* The fixture's CSV, parsed. */
static struct ib_csv fixture;
static json_t *fixture_doc;

static int setup(void **state)
{
	char err[256], *text;

	fixture_doc = ib_results_load(FIX "/results.json", err, sizeof(err));
	if (!fixture_doc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (getenv("IB_REGEN_FIXTURES") &&
	    ib_results_write_csv(FIX "/results.csv", fixture_doc))
		return -1;
	text = slurp(FIX "/results.csv");
	if (!text || ib_csv_parse(text, &fixture, err, sizeof(err))) {
		fprintf(stderr, "results.csv: %s\n", text ? err : "missing");
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int teardown(void **state)
{
	ib_csv_free(&fixture);
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

	CAPTURE(buf, ib_fig_misses(&fixture, fixture_doc, f, why, sizeof(why)));
	assert_int_equal(n, 2);
	/* n = 3000 timed DMAs over 3 repetitions + 1 warm-up: 4000 counted */
	assert_non_null(strstr(buf, "\"4k\"\n65536 0.016 64 4000\n"));
	assert_non_null(strstr(buf, "4194304 1 4000 4000\n"));
	assert_non_null(strstr(buf, "\"2m\"\n65536 0.001 4 4000\n"));
	free(buf);
	buf = NULL;
	/* without results.json: the timed DMAs only */
	CAPTURE(buf, ib_fig_misses(&fixture, NULL, f, why, sizeof(why)));
	assert_non_null(strstr(buf, "65536 0.02133333333 64 3000\n"));
	free(buf);
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

	CAPTURE(buf, ib_fig_cdf(&fixture, fixture_doc, f, why, sizeof(why)));
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
	size_t i;
	int n;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")),
			    "numa/cpu_node:0/mem_node:0/dev_node:0"))
			break;
	for (i = 0; i < 4; i++)
		json_array_append_new(s, json_integer(40 - 10 * (json_int_t)i));
	json_object_set_new(row, "samples", json_pack("{so}", "dma_latency_ns", s));
	CAPTURE(buf, ib_fig_cdf(&fixture, doc, f, why, sizeof(why)));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "10 0.25\n20 0.5\n30 0.75\n40 1\n"));
	free(buf);
	json_decref(doc);
}

/* doc's CSV (results.c's writer), parsed. */
static void csv_of(json_t *doc, struct ib_csv *c)
{
	char tmpl[] = "/tmp/ib-report-XXXXXX", err[256], *text;
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ib_results_write_csv(tmpl, doc), 0);
	text = slurp(tmpl);
	unlink(tmpl);
	assert_non_null(text);
	assert_int_equal(ib_csv_parse(text, c, err, sizeof(err)), 0);
	free(text);
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
	struct ib_csv c;
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
	csv_of(doc, &c);
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
	CAPTURE(buf, ib_fig_cdf(&c, doc, f, why, sizeof(why)));
	assert_true(n > 0);
	assert_null(strstr(buf, "\n 0.5"));
	free(buf);
	ib_csv_free(&c);
	json_decref(doc);
}

/* Text from the results reaches gnuplot only as data-file titles and
 * single-quoted -e strings: neither can end its string or line. */
static void test_hostile_text(void **state)
{
	json_t *doc = json_deep_copy(fixture_doc), *row;
	char *buf = NULL, why[256] = "", q[256], *p;
	struct ib_csv c;
	size_t i;
	int n;

	json_array_foreach(json_object_get(doc, "results"), i, row)
		if (strstr(json_string_value(json_object_get(row, "name")), "page_size:2m/"))
			json_object_set_new(json_object_get(row, "params"), "page_size",
					    json_string("x\"; system(\"touch /tmp/ib-pwn\") #\n\\y"));
	row = fixture_row(doc, "hugepage/page_size:4k/window:64k");
	json_object_set_new(json_object_get(json_object_get(row, "metrics"), "dma_latency_ns"),
			    "ci95_low", json_string("1 2\n\n\n\"x\""));
	csv_of(doc, &c);
	CAPTURE(buf, ib_fig_window(&c, "dma_latency_ns", f, why, sizeof(why)));
	assert_int_equal(n, 2);
	/* the label: one line, quotes and backslash replaced */
	assert_non_null(strstr(buf, "\n\"x'; system('touch /tmp/ib-pwn') # 'y\"\n"));
	/* a string where a number belongs becomes gnuplot's missing value */
	assert_non_null(strstr(buf, "65536 100004096 - 100004108\n"));
	for (p = buf; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	free(buf);
	ib_csv_free(&c);
	json_decref(doc);
	ib_gp_quote(q, sizeof(q), "'; system(\"touch /tmp/ib-pwn\"); '");
	assert_string_equal(q, "'''; system(\"touch /tmp/ib-pwn\"); '''");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_labels_and_quoting),
		cmocka_unit_test(test_fixture_csv_in_sync),
		cmocka_unit_test(test_fig_window),
		cmocka_unit_test(test_fig_knees),
		cmocka_unit_test(test_fig_misses),
		cmocka_unit_test(test_fig_mapunmap),
		cmocka_unit_test(test_fig_numa),
		cmocka_unit_test(test_fig_cdf),
		cmocka_unit_test(test_fig_cdf_samples),
		cmocka_unit_test(test_null_metrics),
		cmocka_unit_test(test_hostile_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
