// SPDX-License-Identifier: GPL-2.0
/*
 * The repetition controller with a fake engine and a fake clock:
 * convergence, warm-up discarded, the min/max_reps caps, max_time, an
 * interrupt (the cut repetition not counted), bandwidth that must converge
 * too, an engine failure, and the between-buffer CI of fresh buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ib_repctl.h"
#include "ib_stats.h"

static uint64_t fake_ns;
static uint64_t fake_now(void)
{
	return fake_ns;
}

struct fake {
	int calls;
	bool noisy;	      /* latency samples scattered: never converges */
	bool noisy_bw;	      /* latency tight, bandwidth scattered */
	bool no_bw;	      /* moves no bytes (map, null): no bandwidth */
	uint64_t step_ns;     /* fake clock advance per repetition */
	int interrupt_at;     /* set *interrupted during this call (1-based) */
	int fail_at;	      /* return fail_rc at this call */
	int fail_rc;
	int levels;	      /* >0: each repetition tight at 1000 + 20 * (call % levels) */
	volatile sig_atomic_t *intr;
};

static int fake_rep(void *arg, struct ib_rep *rep, char *err, size_t errlen)
{
	struct fake *f = arg;
	int i;

	f->calls++;
	fake_ns += f->step_ns;
	if (f->fail_at && f->calls == f->fail_at) {
		snprintf(err, errlen, "fake failure");
		return f->fail_rc;
	}
	for (i = 0; i < 100; i++) {
		double v = 1000;

		if (f->noisy)
			v = (double)((f->calls * 7919 + i * 104729) % 1000) * 10 + 1;
		if (f->levels)
			v = 1000 + 20 * (f->calls % f->levels);
		ib_metric_push(&rep->m[IB_M_DMA_LATENCY], v);
	}
	rep->bytes_moved = f->no_bw ? 0 : f->noisy_bw ? (uint64_t)(f->calls % 2 ? 1000 : 9000) : 4096;
	rep->elapsed_ns = 1000;
	rep->have_facts = true;
	rep->phys_pieces = 10 + f->calls; /* a new buffer every call */
	if (f->interrupt_at && f->calls == f->interrupt_at)
		*f->intr = 1;
	return IB_EXIT_OK;
}

static volatile sig_atomic_t intr;

static void setup_ctl(struct ib_repctl *c, uint64_t warmup, uint64_t min_reps,
		      uint64_t max_reps, uint64_t max_time_ns)
{
	struct ib_params p;

	ib_params_defaults(&p);
	ib_repctl_init(c, &p);
	c->warmup = warmup;
	c->min_reps = min_reps;
	c->max_reps = max_reps;
	c->max_time_ns = max_time_ns;
	c->now = fake_now;
	c->interrupted = &intr;
	intr = 0;
	fake_ns = 0;
}

static int run(struct ib_repctl *c, struct fake *f, char *why, size_t len)
{
	struct ib_rep rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	f->intr = &intr;
	rc = ib_repctl_run(c, fake_rep, f, &rep, why, len);
	ib_rep_free(&rep);
	return rc;
}

/* Identical samples, no bandwidth: converged as soon as min_reps are in. */
static void test_converges_at_min_reps(void **state)
{
	struct ib_repctl c;
	struct fake f = { .no_bw = true };
	char why[128] = "";

	setup_ctl(&c, 2, 3, 30, 10000000000ULL);
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_true(c.converged);
	assert_int_equal(c.stop, IB_REPCTL_CONVERGED);
	assert_int_equal(c.reps, 3);
	assert_int_equal(f.calls, 5); /* 2 warm-up, discarded */
	assert_int_equal(c.m[IB_M_DMA_LATENCY].n, 300);
	assert_int_equal(c.bw.n, 0);
	assert_int_equal(ib_repctl_primary(&c), IB_M_DMA_LATENCY);
	ib_repctl_free(&c);
}

/* Bandwidth is one value a repetition, and a 95% CI of a median needs 6
 * values: with bandwidth, convergence comes at 6 repetitions at least. */
static void test_bandwidth_needs_six(void **state)
{
	struct ib_repctl c;
	struct fake f = { 0 };
	char why[128] = "";

	setup_ctl(&c, 0, 3, 30, 10000000000ULL);
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_true(c.converged);
	assert_int_equal(c.reps, 6);
	assert_int_equal(c.bw.n, 6);
	ib_repctl_free(&c);
}

/* Scattered samples never converge: max_reps caps. */
static void test_max_reps_cap(void **state)
{
	struct ib_repctl c;
	struct fake f = { .noisy = true };
	char why[128] = "";

	setup_ctl(&c, 0, 1, 7, 10000000000ULL);
	c.target_ci = 0.0001;
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_false(c.converged);
	assert_int_equal(c.stop, IB_REPCTL_MAX_REPS);
	assert_int_equal(c.reps, 7);
	ib_repctl_free(&c);
}

