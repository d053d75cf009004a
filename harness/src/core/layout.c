// SPDX-License-Identifier: GPL-2.0
/*
 * Physical layout of a 4k buffer (layout=, ib_buffer.h).
 *
 * What a map of N 4 KiB pages costs depends on how many physically
 * contiguous pieces they form: dma_map_sgtable() maps piece by piece, and
 * a piece that is 2 MiB aligned on both sides may get one 2 MiB IOPTE.  A
 * buffer faulted in page by page lands wherever the page allocator puts it
 * (20 pieces in one run, 46 in the next, for the same 512 pages), so:
 *
 *  as-is       the buffer as faulted in (nothing is moved);
 *  contiguous  as few pieces as a pool can give: a pool of pages (THP
 *              backed where the kernel allows, so 2 MiB runs are common)
 *              is faulted in, its PFNs read from /proc/self/pagemap, the
 *              longest runs chosen (a 2 MiB aligned start preferred) and
 *              moved into the buffer in PFN order with mremap(), which
 *              moves page table entries and never copies;
 *  fragmented  one piece per page: the pool's pages placed in descending
 *              PFN order, so no two neighbours are physically adjacent.
 *
 * The pieces obtained are what the row reports (params.phys_pieces, from
 * the module's count of what it pinned): contiguous is best effort.  PFNs
 * are visible only with CAP_SYS_ADMIN; without them the point is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_exit.h"

#define PG 4096UL
#define PMD_PAGES 512UL /* 4 KiB pages in 2 MiB */
/* Every moved page may become its own VMA (anonymous VMAs merge only when
 * their page offsets continue), and vm.max_map_count defaults to 65530. */
#define LAYOUT_MAX_PAGES 32768UL /* 128 MiB */

size_t ib_phys_pieces_of(const uint64_t *pfn, size_t n)
{
	size_t i, pieces = n ? 1 : 0;

	for (i = 1; i < n; i++)
		pieces += pfn[i] != pfn[i - 1] + 1;
	return pieces;
}

struct pfn_idx {
	uint64_t pfn;
	size_t idx;
};

