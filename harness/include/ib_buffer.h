/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffers of a requested page size on a requested NUMA node, and the proof
 * of what was obtained (smaps / pagemap + kpageflags, move_pages).  Also the
 * hugepage pool reservation, shared by overlapping runs through the state
 * ledger and restored afterwards (also on signals, and after a kill by the
 * next run or `iommubench restore`).
 */
#ifndef IB_BUFFER_H
#define IB_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ib_fileio.h" /* ib_sysfs_root */
#include "ib_options.h"

struct ib_buffer {
	void *addr;	  /* page-aligned start handed to engines */
	size_t len;
	void *map_addr;	  /* what to munmap */
	size_t map_len;
	uint64_t page_size_req; /* bytes requested (thp: 2 MiB) */
	uint64_t page_size_obtained;
	int mem_node_obtained;	/* -1 = mixed/unknown */
};

/* Values of one /proc/self/smaps entry (kB fields converted to bytes). */
struct ib_smaps_entry {
	uintptr_t start, end;
	uint64_t size, rss, kernel_page_size, mmu_page_size;
	uint64_t anon_huge, private_hugetlb, shared_hugetlb;
	bool found;
};

/* Parses smaps text for the mapping containing addr.  0 if found. */
int ib_smaps_parse(const char *text, uintptr_t addr, struct ib_smaps_entry *e);

/*
 * The page size a mapping shows, from its smaps entry and the requested
 * kind ("4k", "2m", "1g", "thp").  Returns the obtained size in bytes, and
 * writes why it differs from the request into why (empty if it matches).
 */
uint64_t ib_smaps_page_size(const struct ib_smaps_entry *e, const char *kind,
			    uint64_t len, char *why, size_t whylen);

/* /proc/self/pagemap entry -> PFN; false if not present. */
bool ib_pagemap_pfn(uint64_t entry, uint64_t *pfn);
/* /proc/kpageflags bits -> page size class: 4096, 2097152 (THP/huge head or
 * tail), 0 if unknown. */
uint64_t ib_kpageflags_size(uint64_t flags, uint64_t huge_hint);

/* ib_page_size_bytes(), the page_size parser, is in ib_options.h. */

/*
 * Allocates, faults in and verifies.  Returns IB_EXIT_OK; IB_EXIT_SKIPPED
 * (not obtained, why says what was obtained), IB_EXIT_RESOURCE (why says
 * which is missing), IB_EXIT_USAGE (an unknown page_size) or
 * IB_EXIT_FAILED.
 */
int ib_buffer_alloc(struct ib_buffer *b, const char *kind, uint64_t len,
		    int node, char *why, size_t whylen);
void ib_buffer_free(struct ib_buffer *b);

/*
 * layout= (core/layout.c): rearranges an allocated 4k buffer's physical
 * pages: "" and "as-is" leave it, "contiguous" gives it as few physically
 * contiguous pieces as a pool allows, "fragmented" one piece per page.
 * IB_EXIT_OK, IB_EXIT_SKIPPED (not a 4k buffer, too large, no PFNs
 * without CAP_SYS_ADMIN), IB_EXIT_RESOURCE or IB_EXIT_FAILED, why says.
 */
int ib_buffer_layout(struct ib_buffer *b, const char *layout, int node,
		     char *why, size_t whylen);
/* Pure parts, for the unit tests: the pieces of a PFN sequence, and which
 * npool pages (indices into pfn[]) make the buffer of nwant pages, in
 * buffer order, into out[nwant]; returns the pieces they form (0: none
 * chosen). */
size_t ib_phys_pieces_of(const uint64_t *pfn, size_t n);
size_t ib_layout_choose(const uint64_t *pfn, size_t npool, size_t nwant,
			bool contiguous, size_t *out);

/*
 * Makes sure `count` free hugepages of `size` bytes exist on node, growing
 * the pool if needed.  What we add is recorded in the state ledger
 * (ib_machine_state.h) and given back by ib_hugepages_restore_all().
 * 0 ok, -1 with why.
 */
int ib_hugepages_reserve(int node, uint64_t size, uint64_t count, char *why,
			 size_t whylen);
/*
 * Gives back every page we added and drops our ledger records; a pool with
 * no iommubench holder left goes back to its original count, one with other
 * live holders keeps what they hold.  Not async-signal-safe (takes the
 * ledger lock with signals blocked); called after each point and at exit.
 */
void ib_hugepages_restore_all(void);
/* The signal handler's part: subtracts what we added from each pool with
 * open/read/write/close only; the ledger is settled later by
 * ib_hugepages_restore_all() or, if we die first, by the reaper. */
void ib_hugepages_restore_signal(void);
/*
 * Set while a pool is being grown and this process's share is not yet
 * recorded where the signal path can see it.  A signal that would kill the
 * process in that window leaves its number in ib_pool_die_pending instead;
 * the reservation restores and dies with it as soon as the share is known.
 */
extern volatile sig_atomic_t ib_pool_reserving, ib_pool_die_pending;

struct ib_state;
/* Ledger: drops dead holders and settles their pools (ib_state_reap()).
 * Prints "PREFIXrestored PATH OLD -> NEW" to out (may be NULL); returns the
 * number of pools written.  A pool whose file resolves outside the hugepage
 * trees, or whose target is out of range, is refused with one line on
 * stderr, kept in the ledger and counted in *refused (may be NULL). */
int ib_hugepages_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused);

#endif
