// SPDX-License-Identifier: GPL-2.0
/*
 * The op=chase pointer chain (ib_chase.h), shared by the engines that walk
 * it: the cuda engine's GPU kernel and the cpu engine.
 */
#include <stdlib.h>
#include <string.h>

#include "ib_chase.h"
#include "iommubench.h"

uint64_t ib_chase_build(char *host, uint64_t window, uint64_t base, bool rand,
			uint64_t seed, uint64_t **walk)
{
	uint64_t n = window / IB_CHASE_STRIDE, i, *w;
	__u64 s = seed ? seed : 1;

	*walk = NULL;
	if (n < 2)
		return 0;
	w = malloc(n * sizeof(*w));
	if (!w)
		return 0;
	for (i = 0; i < n; i++)
		w[i] = i * IB_CHASE_STRIDE + (i % 64) * 64;
	if (rand)
		for (i = n - 1; i > 0; i--) {
			uint64_t j = iommubench_xorshift64s(&s) % i, t = w[i];

			w[i] = w[j];
			w[j] = t;
		}
	for (i = 0; i < n; i++) {
		uint64_t next = base + w[(i + 1) % n];

		memcpy(host + w[i], &next, sizeof(next));
	}
	*walk = w;
	return n;
}
