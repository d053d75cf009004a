// SPDX-License-Identifier: GPL-2.0
/* Issue 8 at the unit level: run-id and suite-name validation, the atomic
 * run-directory claim, checked results writes (a file-size limit stands in
 * for a full disk: every failed write must surface, no temporary may stay,
 * results.json and results.csv must stay a pair), path-length checks, the
 * latest link and the confinement check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "ib_results.h"
#include "test_util.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_name_check(void **state)
{
	static const char *const good[] = { "smoke", "vm-20261129T111215Z", "cpu-4k",
					    "a.b_c+d", "vm-20261129T111215Z-2", "x" };
	static const char *const bad[] = { "", ".", "..", "latest", "a/b", "-x", ".hidden",
					   "x';touch /tmp/PWNED;'", "a b", "a\nb", "$(id)",
					   "a\\b", "\xc3\xa9t\xc3\xa9" };
	char err[512], long_ok[IB_NAME_MAX + 1], too_long[IB_NAME_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ib_name_check("--run-id", good[i], err, sizeof(err)), 0);
	memset(long_ok, 'a', IB_NAME_MAX);
	long_ok[IB_NAME_MAX] = '\0';
	assert_int_equal(ib_name_check("--run-id", long_ok, err, sizeof(err)), 0);
	memset(too_long, 'a', IB_NAME_MAX + 1);
	too_long[IB_NAME_MAX + 1] = '\0';
	assert_int_equal(ib_name_check("--run-id", too_long, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "129 characters"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ib_name_check("context.suite", bad[i], err, sizeof(err)), -1);
		/* one line naming the field and the allowed form */
		assert_int_equal(strncmp(err, "context.suite=", 14), 0);
		assert_non_null(strstr(err, "expected 1-128 characters of A-Z a-z 0-9 . _ + -"));
		assert_null(strchr(err, '\n'));
	}
	ib_name_check("--run-id", "latest", err, sizeof(err));
	assert_non_null(strstr(err, "reserved"));
	ib_name_check("--run-id", "x';touch /tmp/PWNED;'", err, sizeof(err));
	assert_non_null(strstr(err, "character ''' not allowed"));
}

static void test_run_id_hostile_host(void **state)
{
	char id[IB_NAME_MAX + 1], err[512];

	ib_run_id(id, sizeof(id), "ho'st/x y", 1795590000);
	assert_string_equal(id, "ho_st_x_y-20261125T070000Z");
	assert_int_equal(ib_name_check("run-id", id, err, sizeof(err)), 0);
	ib_run_id(id, sizeof(id), "", 1795590000);
	assert_string_equal(id, "host-20261125T070000Z");
	ib_run_id(id, sizeof(id), ".box", 1795590000);
	assert_string_equal(id, "_box-20261125T070000Z");
}

static void test_claim(void **state)
{
	char dir[] = "/tmp/ib-test-claim-XXXXXX", run[PATH_MAX], id[IB_NAME_MAX + 16];

	assert_non_null(mkdtemp(dir));
	/* explicit: the first wins, the second is told it exists */
	assert_int_equal(ib_run_dir_claim(dir, "same", true, run, sizeof(run), id, sizeof(id)), 0);
	assert_string_equal(id, "same");
	assert_int_equal(ib_run_dir_claim(dir, "same", true, run, sizeof(run), id, sizeof(id)), 1);
	/* automatic: suffixes */
	assert_int_equal(ib_run_dir_claim(dir, "same", false, run, sizeof(run), id, sizeof(id)), 0);
	assert_string_equal(id, "same-2");
	assert_int_equal(ib_run_dir_claim(dir, "same", false, run, sizeof(run), id, sizeof(id)), 0);
	assert_string_equal(id, "same-3");
	assert_non_null(strstr(run, "/same-3"));
	/* a symlink in the way is never followed: it counts as taken */
	assert_int_equal(symlink("/", strcat(strcpy(run, dir), "/link")), 0);
	assert_int_equal(ib_run_dir_claim(dir, "link", true, run, sizeof(run), id, sizeof(id)), 1);
	assert_int_equal(ib_run_dir_claim(dir, "link", false, run, sizeof(run), id, sizeof(id)), 0);
	assert_string_equal(id, "link-2");
	/* a parent that is not there: an error with errno, not a claim */
	assert_int_equal(ib_run_dir_claim("/nonexistent/ib", "x", false, run, sizeof(run), id,
					  sizeof(id)),
			 3);
	assert_int_equal(errno, ENOENT);
	rm_rf(dir);
}