static int cmp_pfn(const void *a, const void *b)
{
	const struct pfn_idx *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

struct run {
	size_t start, len; /* in the sorted array */
};

static int cmp_run_len(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? 1 : -1; /* longest first */
	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_run_start(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

size_t ib_layout_choose(const uint64_t *pfn, size_t npool, size_t nwant,
			bool contiguous, size_t *out)
{
	struct pfn_idx *s;
	struct run *runs;
	size_t i, nruns = 0, got = 0, k;

	if (!nwant || npool < nwant)
		return 0;
	s = malloc(npool * sizeof(*s));
	runs = malloc(npool * sizeof(*runs));
	if (!s || !runs) {
		free(s);
		free(runs);
		return 0;
	}
	for (i = 0; i < npool; i++)
		s[i] = (struct pfn_idx){ pfn[i], i };
	qsort(s, npool, sizeof(*s), cmp_pfn);
	if (!contiguous) {
		/* descending PFNs: no page follows its physical neighbour */
		for (i = 0; i < nwant; i++)
			out[i] = s[nwant - 1 - i].idx;
		free(s);
		free(runs);
		return nwant;
	}
	for (i = 0; i < npool; i++) {
		if (i && s[i].pfn == s[i - 1].pfn + 1)
			runs[nruns - 1].len++;
		else
			runs[nruns++] = (struct run){ i, 1 };
	}
	qsort(runs, nruns, sizeof(*runs), cmp_run_len);
	if (runs[0].len >= nwant) {
		/* one piece; a 2 MiB aligned start when the run allows it, so
		 * the IOMMU may use 2 MiB IOPTEs */
		size_t st = runs[0].start, end = st + runs[0].len;

		for (k = st; k + nwant <= end; k++)
			if (!(s[k].pfn % PMD_PAGES)) {
				st = k;
				break;
			}
		for (i = 0; i < nwant; i++)
			out[i] = s[st + i].idx;
		free(s);
		free(runs);
		return 1;
	}
	/* the fewest runs that cover nwant pages, placed in PFN order */
	for (k = 0; k < nruns && got < nwant; k++) {
		if (runs[k].len > nwant - got)
			runs[k].len = nwant - got;
		got += runs[k].len;
	}
	nruns = k;
	qsort(runs, nruns, sizeof(*runs), cmp_run_start);
	for (k = 0, got = 0; k < nruns; k++)
		for (i = 0; i < runs[k].len; i++)
			out[got++] = s[runs[k].start + i].idx;
	free(s);
	free(runs);
	return nruns;
}

/* PFNs of n pages at addr (present, faulted in): 0, or -1 with why. */
static int read_pfns(const void *addr, size_t n, uint64_t *pfn, char *why,
		     size_t whylen)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t *ent = malloc(n * sizeof(*ent));
	size_t i;
	ssize_t got;

	if (fd < 0 || !ent) {
		snprintf(why, whylen, "layout: /proc/self/pagemap: %s",
			 fd < 0 ? strerror(errno) : "out of memory");
		goto fail;
	}
	got = pread(fd, ent, n * sizeof(*ent),
		    (off_t)((uintptr_t)addr / PG * sizeof(*ent)));
	if (got != (ssize_t)(n * sizeof(*ent))) {
		snprintf(why, whylen, "layout: reading /proc/self/pagemap: %s",
			 got < 0 ? strerror(errno) : "short read");
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (!ib_pagemap_pfn(ent[i], &pfn[i]) || !pfn[i]) {
			snprintf(why, whylen,
				 "layout: /proc/self/pagemap shows no PFNs (needs CAP_SYS_ADMIN)");
			goto fail;
		}
	free(ent);
	close(fd);
	return 0;
fail:
	free(ent);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A faulted-in pool of n pages on node, 2 MiB aligned; NULL with why. */
static char *pool_alloc(size_t n, int node, bool thp, size_t *maplen,
			char **map, char *why, size_t whylen)
{
	size_t len = n * PG;
	char *m, *p;

	*maplen = len + PMD_PAGES * PG;
	m = mmap(NULL, *maplen, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		snprintf(why, whylen, "layout: mmap of a %zu-page pool: %s", n,
			 strerror(errno));
		return NULL;
	}
	p = (char *)(((uintptr_t)m + PMD_PAGES * PG - 1) & ~(PMD_PAGES * PG - 1));
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (node >= 0 && numa_available() >= 0) {
		struct bitmask *nodes = numa_allocate_nodemask();

		numa_bitmask_setbit(nodes, (unsigned int)node);
		mbind(p, len, MPOL_BIND, nodes->maskp, nodes->size + 1, 0);
		numa_free_nodemask(nodes);
	}
	memset(p, 0x5a, len);
	*map = m;
	return p;
}

int ib_buffer_layout(struct ib_buffer *b, const char *layout, int node,
		     char *why, size_t whylen)
{
	bool contiguous = !strcmp(layout, "contiguous");
	size_t n = b->len / PG, npool, maplen, i, *idx = NULL;
	uint64_t *pfn = NULL;
	char *map = NULL, *pool;
	int rc = IB_EXIT_FAILED;

	if (!layout[0] || !strcmp(layout, "as-is"))
		return IB_EXIT_OK;
	if (b->page_size_obtained != PG) {
		snprintf(why, whylen,
			 "layout=%s: applies to page_size=4k (a huge page is one physical piece)",
			 layout);
		return IB_EXIT_SKIPPED;
	}
	if (n > LAYOUT_MAX_PAGES) {
		snprintf(why, whylen,
			 "layout=%s: at most %lu MiB (each moved page may take a VMA of vm.max_map_count)",
			 layout, LAYOUT_MAX_PAGES * PG >> 20);
		return IB_EXIT_SKIPPED;
	}
	/* contiguous: room to choose from; fragmented: exactly the pages */
	npool = contiguous ? n + (n > 1024 ? n : 1024) : n;
	pool = pool_alloc(npool, node, contiguous, &maplen, &map, why, whylen);
	if (!pool)
		return IB_EXIT_RESOURCE;
	pfn = malloc(npool * sizeof(*pfn));
	idx = malloc(n * sizeof(*idx));
	if (!pfn || !idx) {
		snprintf(why, whylen, "layout: out of memory");
		goto out;
	}
	if (read_pfns(pool, npool, pfn, why, whylen)) {
		rc = IB_EXIT_SKIPPED;
		goto out;
	}
	if (!ib_layout_choose(pfn, npool, n, contiguous, idx)) {
		snprintf(why, whylen, "layout: out of memory");
		goto out;
	}
	/* each chosen page replaces the buffer's page i (MREMAP_FIXED unmaps
	 * what was there); page table entries move, the data stays put */
	for (i = 0; i < n; i++) {
		void *dst = (char *)b->addr + i * PG;

		if (mremap(pool + idx[i] * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst) != dst) {
			snprintf(why, whylen, "layout=%s: mremap of page %zu: %s",
				 layout, i, strerror(errno));
			rc = errno == ENOMEM ? IB_EXIT_RESOURCE : IB_EXIT_FAILED;
			goto out;
		}
	}
	/* a 4k buffer: khugepaged must not collapse the moved pages */
	madvise(b->addr, b->len, MADV_NOHUGEPAGE);
	rc = IB_EXIT_OK;
out:
	free(pfn);
	free(idx);
	munmap(map, maplen); /* what is left of the pool */
	return rc;
}
