// SPDX-License-Identifier: GPL-2.0
/* Suite files: good input, and bad input refused with file:line: key=value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_suite.h"

static struct ib_suite s;

static void test_good(void **state)
{
	char err[512];
	const char *text = "# a comment\n"
			   "[global]\n"
			   "engine=cpu\n"
			   "window=64m\n"
			   "\n"
			   "[pages]\n"
			   "page_size=4k,2m,thp ; inline comment\n"
			   "description=one, two\n"
			   "[threads]\n"
			   "threads=1,2\n";

	assert_int_equal(ib_suite_load_string(text, "dir/hugepage.suite", &s, err, sizeof(err)), 0);
	assert_string_equal(s.name, "hugepage");
	assert_int_equal(s.njobs, 2);
	assert_true(s.global.set[IB_O_ENGINE]);
	assert_string_equal(s.global.value[IB_O_WINDOW], "64m");
	assert_string_equal(s.jobs[0].name, "pages");
	assert_string_equal(s.jobs[0].value[IB_O_PAGE_SIZE], "4k,2m,thp");
	assert_int_equal(s.jobs[0].vline[IB_O_PAGE_SIZE], 7);
	assert_string_equal(s.jobs[0].value[IB_O_DESCRIPTION], "one, two");
	assert_false(s.jobs[0].set[IB_O_THREADS]);
}

static void expect_err(const char *text, const char *msg)
{
	char err[512];

	assert_int_equal(ib_suite_load_string(text, "hugepage.suite", &s, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("got \"%s\", expected it to contain \"%s\"", err, msg);
}

static void test_bad(void **state)
{
	expect_err("[global]\nengine=cpu\n[a]\npage_size=4k,3m\n",
		   "hugepage.suite:4: page_size=3m: expected 4k, 2m, 1g or thp");
	expect_err("[a]\nwindow=64q\n", "hugepage.suite:2: window=64q: expected bytes");
	expect_err("[a]\npagesize=4k\n", "hugepage.suite:2: pagesize: unknown key");
	expect_err("engine=cpu\n[a]\n", "hugepage.suite:1: engine: key outside a section");
	expect_err("[global]\nengine=cpu\n", "no job sections");
	expect_err("[a]\nthis is not ini\n", "hugepage.suite:2: syntax error");
	expect_err("[a]\nengine=gpu\n", "engine=gpu: expected map, edu, dmaengine, cuda, cpu, nvme, vfio, net or null");
}

static void test_job_set(void **state)
{
	struct ib_job j;
	char err[512];

	memset(&j, 0, sizeof(j));
	assert_int_equal(ib_job_set(&j, "page-size", "4k,2m", "--page-size", 0, err, sizeof(err)), 0);
	assert_true(j.set[IB_O_PAGE_SIZE]);
	assert_int_equal(ib_job_set(&j, "page-size", "5m", "--page-size", 0, err, sizeof(err)), -1);
	assert_string_equal(err, "--page-size: page_size=5m: expected 4k, 2m, 1g or thp");
}

/* "[global]\n...[j]\n<key>=<n items>\n" with items from fmt(i). */
static char *list_suite(const char *key, int n, const char *bad, int bad_at)
{
	size_t cap = 64 + (size_t)n * 16, off;
	char *t = malloc(cap);
	int i;

	assert_non_null(t);
	off = (size_t)snprintf(t, cap, "[global]\nengine=null\n[j]\n%s=", key);
	for (i = 1; i <= n; i++)
		off += (size_t)snprintf(t + off, cap - off, "%s%s", i > 1 ? "," : "",
					i == bad_at ? bad : i % 2 ? "4k" : "8k");
	snprintf(t + off, cap - off, "\n");
	return t;
}

/* Issue 8: inih cut lines at 199 characters; a 60-value window list on a
 * line of 700+ characters now loads whole. */
static void test_long_line(void **state)
{
	char err[512], text[2048];
	size_t off;
	int i;

	off = (size_t)snprintf(text, sizeof(text), "[global]\nengine=null\n[w]\nwindow=");
	for (i = 0; i < 60; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%lld",
					i ? "," : "", 10737418240LL + 4096LL * i);
	assert_true(off - 32 > 700); /* the window= line */
	snprintf(text + off, sizeof(text) - off, " ; sixty windows\n");
	assert_int_equal(ib_suite_load_string(text, "w.suite", &s, err, sizeof(err)), 0);
	assert_int_equal(ib_opt_count(IB_O_WINDOW, s.jobs[0].value[IB_O_WINDOW]), 60);
	assert_non_null(strstr(s.jobs[0].value[IB_O_WINDOW], ",10737659904"));
}

/* Lists: up to IB_LIST_MAX_ITEMS items, every one checked, a clear error
 * past the cap. */
