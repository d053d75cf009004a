// SPDX-License-Identifier: GPL-2.0
/* Suite files: good input, and bad input refused with file:line: key=value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

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
	expect_err("[a]\nengine=gpu\n", "engine=gpu: expected map, edu, dmaengine, cuda, cpu or null");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_job_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
