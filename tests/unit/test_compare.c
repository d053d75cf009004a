// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench compare` on tests/fixtures/compare/{a,b}/results.json.
 * Expected values, by hand:
 *  map_ns: 1500/1000 = 1.5; ratio range [1480/1010, 1520/990] =
 *    [1.465346535, 1.535353535]; CIs [990,1010] and [1480,1520] disjoint:
 *    significant (ci-overlap).
 *  unmap_ns: 520/500 = 1.04, range [480/550, 560/450] = [0.8727272727,
 *    1.244444444]; CIs overlap: not significant.
 *  dma_latency_ns: samples 1..20 vs 6..25, CIs [6,15] and [11,20] overlap,
 *    but Mann-Whitney decides: ties at 6..20 (15 pairs, tie term 15*6 = 90);
 *    A's ranks 1..5 plus (2v - 5.5) for v = 6..20 -> R1 = 15 + 307.5 = 322.5,
 *    U = 322.5 - 210 = 112.5, mu = 200, sigma^2 = 400/12 * (41 - 90/1560)
 *    = 1364.744, z = (87.5 - 0.5)/36.9424 = 2.35501, p = 0.01852194628:
 *    significant.  Ratio 15.5/10.5 = 1.476190476.
 *  pin/n1: one sample each (100 vs 200): no 95% CI, so not significant
 *    although the degenerate "CIs" are disjoint (method n<6); ratio 2.
 *  iotlb_miss counter: 50/100 = 0.5.
 *  Not compared: only/in-a, only/in-b, skipped/1g (skipped in A).
 */
#include <fcntl.h>
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
#include "test_util.h"

#define A "tests/fixtures/compare/a"
#define B "tests/fixtures/compare/b/results.json"
#define IDS "labA-20261124T070000Z,labB-20261124T080000Z,"

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

/* A private directory for compare.csv and its overlay plots. */
static int tmpdir_csv(char *dir, char *csvp)
{
	assert_non_null(mkdtemp(dir));
	snprintf(csvp, 64, "%s/compare.csv", dir);
	return open(csvp, O_CREAT | O_WRONLY, 0600);
}

