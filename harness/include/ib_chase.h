/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pointer chain of op=chase (cuda and cpu engines): one element per
 * 4 KiB over the window, whatever the buffer's page size, so that 4K and
 * 2M buffers are walked through the same addresses and differ only in how
 * many translations the walk needs (derive's timing method subtracts
 * them).  Element i sits at i x 4096 + (i mod 64) x 64, so consecutive
 * elements fall in different cache sets.
 */
#ifndef IB_CHASE_H
#define IB_CHASE_H

#include <stdbool.h>
#include <stdint.h>

#define IB_CHASE_STRIDE 4096ULL

/*
 * Writes a cyclic chain into host[0, window): each element holds `base` +
 * the offset of the next one (base: the address the walker sees the buffer
 * at: a device address, or host itself).  seq follows page order, rand one
 * random cycle (Sattolo's shuffle, xorshift64* from seed).  Returns the
 * number of elements and, in *walk, their offsets in walk order (malloc'd;
 * the walk starts at (*walk)[0]); 0 when the window holds fewer than 2
 * elements or memory runs out.
 */
uint64_t ib_chase_build(char *host, uint64_t window, uint64_t base, bool rand,
			uint64_t seed, uint64_t **walk);

#endif
