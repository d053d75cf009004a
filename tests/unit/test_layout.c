// SPDX-License-Identifier: GPL-2.0
/*
 * layout= (core/layout.c): which pool pages make a contiguous or a
 * fragmented buffer, and the piece count of a PFN sequence.  The mremap
 * part needs PFNs (root) and runs in the lab (tests/lab/host).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ib_buffer.h"

static void test_pieces(void **state)
{
	const uint64_t a[] = { 10, 11, 12, 20, 21, 5, 6, 7, 8 };
	const uint64_t b[] = { 12, 11, 10 };

	assert_int_equal(ib_phys_pieces_of(a, 9), 3);
	assert_int_equal(ib_phys_pieces_of(a, 1), 1);
	assert_int_equal(ib_phys_pieces_of(a, 0), 0);
	assert_int_equal(ib_phys_pieces_of(b, 3), 3); /* descending: no merge */
}

/* The buffer's PFNs in buffer order, from the chosen pool indices. */
static void placed(const uint64_t *pool, const size_t *idx, size_t n, uint64_t *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = pool[idx[i]];
}

/* A shuffled pool holding one run long enough: one piece, 2 MiB aligned
 * start preferred (PFN 1024 rather than 1000). */
static void test_contiguous_one_run(void **state)
{
	enum { NPOOL = 1200, NWANT = 512 };
	uint64_t pool[NPOOL], got[NWANT];
	size_t idx[NWANT], i;

	for (i = 0; i < NPOOL; i++) /* 1000..2199, in a scrambled order */
		pool[i] = 1000 + (i * 7) % NPOOL;
	assert_int_equal(ib_layout_choose(pool, NPOOL, NWANT, true, idx), 1);
	placed(pool, idx, NWANT, got);
	assert_int_equal(ib_phys_pieces_of(got, NWANT), 1);
	assert_int_equal(got[0], 1024);
}

/* No run is long enough: the longest runs, in PFN order. */
static void test_contiguous_fewest_runs(void **state)
{
	/* runs: 100..103 (4), 200..201 (2), 300..305 (6), 400 (1) */
	const uint64_t pool[] = { 305, 100, 400, 201, 101, 300, 102, 301, 302,
				  200, 103, 303, 304 };
	uint64_t got[8];
	size_t idx[8];

	assert_int_equal(ib_layout_choose(pool, 13, 8, true, idx), 2);
	placed(pool, idx, 8, got);
	/* the 6-run and 2 pages of the 4-run, placed in PFN order */
	assert_int_equal(got[0], 100);
	assert_int_equal(got[1], 101);
	assert_int_equal(got[2], 300);
	assert_int_equal(got[7], 305);
	assert_int_equal(ib_phys_pieces_of(got, 8), 2);
}

/* Fragmented: as many pieces as pages, even from one contiguous pool. */
static void test_fragmented(void **state)
{
	uint64_t pool[64], got[64];
	size_t idx[64], i;

	for (i = 0; i < 64; i++)
		pool[i] = 5000 + i;
	assert_int_equal(ib_layout_choose(pool, 64, 64, false, idx), 64);
	placed(pool, idx, 64, got);
	assert_int_equal(ib_phys_pieces_of(got, 64), 64);
	assert_int_equal(got[0], 5063);
	assert_int_equal(got[63], 5000);
}

static void test_pool_too_small(void **state)
{
	const uint64_t pool[] = { 1, 2, 3 };
	size_t idx[4];

	assert_int_equal(ib_layout_choose(pool, 3, 4, true, idx), 0);
	assert_int_equal(ib_layout_choose(pool, 3, 0, false, idx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_contiguous_one_run),
		cmocka_unit_test(test_contiguous_fewest_runs),
		cmocka_unit_test(test_fragmented),
		cmocka_unit_test(test_pool_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