static void rm_tmpdir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Runs compare with stdout captured into *out. */
static int run(char **argv, int argc, char **out)
{
	char tmpl[] = "/tmp/ib-test-compare-out-XXXXXX";
	int fd = mkstemp(tmpl), saved, ret;

	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	ret = cmd_compare(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	*out = slurp(tmpl);
	unlink(tmpl);
	return ret;
}

static void test_two_runs(void **state)
{
	char dir[] = "/tmp/ib-test-compare-XXXXXX", csvp[64];
	int fd = tmpdir_csv(dir, csvp);
	char *argv[] = { "compare", A, B, "-o", csvp, NULL };
	char *out, *csv, plot[96];

	close(fd);
	assert_int_equal(run(argv, 5, &out), 0);
	csv = slurp(csvp);
	assert_non_null(csv);
	assert_non_null(strstr(csv, "run_a,run_b,name,metric,unit,median_a,"));
	assert_non_null(strstr(csv, IDS "map/page_size:4k,map_ns,ns,1000,990,1010,1500,1480,1520,1.5,1.465346535,1.535353535,yes,ci-overlap,,yes\n"));
	assert_non_null(strstr(csv, IDS "map/page_size:4k,unmap_ns,ns,500,450,550,520,480,560,1.04,0.8727272727,1.244444444,no,ci-overlap,,no\n"));
	assert_non_null(strstr(csv, IDS "dma/window:64k,dma_latency_ns,ns,10.5,6,15,15.5,11,20,1.476190476,0.7333333333,3.333333333,yes,mann-whitney,0.0185219"));
	assert_non_null(strstr(csv, IDS "map/page_size:4k,iotlb_miss,count,100,,,50,,,0.5,,,,counter,,\n"));
	assert_null(strstr(csv, "only/in-a"));
	assert_null(strstr(csv, "only/in-b"));
	assert_null(strstr(csv, "skipped/1g"));
	assert_non_null(strstr(csv, IDS "pin/n1,pin_ns,ns,100,100,100,200,200,200,2,2,2,no,n<6,,no\n"));
	assert_int_equal(count(csv, "\n"), 6); /* header + 4 metrics + 1 counter */
	/* overlay plots next to the CSV, one per metric */
	snprintf(plot, sizeof(plot), "%s/compare-map_ns.svg", dir);
	assert_int_equal(access(plot, R_OK), 0);
	assert_non_null(strstr(out, "overlay plots: 4 metric(s), "));

	/* context diff names what differs and only that */
	assert_non_null(strstr(out, "  kernel: 6.1.0-56-amd64 | 6.1.0-57-amd64\n"));
	assert_non_null(strstr(out, "  host: labA | labB\n"));
	assert_non_null(strstr(out, "  hugepages.2048kB: {\"nr\":64} | {\"nr\":128}\n"));
	assert_null(strstr(out, "iommu."));
	assert_null(strstr(out, "cpu."));
	assert_non_null(strstr(out, "rows only in labA-20261124T070000Z: 1, only in labB-20261124T080000Z: 1, not ok in either: 1"));
	assert_non_null(strstr(out, "4 metric comparisons, 2 significant, 2 of them by at least 1%"));
	free(out);
	free(csv);
	rm_tmpdir(dir);
}

/* N runs: each is compared with the first.  A vs A: 5 metrics (map_ns,
 * unmap_ns, dma_latency_ns, only/in-a map_ns, pin_ns) + 1 counter, none
 * significant; with A vs B: 9 metric comparisons, 2 significant.
 * --min-effect 60: map_ns (+50%) and dma_latency_ns (+47.6%) stay
 * significant but are not called different. */
static void test_n_runs_and_errors(void **state)
{
	char dir[] = "/tmp/ib-test-compare-XXXXXX", csvp[64];
	int fd = tmpdir_csv(dir, csvp);
	char *argv[] = { "compare", A, A, B, "-o", csvp, NULL };
	char *bad[] = { "compare", A, "tests/fixtures/compare/nope", NULL };
	char *one[] = { "compare", A, NULL };
	char *effect[] = { "compare", A, B, "--min-effect", "60", "-o", csvp, NULL };
	char *out, *csv;

	close(fd);
	assert_int_equal(run(argv, 6, &out), 0);
	csv = slurp(csvp);
	assert_int_equal(count(csv, "labA-20261124T070000Z,labA-20261124T070000Z,"), 6);
	assert_int_equal(count(csv, IDS), 5);
	assert_int_equal(count(csv, "labA-20261124T070000Z,labA-20261124T070000Z,dma/window:64k,dma_latency_ns,ns,10.5,6,15,10.5,6,15,1,0.4,2.5,no,mann-whitney,"), 1);
	assert_non_null(strstr(out, "9 metric comparisons, 2 significant, 2 of them by at least 1%"));
	free(out);
	free(csv);
	assert_int_equal(run(effect, 7, &out), 0);
	assert_non_null(strstr(out, "4 metric comparisons, 2 significant, 0 of them by at least 60%"));
	free(out);
	csv = slurp(csvp);
	assert_non_null(strstr(csv, "1.535353535,yes,ci-overlap,,no\n"));
	free(csv);
	rm_tmpdir(dir);
	assert_int_equal(run(bad, 3, &out), 1);
	free(out);
	assert_int_equal(run(one, 2, &out), 1);
	free(out);
}

/* Runs compare with stderr captured into *err. */
static int run_err(char **argv, int argc, char **err)
{
	char tmpl[] = "/tmp/ib-test-compare-err-XXXXXX";
	int fd = mkstemp(tmpl), saved, ret;

	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	ret = cmd_compare(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	*err = slurp(tmpl);
	unlink(tmpl);
	return ret;
}

/* A copy of A's results.json with its schema replaced (NULL: removed). */
static void write_schema(const char *path, const char *schema)
{
	char *text = slurp(A "/results.json"), *at;
	FILE *f = fopen(path, "w");
	const char *key = "\"schema\": \"iommubench/1\",";

	assert_non_null(text);
	assert_non_null(f);
	at = strstr(text, key);
	assert_non_null(at);
	fwrite(text, 1, (size_t)(at - text), f);
	if (schema)
		fprintf(f, "\"schema\": \"%s\",", schema);
	fputs(at + strlen(key), f);
	fclose(f);
	free(text);
}

/* Readers refuse a results file of another (or no) schema: exit 1, one
 * line naming the file and the field.  A full or missing output
 * directory: exit 3, one line, no temporary left. */
static void test_schema_and_write_errors(void **state)
{
	char dir[] = "/tmp/ib-test-compare-XXXXXX", csvp[64], bad[96], none[96], out3[128];
	int fd = tmpdir_csv(dir, csvp);
	char *argv[] = { "compare", A, bad, "-o", csvp, NULL };
	char *argv2[] = { "compare", none, A, "-o", csvp, NULL };
	char *argv3[] = { "compare", A, B, "-o", out3, NULL };
	char *err;

	close(fd);
	snprintf(bad, sizeof(bad), "%s/v0.json", dir);
	snprintf(none, sizeof(none), "%s/none.json", dir);
	snprintf(out3, sizeof(out3), "%s/nodir/compare.csv", dir);
	write_schema(bad, "iommubench/0");
	write_schema(none, NULL);
	assert_int_equal(run_err(argv, 5, &err), 1);
	assert_non_null(strstr(err, "v0.json: schema: expected \"iommubench/1\""));
	assert_int_equal(count(err, "\n"), 1);
	free(err);
	assert_int_equal(run_err(argv2, 5, &err), 1);
	assert_non_null(strstr(err, "none.json: schema"));
	assert_int_equal(count(err, "\n"), 1);
	free(err);
	assert_int_equal(run_err(argv3, 5, &err), 3);
	assert_non_null(strstr(err, "nodir/compare.csv: No such file or directory"));
	assert_int_equal(count(err, "\n"), 1);
	free(err);
	rm_tmpdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_runs),
		cmocka_unit_test(test_n_runs_and_errors),
		cmocka_unit_test(test_schema_and_write_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
