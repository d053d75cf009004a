// SPDX-License-Identifier: GPL-2.0
/* The planner: cross products, row names, placement triples on the XML
 * fixture (GPU on node 1, NIC on node 2), and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_plan.h"

#define FIXTURE "tests/fixtures/topology/2pkg-4numa-gpu-nic.xml"

static struct ib_topo t;
static struct ib_suite s;

static int setup(void **state)
{
	char err[256];
	struct ib_topo_dev *d;
	int i;

	if (ib_topo_load(&t, FIXTURE, err, sizeof(err)))
		return -1;
	/* as if both were bound to the module with the map engine */
	for (i = 0; i < t.ndevs; i++) {
		d = &t.devs[i];
		d->engines = 1;
	}
	return 0;
}

static int teardown(void **state)
{
	ib_topo_free(&t);
	return 0;
}

static void plan_of(const char *text, struct ib_plan *p)
{
	char err[512];

	assert_int_equal(ib_suite_load_string(text, "t.suite", &s, err, sizeof(err)), 0);
	if (ib_plan_expand(&s, NULL, NULL, &t, false, p, err, sizeof(err)))
		fail_msg("plan: %s", err);
}

static void test_cross_product(void **state)
{
	struct ib_plan p;

	plan_of("[global]\nengine=cpu\n[pages]\npage_size=4k,2m\nwindow=2m,4m\nthreads=2\n", &p);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.pts[0].name, "pages/page_size:4k/window:2m");
	assert_string_equal(p.pts[1].name, "pages/page_size:4k/window:4m");
	assert_string_equal(p.pts[3].name, "pages/page_size:2m/window:4m");
	assert_int_equal(p.pts[3].p.u[IB_O_WINDOW], 4 << 20);
	assert_int_equal(p.pts[3].p.u[IB_O_THREADS], 2);
	/* cpu engine: anchored on the first node, local memory */
	assert_int_equal(p.pts[0].cpu_node, 0);
	assert_int_equal(p.pts[0].mem_node, 0);
	assert_int_equal(p.pts[0].dev_node, -1);
	assert_int_equal(p.pts[0].numa_distance, 10);
	ib_plan_free(&p);
}

static void test_cpu_all_mem_remote(void **state)
{
	struct ib_plan p;
	int i;

	plan_of("[numa]\nengine=cpu\ncpu_node=all\nmem_node=remote\n", &p);
	assert_int_equal(p.n, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(p.pts[i].cpu_node, i);
		assert_int_equal(p.pts[i].numa_distance, 20);
	}
	assert_int_equal(p.pts[0].mem_node, 2);
	assert_int_equal(p.pts[2].mem_node, 0);
	assert_string_equal(p.pts[1].name, "numa/cpu_node:1");
	ib_plan_free(&p);
}

static void test_device_anchor(void **state)
{
	struct ib_plan p;

	/* GPU on node 1: cpu local to it, memory on the far package */
	plan_of("[g]\nengine=map\ndevice=0000:41:00.0\nmem_node=remote\n", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.pts[0].device, "0000:41:00.0");
	assert_int_equal(p.pts[0].dev_node, 1);
	assert_int_equal(p.pts[0].cpu_node, 1);
	assert_int_equal(p.pts[0].mem_node, 2);
	assert_int_equal(p.pts[0].dist_dev_mem, 20);
	assert_int_equal(p.pts[0].numa_distance, 20);
	assert_string_equal(p.pts[0].skip, "");
	ib_plan_free(&p);

	/* every node that has a device: the GPU's and the NIC's */
	plan_of("[d]\nengine=map\ndev_node=all\nmem_node=local,remote\n", &p);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.pts[0].name, "d/mem_node:local/dev_node:1");
	assert_string_equal(p.pts[0].device, "0000:41:00.0");
	assert_int_equal(p.pts[0].mem_node, 1);
	assert_int_equal(p.pts[0].numa_distance, 10);
	assert_string_equal(p.pts[1].device, "0000:81:00.0");
	assert_int_equal(p.pts[1].cpu_node, 2);
	assert_int_equal(p.pts[3].mem_node, 0); /* remote from node 2 */
	ib_plan_free(&p);

	/* a device on another node than asked: skipped with the reason */
	plan_of("[x]\nengine=map\ndevice=0000:81:00.0\ndev_node=1\n", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.pts[0].skip, "device 0000:81:00.0 is on node 2, not dev_node=1");
	ib_plan_free(&p);

	/* no device on node 3 */
	plan_of("[y]\nengine=map\ndev_node=3\n", &p);
	assert_non_null(strstr(p.pts[0].skip, "no device for engine map"));
	ib_plan_free(&p);
}