static void test_list_cap(void **state)
{
	char err[512];
	char *t;

	t = list_suite("window", IB_LIST_MAX_ITEMS, NULL, 0);
	assert_int_equal(ib_suite_load_string(t, "l.suite", &s, err, sizeof(err)), 0);
	assert_int_equal(ib_opt_count(IB_O_WINDOW, s.jobs[0].value[IB_O_WINDOW]),
			 IB_LIST_MAX_ITEMS);
	free(t);
	t = list_suite("window", 5000, NULL, 0);
	expect_err(t, "hugepage.suite:4: window: list of 5000 items; at most 4096");
	free(t);
	/* the last of 4096 items is checked as well as the first */
	t = list_suite("window", IB_LIST_MAX_ITEMS, "5q", IB_LIST_MAX_ITEMS);
	expect_err(t, "hugepage.suite:4: window=5q: expected bytes");
	free(t);
}

/* Item 65 used to be dropped unchecked (items[64]). */
static void test_item_65(void **state)
{
	struct ib_job j;
	char err[512], *t = list_suite("window", 65, "5q", 65), *v;

	v = strstr(t, "window=") + 7;
	v[strlen(v) - 1] = '\0';
	memset(&j, 0, sizeof(j));
	assert_int_equal(ib_job_set(&j, "window", v, "--window", 0, err, sizeof(err)), -1);
	assert_string_equal(err, "--window: window=5q: expected bytes with an optional k, m or g suffix, 4096..68719476736");
	v[strlen(v) - 1] = '\0'; /* 64 good items and "5" */
	assert_int_equal(ib_job_set(&j, "window", v, "--window", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "window=5: expected bytes"));
	free(t);
	/* an item too long for a value is refused, not cut */
	{
		char longv[400];

		memset(longv, '1', 300);
		strcpy(longv + 300, ",4k");
		assert_int_equal(ib_job_set(&j, "window", longv, "--window", 0, err, sizeof(err)), -1);
		assert_string_equal(err, "--window: window: item 1 of 2 has 300 characters; at most 255");
	}
}

static void expect_file_err(const char *bytes, size_t len, const char *msg)
{
	char path[] = "/tmp/ib-suite-XXXXXX", err[512];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	assert_int_equal(ib_suite_load(path, &s, err, sizeof(err)), -1);
	unlink(path);
	if (!strstr(err, msg))
		fail_msg("got \"%s\", expected it to contain \"%s\"", err, msg);
}

/* A NUL byte used to hide the rest of its line. */
static void test_nul_byte(void **state)
{
	static const char text[] = "[global]\nengine=cpu\n[a]\nwindow=4k\0\nthreads=2\n";

	expect_file_err(text, sizeof(text) - 1, ":4: NUL byte at column 10");
}

static void test_duplicates(void **state)
{
	expect_err("[a]\nengine=cpu\n[b]\nengine=cpu\n[a]\nthreads=2\n",
		   "hugepage.suite:5: [a]: duplicate section (first at line 1)");
	expect_err("[global]\nengine=cpu\n[a]\n[global]\nthreads=2\n",
		   "hugepage.suite:4: [global]: duplicate section (first at line 1)");
	expect_err("[a]\nwindow=4k\nthreads=1\nwindow=8k\n",
		   "hugepage.suite:4: [a] window: duplicate key (first at line 2)");
	/* the same key spelt two ways is the same key */
	expect_err("[global]\npage_size=4k\npage-size=2m\n[a]\n",
		   "hugepage.suite:3: [global] page-size: duplicate key (first at line 2)");
}

static void test_syntax_kept(void **state)
{
	char err[512];

	/* inih's syntax, as the suites use it; a job with no keys is a job */
	assert_int_equal(ib_suite_load_string("\xEF\xBB\xBF; comment\n  [global]  \n"
					      "engine : cpu\nwindow= 4m ;c\n"
					      "description=a;b\n[empty]\n[b] # x\nthreads=2\n",
					      "x.suite", &s, err, sizeof(err)), 0);
	assert_string_equal(s.global.value[IB_O_ENGINE], "cpu");
	assert_string_equal(s.global.value[IB_O_WINDOW], "4m");
	assert_string_equal(s.global.value[IB_O_DESCRIPTION], "a;b");
	assert_int_equal(s.njobs, 2);
	assert_string_equal(s.jobs[0].name, "empty");
	expect_err("[a]\nmax_points=5\n", "hugepage.suite:2: [a] max_points: a whole-plan option");
	expect_err("[a\nthreads=2\n", "hugepage.suite:1: syntax error");
}

/* A line longer than any list can be is refused without reading it all. */
static void test_overlong_line(void **state)
{
	size_t n = IB_SUITE_MAX_LINE + 100;
	char *t = malloc(n + 32);

	assert_non_null(t);
	strcpy(t, "[a]\ndescription=");
	memset(t + strlen(t), 'x', n);
	t[n] = '\0';
	expect_err(t, "hugepage.suite:2: line longer than");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_job_set),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_list_cap),
		cmocka_unit_test(test_item_65),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_syntax_kept),
		cmocka_unit_test(test_overlong_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