/* Tight latency is not enough: bandwidth must converge too. */
static void test_bandwidth_must_converge(void **state)
{
	struct ib_repctl c;
	struct fake f = { .noisy_bw = true };
	char why[128] = "";

	setup_ctl(&c, 0, 2, 6, 10000000000ULL);
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_false(c.converged);
	assert_int_equal(c.reps, 6);
	ib_repctl_free(&c);
}

/* max_time: 1 s per repetition, 3 s allowed (warm-up not timed). */
static void test_time_limit(void **state)
{
	struct ib_repctl c;
	struct fake f = { .noisy = true, .step_ns = 1000000000ULL };
	char why[128] = "";

	setup_ctl(&c, 1, 1, 1000, 3000000000ULL);
	c.target_ci = 0.0001;
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_int_equal(c.stop, IB_REPCTL_MAX_TIME);
	assert_int_equal(c.reps, 3);
	assert_int_equal(f.calls, 4);
	ib_repctl_free(&c);
}

/* A signal during repetition 3: that one is not counted. */
static void test_interrupt(void **state)
{
	struct ib_repctl c;
	struct fake f = { .noisy = true, .interrupt_at = 3 };
	char why[128] = "";

	setup_ctl(&c, 0, 1, 100, 10000000000ULL);
	c.target_ci = 0.0001;
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_int_equal(c.stop, IB_REPCTL_INTERRUPTED);
	assert_int_equal(c.reps, 2);
	assert_int_equal(c.m[IB_M_DMA_LATENCY].n, 200);
	ib_repctl_free(&c);

	/* interrupted during warm-up: nothing counted, nothing more run */
	f = (struct fake){ .interrupt_at = 1 };
	setup_ctl(&c, 3, 1, 100, 10000000000ULL);
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_int_equal(c.stop, IB_REPCTL_INTERRUPTED);
	assert_int_equal(c.reps, 0);
	assert_int_equal(f.calls, 1);
	ib_repctl_free(&c);
}

/* An engine's skip or failure stops at once with its code. */
/*
 * Fresh buffers (layout=): every repetition is tight on its own, but the
 * buffers differ by 2 % from one to the next.  Pooled, the median's CI is
 * one value (converged); per buffer, it spans the buffers' medians, so the
 * 1 % target is never met and the CI reported is [1000, 1040].
 */
static void test_per_buffer_ci(void **state)
{
	struct ib_repctl c;
	struct fake f = { .no_bw = true, .levels = 3 };
	struct ib_summary s;
	char why[128] = "";

	setup_ctl(&c, 0, 6, 12, 10000000000ULL);
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_true(c.converged);
	assert_int_equal(c.reps, 6);
	assert_int_equal(ib_repctl_between(&c, IB_M_DMA_LATENCY, &s), -1);
	assert_int_equal(c.npieces, 6);
	assert_true(c.pieces[0] == 11 && c.pieces[5] == 16);
	ib_repctl_free(&c);

	memset(&f, 0, sizeof(f));
	f.no_bw = true;
	f.levels = 3;
	setup_ctl(&c, 0, 6, 12, 10000000000ULL);
	c.per_buffer = true;
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_OK);
	assert_false(c.converged);
	assert_int_equal(c.stop, IB_REPCTL_MAX_REPS);
	assert_int_equal(c.reps, 12);
	assert_int_equal(ib_repctl_between(&c, IB_M_DMA_LATENCY, &s), 0);
	assert_int_equal(s.n, 12);
	assert_true(s.ci95_low == 1000 && s.ci95_high == 1040);
	assert_true(s.median == 1020);
	ib_repctl_free(&c);
}

static void test_engine_failure(void **state)
{
	struct ib_repctl c;
	struct fake f = { .noisy = true, .fail_at = 4, .fail_rc = IB_EXIT_SKIPPED };
	char why[128] = "";

	setup_ctl(&c, 1, 1, 100, 10000000000ULL);
	c.target_ci = 0.0001;
	assert_int_equal(run(&c, &f, why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_string_equal(why, "fake failure");
	assert_int_equal(c.reps, 2);
	assert_int_equal(f.calls, 4);
	ib_repctl_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges_at_min_reps),
		cmocka_unit_test(test_bandwidth_needs_six),
		cmocka_unit_test(test_max_reps_cap),
		cmocka_unit_test(test_bandwidth_must_converge),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_engine_failure),
		cmocka_unit_test(test_per_buffer_ci),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