static void test_paths(void **state)
{
	char small[8], big[PATH_MAX + 64];

	assert_int_equal(ib_pathf(small, sizeof(small), "%s", "1234567"), 0);
	errno = 0;
	assert_int_equal(ib_pathf(small, sizeof(small), "%s/%s", "1234", "5678"), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* longer than PATH_MAX: refused whole, never truncated and created */
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	assert_int_equal(ib_mkdir_p(big), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* A document whose CSV is much bigger than its JSON: the host is repeated
 * on every CSV line. */
static json_t *doc_with_rows(int nrows)
{
	json_t *c = json_object(), *doc;
	char host[2001];
	int i;

	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	json_object_set_new(c, "tool_version", json_string("0.1.0"));
	json_object_set_new(c, "date", json_string("2026-11-24T07:00:00Z"));
	json_object_set_new(c, "host", json_string(host));
	json_object_set_new(c, "run_id", json_string("r"));
	json_object_set_new(c, "platform", json_string("host"));
	json_object_set_new(c, "kernel", json_string("6.1.0"));
	json_object_set_new(c, "suite", json_string("adhoc"));
	doc = ib_results_new(c);
	for (i = 0; i < nrows; i++) {
		json_t *r = json_object();
		char name[32];

		snprintf(name, sizeof(name), "null/%d", i);
		json_object_set_new(r, "name", json_string(name));
		json_object_set_new(r, "status", json_string("skipped"));
		json_object_set_new(r, "reason", json_string("x"));
		json_object_set_new(r, "params", json_object());
		json_array_append_new(json_object_get(doc, "results"), r);
	}
	return doc;
}

static off_t size_of(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? -1 : st.st_size;
}

static void set_fsize(rlim_t lim)
{
	struct rlimit r = { lim, RLIM_INFINITY };

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void test_checked_writes(void **state)
{
	char dir[] = "/tmp/ib-test-writes-XXXXXX", failed[PATH_MAX], path[PATH_MAX];
	json_t *doc = doc_with_rows(1), *big = doc_with_rows(20), *back;
	off_t json1, csv1, json20, csv20;
	char err[256];

	assert_non_null(mkdtemp(dir));
	signal(SIGXFSZ, SIG_IGN); /* write() then fails with EFBIG */
	assert_int_equal(ib_results_write_at(dir, doc, false, failed, sizeof(failed)), 0);
	json1 = size_of(dir, "results.json");
	csv1 = size_of(dir, "results.csv");
	assert_true(json1 > 0 && csv1 > 0);
	/* sizes of the 20-row pair, then back to the 1-row pair */
	assert_int_equal(ib_results_write_at(dir, big, false, failed, sizeof(failed)), 0);
	json20 = size_of(dir, "results.json");
	csv20 = size_of(dir, "results.csv");
	assert_true(csv20 > json20 + 4096);
	assert_int_equal(ib_results_write_at(dir, doc, false, failed, sizeof(failed)), 0);

	/* the JSON cannot be written: an error naming results.json, the old
	 * pair untouched, no temporary left */
	set_fsize((rlim_t)json1 + 1);
	errno = 0;
	assert_int_equal(ib_results_write_at(dir, big, true, failed, sizeof(failed)), -1);
	assert_int_equal(errno, EFBIG);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	assert_string_equal(failed, path);
	assert_int_equal(size_of(dir, "results.json"), json1);
	assert_int_equal(size_of(dir, "results.csv"), csv1);
	assert_int_equal(size_of(dir, ".results.json.tmp"), -1);
	assert_int_equal(size_of(dir, ".results.csv.tmp"), -1);

	/* the JSON fits but the CSV does not: neither is replaced */
	set_fsize((rlim_t)json20 + 16);
	assert_true((off_t)json20 + 16 < csv20);
	assert_int_equal(ib_results_write_at(dir, big, true, failed, sizeof(failed)), -1);
	assert_int_equal(errno, EFBIG);
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	assert_string_equal(failed, path);
	assert_int_equal(size_of(dir, "results.json"), json1);
	assert_int_equal(size_of(dir, "results.csv"), csv1);
	assert_int_equal(size_of(dir, ".results.json.tmp"), -1);
	assert_int_equal(size_of(dir, ".results.csv.tmp"), -1);
	/* the CSV alone, too */
	snprintf(path, sizeof(path), "%s/alone.csv", dir);
	assert_int_equal(ib_results_write_csv(path, big), -1);
	assert_int_not_equal(access(path, F_OK), 0);
	set_fsize(RLIM_INFINITY);

	/* and the pair on disk is still a valid 1-row document */
	snprintf(path, sizeof(path), "%s/results.json", dir);
	back = ib_results_load(path, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(json_array_size(json_object_get(back, "results")), 1);
	json_decref(back);

	/* a directory that is not there */
	assert_int_equal(ib_results_write_at("/nonexistent/ib", doc, true, failed,
					     sizeof(failed)),
			 -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(failed, "/nonexistent/ib/results.json");
	json_decref(doc);
	json_decref(big);
	rm_rf(dir);
}

static void test_write_file(void **state)
{
	char dir[] = "/tmp/ib-test-wfile-XXXXXX", path[PATH_MAX], *back;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(ib_write_file(path, "abc\n", 4, true), 0);
	back = slurp(path);
	assert_string_equal(back, "abc\n");
	free(back);
	/* never through a symlink */
	snprintf(path, sizeof(path), "%s/l", dir);
	assert_int_equal(symlink("f", path), 0);
	assert_int_equal(ib_write_file(path, "x", 1, false), -1);
	assert_int_equal(errno, ELOOP);
	snprintf(path, sizeof(path), "%s/f", dir);
	back = slurp(path);
	assert_string_equal(back, "abc\n");
	free(back);
	assert_int_equal(ib_fsync_dir(dir), 0);
	rm_rf(dir);
}

static void test_latest_and_confined(void **state)
{
	char dir[] = "/tmp/ib-test-latest-XXXXXX", path[PATH_MAX], link[PATH_MAX], err[PATH_MAX * 3];
	ssize_t n;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(ib_results_link_latest(dir, "run-1"), 0);
	assert_int_equal(ib_results_link_latest(dir, "run-2"), 0);
	snprintf(path, sizeof(path), "%s/latest", dir);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "run-2");
	snprintf(path, sizeof(path), "%s/.latest.%ld.tmp", dir, (long)getpid());
	assert_int_not_equal(access(path, F_OK), 0);

	snprintf(path, sizeof(path), "%s/in", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(ib_results_confined(dir, path, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(symlink("/tmp", path), 0);
	assert_int_equal(ib_results_confined(dir, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside"));
	snprintf(path, sizeof(path), "%s/in/../..", dir);
	assert_int_equal(ib_results_confined(dir, path, err, sizeof(err)), -1);
	rm_rf(dir);
}

/* The typed run model: params parsed once, series keyed by params. */
static void test_run_view(void **state)
{
	static const char *const skip_window[] = { "window", NULL };
	const char *text =
		"{\"schema\": \"iommubench/1\", \"context\": {\"run_id\": \"h-1\", "
		"\"platform\": \"host\"}, \"results\": ["
		"{\"name\": \"j/page_size:2m/window:64k\", \"bench\": \"dma\", "
		"\"engine\": \"edu\", \"status\": \"ok\", \"params\": {\"page_size\": "
		"\"2m\", \"window\": 65536, \"cpu_node\": 1, \"mem_node\": \"local\"}, "
		"\"metrics\": {\"dma_latency_ns\": {\"unit\": \"ns\", \"n\": 5, "
		"\"median\": 7.5}}, \"counters\": {\"iotlb_miss\": {\"value\": 3, "
		"\"source\": \"lab:x\"}}},"
		"{\"name\": \"j/page_size:2m/window:1m\", \"bench\": \"dma\", "
		"\"engine\": \"edu\", \"status\": \"ok\", \"params\": {\"page_size\": "
		"\"2m\", \"window\": 1048576, \"cpu_node\": 1, \"mem_node\": \"local\"}},"
		"{\"name\": \"k/page_size:4k\", \"run_type\": \"derived\", "
		"\"status\": \"skipped\", \"reason\": \"r\", \"params\": {\"page_size\": \"4k\"}}]}";
	char err[256], a[256], b[256];
	struct ib_run run;
	struct ib_summary s;
	const char *unit, *src;
	double v;
	json_t *doc = json_loads(text, 0, NULL);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ib_run_view(&run, doc, err, sizeof(err)), 0);
	assert_int_equal(run.nrows, 3);
	assert_string_equal(run.run_id, "h-1");
	assert_string_equal(run.rows[0].bench, "dma");
	assert_int_equal(run.rows[0].p.page_size_bytes, 2 << 20);
	assert_true(run.rows[0].p.window == 65536);
	assert_string_equal(run.rows[0].p.cpu_node, "1");
	assert_string_equal(run.rows[0].p.mem_node, "local");
	assert_int_equal(run.rows[0].p.threads, -1);
	assert_true(ib_row_metric(&run.rows[0], "dma_latency_ns", &s, &unit));
	assert_true(s.median == 7.5);
	assert_string_equal(unit, "ns");
	assert_false(ib_row_metric(&run.rows[0], "map_ns", &s, NULL));
	assert_true(ib_row_counter(&run.rows[0], "iotlb_miss", &v, &src));
	assert_true(v == 3);
	assert_string_equal(src, "lab:x");
	assert_true(run.rows[2].derived);
	assert_int_equal(run.rows[2].status, IB_ROW_SKIPPED);
	assert_int_equal(run.rows[2].p.page_size_bytes, 4096);
	/* the two windows of one sweep: one series without the window */
	ib_row_series_key(&run.rows[0], skip_window, a, sizeof(a));
	ib_row_series_key(&run.rows[1], skip_window, b, sizeof(b));
	assert_string_equal(a, b);
	ib_row_series_key(&run.rows[0], NULL, a, sizeof(a));
	ib_row_series_key(&run.rows[1], NULL, b, sizeof(b));
	assert_string_not_equal(a, b);
	/* truncation: like snprintf */
	assert_true(ib_row_series_key(&run.rows[0], NULL, a, 4) > 3);
	assert_int_equal(strlen(a), 3);
	ib_run_free(&run);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_run_id_hostile_host),
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_checked_writes),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_latest_and_confined),
		cmocka_unit_test(test_run_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