static void test_refusals(void **state)
{
	struct ib_plan p;
	char err[512];

	assert_int_equal(ib_suite_load_string("[a]\nengine=cpu\nxfer_size=4m\nwindow=2m\n",
					      "t.suite", &s, err, sizeof(err)), 0);
	assert_int_equal(ib_plan_expand(&s, NULL, NULL, &t, false, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "t.suite: [a] xfer_size=4m: must not exceed window=2m");
	assert_int_equal(ib_suite_load_string("[a]\nengine=cpu\n", "t.suite", &s, err,
					      sizeof(err)), 0);
	assert_int_equal(ib_plan_expand(&s, NULL, "b", &t, false, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--only b: no such job"));
	/* nonexistent node: skipped, not an error */
	plan_of("[a]\nengine=cpu\nmem_node=7\n", &p);
	assert_string_equal(p.pts[0].skip, "mem_node=7: no such NUMA node here");
	ib_plan_free(&p);
}

static void test_cli_overrides(void **state)
{
	struct ib_plan p;
	struct ib_job cli;
	char err[512];

	memset(&cli, 0, sizeof(cli));
	assert_int_equal(ib_suite_load_string("[a]\nengine=cpu\npage_size=4k,2m\n[b]\nengine=null\n",
					      "t.suite", &s, err, sizeof(err)), 0);
	assert_int_equal(ib_job_set(&cli, "iterations", "10", "--iterations", 0, err, sizeof(err)), 0);
	assert_int_equal(ib_plan_expand(&s, &cli, "a", &t, false, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.pts[1].p.u[IB_O_ITERATIONS], 10);
	ib_plan_free(&p);
	/* adhoc: rows named after every given parameter */
	memset(&cli, 0, sizeof(cli));
	ib_job_set(&cli, "engine", "cpu", "--engine", 0, err, sizeof(err));
	ib_job_set(&cli, "page-size", "2m", "--page-size", 0, err, sizeof(err));
	ib_job_set(&cli, "window", "64m", "--window", 0, err, sizeof(err));
	memset(&s, 0, sizeof(s));
	s.njobs = 1;
	strcpy(s.jobs[0].name, "cpu");
	assert_int_equal(ib_plan_expand(&s, &cli, NULL, &t, true, &p, err, sizeof(err)), 0);
	assert_string_equal(p.pts[0].name, "cpu/page_size:2m/window:64m");
	ib_plan_free(&p);
}

/* Issue 8: the 60-value window list on a 700+ character line that inih
 * cut to 24 points gives 60. */
static void test_sixty_windows(void **state)
{
	char text[2048];
	struct ib_plan p;
	size_t off;
	int i;

	off = (size_t)snprintf(text, sizeof(text), "[global]\nengine=cpu\n[w]\nwindow=");
	for (i = 0; i < 60; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%lld",
					i ? "," : "", 10737418240LL + 4096LL * i);
	snprintf(text + off, sizeof(text) - off, "\n");
	assert_true(strlen(strstr(text, "window=")) > 700);
	plan_of(text, &p);
	assert_int_equal(p.n, 60);
	assert_string_equal(p.pts[59].name, "w/window:10737659904");
	ib_plan_free(&p);
}

/* "[global]\n<global>[big]\nwindow=<a>\nxfer_size=<b>\nthreads=<c>\n" */
static char *cube(int a, int b, int c, const char *global)
{
	size_t cap = 4096 + (size_t)(a + b + c) * 12, off;
	char *t = malloc(cap);
	int i;

	assert_non_null(t);
	off = (size_t)snprintf(t, cap, "[global]\nengine=cpu\n%s[big]\nwindow=", global);
	for (i = 0; i < a; i++)
		off += (size_t)snprintf(t + off, cap - off, "%s%dk", i ? "," : "", 4 * (i + 1));
	off += (size_t)snprintf(t + off, cap - off, "\nxfer_size=");
	for (i = 0; i < b; i++)
		off += (size_t)snprintf(t + off, cap - off, "%s%d", i ? "," : "", i + 1);
	off += (size_t)snprintf(t + off, cap - off, "\nthreads=");
	for (i = 0; i < c; i++)
		off += (size_t)snprintf(t + off, cap - off, "%s%d", i ? "," : "", i + 1);
	snprintf(t + off, cap - off, "\n");
	return t;
}

static void expect_plan_err(const char *text, const struct ib_job *cli,
			    const char *msg)
{
	struct ib_plan p;
	char err[1024];

	assert_int_equal(ib_suite_load_string(text, "t.suite", &s, err, sizeof(err)), 0);
	assert_int_equal(ib_plan_expand(&s, cli, NULL, &t, false, &p, err, sizeof(err)), -1);
	assert_null(p.pts);
	if (!strstr(err, msg))
		fail_msg("got \"%s\", expected it to contain \"%s\"", err, msg);
}

/* The 262,144-point plan (64^3): refused before anything is
 * allocated, with the count, the ETA (10 s max_time each) and the option. */
static void test_plan_cap(void **state)
{
	struct ib_plan p;
	struct ib_job cli;
	char err[1024], *text = cube(64, 64, 64, "");

	expect_plan_err(text, NULL,
			"t.suite: plan of 262144 points is more than --max-points 10000 "
			"(ETA up to 728:10:40 at max_time per point; ");
	expect_plan_err(text, NULL, "raise --max-points (max_points in [global]) up to 1000000");
	free(text);

	/* timed repetitions give a lower bound too: (1 + 3) x 1 s */
	text = cube(64, 64, 64, "duration=1s\n");
	expect_plan_err(text, NULL, "ETA 291:16:16 to 728:10:40: (warmup + min_reps) x duration");
	free(text);

	/* the cap is the count: 10000 points pass, 10001 do not */
	text = cube(100, 100, 1, "");
	plan_of(text, &p);
	assert_int_equal(p.n, 10000);
	ib_plan_free(&p);
	free(text);
	text = cube(100, 100, 1, "max_points=9999\n");
	expect_plan_err(text, NULL, "plan of 10000 points is more than --max-points 9999");
	free(text);

	/* --max-points on the command line wins over [global] */
	text = cube(4, 4, 4, "max_points=100\n");
	memset(&cli, 0, sizeof(cli));
	assert_int_equal(ib_job_set(&cli, "max-points", "63", "--max-points", 0, err, sizeof(err)), 0);
	expect_plan_err(text, &cli, "plan of 64 points is more than --max-points 63");
	plan_of(text, &p);
	assert_int_equal(p.n, 64);
	assert_false(p.pts[0].p.given[IB_O_MAX_POINTS]);
	assert_string_equal(p.pts[0].p.raw[IB_O_MAX_POINTS], "");
	ib_plan_free(&p);
	free(text);

	/* 4096^3 and beyond: counted without overflow, nothing allocated */
	text = malloc(1 << 20);
	{
		size_t off = (size_t)snprintf(text, 1 << 20, "[j]\nengine=null\n");
		const char *keys[] = { "iterations", "seed", "warmup", "min_reps",
				       "max_reps", "threads", "xfer_size" };
		size_t k;
		int i;

		for (k = 0; k < 7; k++) {
			off += (size_t)snprintf(text + off, (1 << 20) - off, "%s=", keys[k]);
			for (i = 0; i < 1000; i++)
				off += (size_t)snprintf(text + off, (1 << 20) - off, "%s%d",
							i ? "," : "", i + 1);
			off += (size_t)snprintf(text + off, (1 << 20) - off, "\n");
		}
	}
	expect_plan_err(text, NULL, "plan of at least 18446744073709551615 points");
	free(text);
}

/* The count before allocation is exact: node `all` and device nodes
 * included (fixture: 4 nodes with CPUs and memory, devices on 1 and 2). */
static void test_plan_count_exact(void **state)
{
	static const char *suites[] = {
		"[n]\nengine=cpu,map\ncpu_node=all,local\nmem_node=all,remote\n",
		/* [global]: cpu does not take dev_node or device (a job key it
		 * does not take is an error) */
		"[global]\ndev_node=all,1\ndevice=auto,0000:41:00.0\n"
		"[d]\nengine=map,cpu,edu\nmem_node=local,remote\n",
		"[a]\nengine=null\n[b]\nengine=map\ndev_node=all\ncpu_node=all\n",
	};
	struct ib_plan p;
	char text[512], msg[128];
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		plan_of(suites[i], &p);
		assert_true(p.n > 1);
		snprintf(text, sizeof(text), "[global]\nmax_points=%d\n%s", p.n - 1,
			 suites[i] + (strncmp(suites[i], "[global]\n", 9) ? 0 : 9));
		snprintf(msg, sizeof(msg), "plan of %d points is more than --max-points %d",
			 p.n, p.n - 1);
		expect_plan_err(text, NULL, msg);
		ib_plan_free(&p);
	}
}

/* A job key its engine does not take: one line naming key and engine;
 * the same key in [global] applies to the jobs that take it. */
static void test_engine_keys(void **state)
{
	struct ib_plan p;

	expect_plan_err("[j]\nengine=cpu\ngranule=4\n", NULL,
			"t.suite: [j] granule: engine cpu does not take this key");
	expect_plan_err("[j]\nengine=null\nwindow=64k\n", NULL,
			"t.suite: [j] window: engine null does not take this key");
	plan_of("[global]\nwindow=64k\ngranule=4\n[a]\nengine=null\n[b]\nengine=map\n", &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.pts[1].p.u[IB_O_GRANULE], 4);
	ib_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_product),
		cmocka_unit_test(test_cpu_all_mem_remote),
		cmocka_unit_test(test_device_anchor),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_cli_overrides),
		cmocka_unit_test(test_sixty_windows),
		cmocka_unit_test(test_plan_cap),
		cmocka_unit_test(test_plan_count_exact),
		cmocka_unit_test(test_engine_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
