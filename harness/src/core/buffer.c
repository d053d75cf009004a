// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers: mmap with the requested backing on the requested node, fault in,
 * then verify what the kernel actually gave us (page size from smaps, node
 * from move_pages).  A buffer that is not what was asked for is refused:
 * the point is skipped, never measured on the wrong memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_machine_state.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2MB_ (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB_ (30 << MAP_HUGE_SHIFT)
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

int ib_smaps_parse(const char *text, uintptr_t addr, struct ib_smaps_entry *e)
{
	const char *line = text;
	bool in = false;

	memset(e, 0, sizeof(*e));
	while (line && *line) {
		unsigned long s, en;
		char key[64];
		unsigned long long v;
		int n = 0;

		if (sscanf(line, "%lx-%lx %n", &s, &en, &n) == 2 && n > 0) {
			if (in)
				break;
			if (addr >= s && addr < en) {
				in = true;
				e->start = s;
				e->end = en;
				e->found = true;
			}
		} else if (in && sscanf(line, "%63[^:]: %llu kB", key, &v) == 2) {
			uint64_t b = v * 1024;

			if (!strcmp(key, "Size"))
				e->size = b;
			else if (!strcmp(key, "Rss"))
				e->rss = b;
			else if (!strcmp(key, "KernelPageSize"))
				e->kernel_page_size = b;
			else if (!strcmp(key, "MMUPageSize"))
				e->mmu_page_size = b;
			else if (!strcmp(key, "AnonHugePages"))
				e->anon_huge = b;
			else if (!strcmp(key, "Private_Hugetlb"))
				e->private_hugetlb = b;
			else if (!strcmp(key, "Shared_Hugetlb"))
				e->shared_hugetlb = b;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return e->found ? 0 : -1;
}

uint64_t ib_smaps_page_size(const struct ib_smaps_entry *e, const char *kind,
			    uint64_t len, char *why, size_t whylen)
{
	uint64_t want = ib_page_size_bytes(kind), got;

	why[0] = '\0';
	if (!e->found) {
		snprintf(why, whylen, "buffer not found in /proc/self/smaps");
		return 0;
	}
	if (!strcmp(kind, "thp")) {
		if (e->kernel_page_size != 4096)
			got = e->kernel_page_size;
		else
			got = e->anon_huge >= len ? SZ_2M : 4096;
		if (got != SZ_2M)
			snprintf(why, whylen,
				 "page_size=thp: only %llu of %llu KiB backed by transparent huge pages",
				 (unsigned long long)(e->anon_huge >> 10),
				 (unsigned long long)(len >> 10));
		return got;
	}
	got = e->kernel_page_size;
	if (got == 4096 && e->anon_huge)
		got = SZ_2M; /* THP crept into a 4k request */
	if (got != want)
		snprintf(why, whylen,
			 "page_size=%s: obtained %llu-byte pages (smaps KernelPageSize %llu kB, AnonHugePages %llu kB)",
			 kind, (unsigned long long)got,
			 (unsigned long long)(e->kernel_page_size >> 10),
			 (unsigned long long)(e->anon_huge >> 10));
	return got;
}

bool ib_pagemap_pfn(uint64_t entry, uint64_t *pfn)
{
	if (!(entry >> 63 & 1))
		return false;
	*pfn = entry & ((1ULL << 55) - 1);
	return true;
}

#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_THP 22

uint64_t ib_kpageflags_size(uint64_t flags, uint64_t huge_hint)
{
	bool compound = flags & (1ULL << KPF_COMPOUND_HEAD | 1ULL << KPF_COMPOUND_TAIL);

	if (flags & (1ULL << KPF_THP))
		return SZ_2M;
	if ((flags & (1ULL << KPF_HUGE)) && compound)
		return huge_hint ? huge_hint : SZ_2M;
	return compound ? 0 : 4096;
}

/* ---- hugepage pools ----
 *
 * A pool is raised only by what a point lacks, and given back when the
 * point is done.  The ledger (machine_state.c) records, per pool, the
 * count before any iommubench run raised it and what each live run added,
 * so overlapping runs end in any order with the original count, and what
 * a killed run added is found and undone later.  Release writes the
 * absolute target (original + what live holders still hold), never a
 * difference, so doing it twice, or after the signal handler already gave
 * our pages back, is harmless.
 */

struct pool_hold {
	char path[512];			/* nr_hugepages */
	volatile sig_atomic_t added;	/* pages we added, not yet given back */
	bool recorded;			/* we have a hold record in the ledger */
};
static struct pool_hold holds[16];
static volatile sig_atomic_t nholds;

static void pool_path(char *buf, size_t len, int node, uint64_t size,
		      const char *file)
{
	snprintf(buf, len,
		 "%s/sys/devices/system/node/node%d/hugepages/hugepages-%llukB/%s",
		 ib_sysfs_root, node, (unsigned long long)(size >> 10), file);
	if (access(buf, F_OK))
		snprintf(buf, len, "%s/sys/kernel/mm/hugepages/hugepages-%llukB/%s",
			 ib_sysfs_root, (unsigned long long)(size >> 10), file);
}

static int write_ll(const char *path, long long v)
{
	char val[32];
	size_t n = ib_sigsafe_fmt_ll(v, val, sizeof(val));

	return ib_sigsafe_write(path, val, n);
}

static struct pool_hold *hold_find(const char *path, bool create)
{
	int i;

	for (i = 0; i < nholds; i++)
		if (!strcmp(holds[i].path, path))
			return &holds[i];
	if (!create || nholds >= (int)(sizeof(holds) / sizeof(holds[0])))
		return NULL;
	snprintf(holds[i].path, sizeof(holds[i].path), "%s", path);
	holds[i].added = 0;
	holds[i].recorded = false;
	nholds = i + 1;
	return &holds[i];
}

static struct ib_state_holder *holder_find(struct ib_state_pool *p,
					   const struct ib_state_proc *who)
{
	int i;

	for (i = 0; i < p->nholders; i++)
		if (p->h[i].proc.pid == who->pid && p->h[i].proc.start == who->start)
			return &p->h[i];
	return NULL;
}

static void holder_drop(struct ib_state_pool *p, struct ib_state_holder *h)
{
	int i = (int)(h - p->h);

	memmove(h, h + 1, (size_t)(p->nholders - i - 1) * sizeof(*h));
	p->nholders--;
}

/*
 * Brings a pool to what its remaining holders need: the original count
 * when none is left (the entry is dropped), else lowers it to original +
 * their pages if it is above that.  Returns 1 if it wrote, else 0.  A pool
 * file that resolves outside the hugepage trees is not written: one line,
 * the record stays, *refused counts it.
 */
static int pool_settle(struct ib_state *st, struct ib_state_pool *p, FILE *out,
		       const char *prefix, int *refused)
{
	long long cur, target;
	char real[512], why[1024];
	int wrote = 0, rc;

	rc = ib_sysfs_check(p->path, IB_SYSFS_POOL, NULL, real, sizeof(real), why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "iommubench: state file %s/state: pool %s: %s; record refused and left in place\n",
			ib_state_dir(), p->path, why);
		if (refused)
			(*refused)++;
		return 0;
	}
	cur = rc ? -1 : ib_sigsafe_read_ll(real);
	/* originals and shares are 0..IB_STATE_MAX_PAGES: no overflow */
	target = p->orig + ib_state_pool_held(p, NULL);
	if (cur >= 0 && ((!p->nholders && cur != target) || cur > target)) {
		if (!write_ll(real, target)) {
			wrote = 1;
			if (out)
				fprintf(out, "%srestored %s %lld -> %lld\n", prefix, p->path,
					cur, target);
		} else if (out) {
			fprintf(out, "%scannot restore %s %lld -> %lld: %s\n", prefix,
				p->path, cur, target, strerror(errno));
		}
	}
	if (!p->nholders)
		ib_state_pool_drop(st, p);
	return wrote;
}

/* Drops dead holders (killed runs), then settles each pool. */
int ib_hugepages_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused)
{
	int i, j, n = 0;

	for (i = st->npools - 1; i >= 0; i--) {
		struct ib_state_pool *p = &st->pool[i];
		char real[512], why[1024];

		/* a refused pool is left exactly as it is, holders and all */
		if (ib_sysfs_check(p->path, IB_SYSFS_POOL, NULL, real, sizeof(real), why,
				   sizeof(why)) < 0) {
			fprintf(stderr, "iommubench: state file %s/state: pool %s: %s; record refused and left in place\n",
				ib_state_dir(), p->path, why);
			if (refused)
				(*refused)++;
			continue;
		}
		for (j = p->nholders - 1; j >= 0; j--)
			if (!ib_state_proc_alive(&p->h[j].proc))
				holder_drop(p, &p->h[j]);
		n += pool_settle(st, p, out, prefix, refused);
	}
	return n;
}

/* The ledger calls the pools' reaper through its registration. */
__attribute__((constructor)) static void hugepages_register(void)
{
	ib_state_register_reaper(IB_STATE_REAP_POOL, ib_hugepages_reap);
}

volatile sig_atomic_t ib_pool_reserving, ib_pool_die_pending;

/* End of the window in which the signal path cannot see our share: a kill
 * that arrived meanwhile is carried out now, after restoring. */
static void pool_reserved_end(void)
{
	int sig;

	ib_pool_reserving = 0;
	sig = ib_pool_die_pending;
	if (!sig)
		return;
	ib_hugepages_restore_signal();
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

int ib_hugepages_reserve(int node, uint64_t size, uint64_t count, char *why,
			 size_t whylen)
{
	char nr_path[512], free_path[512], lockwhy[1024] = "", real[512];
	struct ib_state *st = NULL;
	struct ib_state_pool *sp;
	struct ib_state_holder *h;
	struct ib_state_proc me;
	struct pool_hold *ours;
	long long nr, fr, nr2;
	int rc = -1, locked;

	pool_path(nr_path, sizeof(nr_path), node, size, "nr_hugepages");
	pool_path(free_path, sizeof(free_path), node, size, "free_hugepages");
	locked = ib_state_lock(true, lockwhy, sizeof(lockwhy)) == 0;
	nr = ib_sigsafe_read_ll(nr_path);
	fr = ib_sigsafe_read_ll(free_path);
	if (nr < 0 || fr < 0) {
		snprintf(why, whylen, "no %llu kB hugepage pool on node %d (%s)",
			 (unsigned long long)(size >> 10), node, nr_path);
		goto out;
	}
	if ((uint64_t)fr >= count) {
		rc = 0;
		goto out;
	}
	if (count > (uint64_t)IB_STATE_MAX_PAGES) {
		snprintf(why, whylen, "%llu hugepages of %llu kB: more than the %lld a pool may hold",
			 (unsigned long long)count, (unsigned long long)(size >> 10),
			 IB_STATE_MAX_PAGES);
		goto out;
	}
	if (ib_sysfs_check(nr_path, IB_SYSFS_POOL, NULL, real, sizeof(real), lockwhy,
			   sizeof(lockwhy))) {
		snprintf(why, whylen, "cannot grow the %llu kB hugepage pool on node %d: %s",
			 (unsigned long long)(size >> 10), node, lockwhy);
		goto out;
	}
	if (ib_state_self_ok(why, whylen))
		goto out;
	if (!locked && access(nr_path, W_OK)) {
		snprintf(why, whylen,
			 "cannot reserve %llu hugepages of %llu kB on node %d: %s: %s",
			 (unsigned long long)count, (unsigned long long)(size >> 10),
			 node, nr_path, strerror(errno));
		goto out;
	}
	if (!locked) {
		snprintf(why, whylen,
			 "cannot grow the %llu kB hugepage pool on node %d without the state ledger: %s (set IOMMUBENCH_STATE_DIR)",
			 (unsigned long long)(size >> 10), node, lockwhy);
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (!st || ib_state_load(st, why, whylen))
		goto out;
	/* what killed runs left is not our baseline */
	ib_hugepages_reap(st, stderr, "iommubench: left by a killed run: ", NULL);
	nr = ib_sigsafe_read_ll(nr_path);
	fr = ib_sigsafe_read_ll(free_path);
	if (nr >= 0 && fr >= 0 && (uint64_t)fr >= count) {
		rc = ib_state_save(st, why, whylen);
		goto out;
	}
	me = ib_state_self();
	ours = hold_find(nr_path, true);
	sp = ib_state_pool_find(st, nr_path, true, nr);
	h = sp ? holder_find(sp, &me) : NULL;
	if (sp && !h && sp->nholders < IB_STATE_MAX_HOLDERS) {
		h = &sp->h[sp->nholders++];
		h->proc = me;
		h->added = 0;
	}
	if (!ours || !h) {
		snprintf(why, whylen, "state ledger full: too many pools or runs at once");
		goto out;
	}
	/* every number the ledger keeps stays in its range (and our signal
	 * path's share in a sig_atomic_t) */
	if (h->added + (long long)(count - (uint64_t)fr) > IB_STATE_MAX_PAGES ||
	    nr + (long long)(count - (uint64_t)fr) > IB_STATE_MAX_PAGES ||
	    ours->added + (long long)(count - (uint64_t)fr) > INT_MAX) {
		snprintf(why, whylen,
			 "cannot grow the %llu kB hugepage pool on node %d from %lld by %llu pages: above what the ledger may record",
			 (unsigned long long)(size >> 10), node, nr,
			 (unsigned long long)(count - (uint64_t)fr));
		if (!h->added)
			holder_drop(sp, h);
		if (!sp->nholders)
			ib_state_pool_drop(st, sp);
		goto out;
	}
	/*
	 * Write-ahead: the ledger says what we are about to add before the
	 * pool grows, so a SIGKILL between the two leaves a record the next
	 * run reaps (restores are absolute: original + live holders), never
	 * an untracked raise.  Corrected to what the kernel gave below.
	 */
	h->added += (long long)(count - (uint64_t)fr);
	if (ib_state_save(st, why, whylen)) {
		h->added -= (long long)(count - (uint64_t)fr);
		goto out;
	}
	h->added -= (long long)(count - (uint64_t)fr);
	ib_pool_reserving = 1;
	if (write_ll(real, nr + (long long)(count - (uint64_t)fr))) {
		pool_reserved_end();
		snprintf(why, whylen,
			 "cannot reserve %llu hugepages of %llu kB on node %d: %s: %s",
			 (unsigned long long)count, (unsigned long long)(size >> 10),
			 node, nr_path, strerror(errno));
		if (!h->added)
			holder_drop(sp, h);
		if (!sp->nholders)
			ib_state_pool_drop(st, sp);
		ib_state_save(st, lockwhy, sizeof(lockwhy));
		goto out;
	}
	nr2 = ib_sigsafe_read_ll(nr_path);
	if (nr2 > nr) {
		/* what someone else added meanwhile is not ours to give back */
		long long got = nr2 - nr < (long long)(count - (uint64_t)fr) ?
					nr2 - nr : (long long)(count - (uint64_t)fr);

		h->added += got;
		ours->added += (sig_atomic_t)got;
	}
	pool_reserved_end();
	ours->recorded = true;
	if (ib_state_save(st, why, whylen))
		goto out;
	fr = ib_sigsafe_read_ll(free_path);
	if (fr < 0 || (uint64_t)fr < count) {
		snprintf(why, whylen,
			 "only %lld of %llu hugepages of %llu kB could be reserved on node %d",
			 fr < 0 ? 0 : fr, (unsigned long long)count,
			 (unsigned long long)(size >> 10), node);
		goto out;
	}
	rc = 0;
out:
	free(st);
	if (locked)
		ib_state_unlock();
	return rc;
}

void ib_hugepages_restore_all(void)
{
	struct ib_state *st = NULL;
	struct ib_state_proc me;
	char why[512];
	int i, lrc;

	for (i = 0; i < nholds; i++)
		if (holds[i].recorded)
			break;
	if (i == nholds)
		return;
	lrc = ib_state_lock(false, why, sizeof(why));
	if (lrc) {
		/* the ledger is gone: give back what we added, at least */
		if (lrc < 0)
			fprintf(stderr, "iommubench: %s\n", why);
		ib_hugepages_restore_signal();
		for (i = 0; i < nholds; i++)
			holds[i].recorded = false;
		return;
	}
	me = ib_state_self();
	st = calloc(1, sizeof(*st));
	if (!st || ib_state_load(st, why, sizeof(why))) {
		fprintf(stderr, "iommubench: %s\n", st ? why : "out of memory");
		ib_hugepages_restore_signal();
		goto out;
	}
	for (i = 0; i < nholds; i++) {
		struct ib_state_pool *sp;
		struct ib_state_holder *h;

		if (!holds[i].recorded)
			continue;
		sp = ib_state_pool_find(st, holds[i].path, false, 0);
		h = sp ? holder_find(sp, &me) : NULL;
		if (h)
			holder_drop(sp, h);
		if (sp)
			pool_settle(st, sp, NULL, "", NULL);
		holds[i].added = 0;
		holds[i].recorded = false;
	}
	if (ib_state_save(st, why, sizeof(why)))
		fprintf(stderr, "iommubench: %s\n", why);
out:
	free(st);
	ib_state_unlock();
}

void ib_hugepages_restore_signal(void)
{
	int i, fd = -1;

	for (i = 0; i < nholds; i++) {
		long long cur, v;

		if (holds[i].added <= 0)
			continue;
		if (fd < 0)
			fd = ib_state_lock_signal();
		cur = ib_sigsafe_read_ll(holds[i].path);
		if (cur < 0)
			continue;
		v = cur - holds[i].added;
		if (v < 0)
			v = 0;
		/*
		 * The kernel keeps pages that are mapped or reserved by a
		 * mapping (ours, while it faults in): the write then leaves
		 * the pool higher.  Only a pool that reads back lower counts
		 * as restored; otherwise the share stays recorded for the
		 * normal exit path, or, after a kill, the next run.
		 */
		if (!write_ll(holds[i].path, v) && ib_sigsafe_read_ll(holds[i].path) <= v)
			holds[i].added = 0;
	}
	if (fd >= 0)
		close(fd);
}

/* ---- allocation ---- */

/* The buffer's pages on node: IB_EXIT_OK, IB_EXIT_SKIPPED (why: where they
 * are), IB_EXIT_FAILED (out of memory). */
static int check_node(struct ib_buffer *b, int node, char *why, size_t whylen)
{
	size_t step = b->page_size_obtained ? b->page_size_obtained : 4096;
	size_t n = b->len / step, i, stride, cnt = 0, off = 0;
	void **pages;
	int *status, first = -2, bad = 0;

	if (n == 0)
		n = 1;
	stride = n > 4096 ? n / 4096 : 1;
	pages = calloc(4097, sizeof(*pages));
	status = calloc(4097, sizeof(*status));
	if (!pages || !status) {
		free(pages);
		free(status);
		return IB_EXIT_FAILED;
	}
	for (i = 0; i < n && cnt < 4096; i += stride)
		pages[cnt++] = (char *)b->addr + i * step;
	if (move_pages(0, cnt, pages, NULL, status, 0)) {
		snprintf(why, whylen, "move_pages: %s", strerror(errno));
		free(pages);
		free(status);
		return IB_EXIT_FAILED;
	}
	for (i = 0; i < cnt; i++) {
		if (first == -2)
			first = status[i];
		if (status[i] != node)
			bad++, off = i;
	}
	b->mem_node_obtained = bad ? (first == status[off] ? first : -1) : node;
	if (bad)
		snprintf(why, whylen,
			 "mem_node=%d: %d of %zu sampled pages are elsewhere (e.g. node %d)",
			 node, bad, cnt, status[off]);
	free(pages);
	free(status);
	return bad ? IB_EXIT_SKIPPED : IB_EXIT_OK;
}

/*
 * Faults every page of the buffer in now, outside any timing: one write per
 * page (a hugetlb page is one page; thp and 4k memory per 4 KiB), so the
 * kernel allocates and zeroes each page once.  Writing every byte (a
 * memset, as before) costs a second pass over the buffer: for a 1 GiB
 * page under the lab's TCG that was seconds per point, and the bytes'
 * values matter to no engine.
 */
static void fault_in(char *addr, uint64_t len, uint64_t step)
{
	uint64_t off;

	for (off = 0; off < len; off += step)
		((volatile char *)addr)[off] = 0x5a;
}

static int buffer_alloc(struct ib_buffer *b, const char *kind, uint64_t len,
			int node, char *why, size_t whylen)
{
	uint64_t psz = ib_page_size_bytes(kind);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	struct ib_smaps_entry e;
	char *smaps;
	struct bitmask *nodes = NULL;

	memset(b, 0, sizeof(*b));
	why[0] = '\0';
	if (!psz) {
		snprintf(why, whylen, "page_size=%s: expected 4k, 2m, 1g or thp", kind);
		return IB_EXIT_USAGE;
	}
	b->page_size_req = psz;
	b->mem_node_obtained = -1;
	len = (len + psz - 1) / psz * psz;
	b->len = len;
	if (!strcmp(kind, "2m") || !strcmp(kind, "1g")) {
		if (ib_hugepages_reserve(node, psz, len / psz, why, whylen))
			return IB_EXIT_RESOURCE;
		/* the ledger is written: signals may come in during the fault-in */
		ib_state_open_signals();
		flags |= MAP_HUGETLB | (psz == SZ_2M ? MAP_HUGE_2MB_ : MAP_HUGE_1GB_);
		b->map_len = len;
	} else if (!strcmp(kind, "thp")) {
		b->map_len = len + SZ_2M; /* room to align to 2 MiB */
	} else {
		b->map_len = len;
	}
	b->map_addr = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (b->map_addr == MAP_FAILED) {
		snprintf(why, whylen, "mmap of %llu bytes (page_size=%s): %s",
			 (unsigned long long)b->map_len, kind, strerror(errno));
		b->map_addr = NULL;
		return IB_EXIT_RESOURCE;
	}
	b->addr = b->map_addr;
	if (!strcmp(kind, "thp")) {
		uintptr_t a = ((uintptr_t)b->map_addr + SZ_2M - 1) & ~(SZ_2M - 1);

		b->addr = (void *)a;
		madvise(b->addr, len, MADV_HUGEPAGE);
	} else if (!strcmp(kind, "4k")) {
		madvise(b->addr, len, MADV_NOHUGEPAGE);
	}
	if (numa_available() >= 0) {
		nodes = numa_allocate_nodemask();
		numa_bitmask_setbit(nodes, (unsigned int)node);
		if (mbind(b->addr, len, MPOL_BIND, nodes->maskp, nodes->size + 1,
			  MPOL_MF_STRICT)) {
			snprintf(why, whylen, "mbind to node %d: %s", node,
				 strerror(errno));
			numa_free_nodemask(nodes);
			ib_buffer_free(b);
			return IB_EXIT_RESOURCE;
		}
		numa_free_nodemask(nodes);
	}
	fault_in(b->addr, len, flags & MAP_HUGETLB ? psz : 4096);

	smaps = ib_read_all("/proc/self/smaps", NULL);
	if (!smaps || ib_smaps_parse(smaps, (uintptr_t)b->addr, &e)) {
		snprintf(why, whylen, "cannot read /proc/self/smaps");
		free(smaps);
		return IB_EXIT_FAILED;
	}
	free(smaps);
	/* thp mappings are larger than the buffer (alignment slack) */
	b->page_size_obtained = ib_smaps_page_size(&e, kind, len, why, whylen);
	if (why[0])
		return IB_EXIT_SKIPPED;
	return check_node(b, node, why, whylen);
}

/*
 * hugetlb buffers are reserved, mapped and faulted in under the state
 * lock: free_hugepages still counts pages that are mapped but not yet
 * touched, so another run reserving in between would count them as its own
 * and one of the two mmaps would fail.
 */
int ib_buffer_alloc(struct ib_buffer *b, const char *kind, uint64_t len,
		    int node, char *why, size_t whylen)
{
	char lockwhy[256];
	bool locked = false;
	int rc;

	if (!strcmp(kind, "2m") || !strcmp(kind, "1g"))
		locked = ib_state_lock(true, lockwhy, sizeof(lockwhy)) == 0;
	rc = buffer_alloc(b, kind, len, node, why, whylen);
	if (locked)
		ib_state_unlock();
	return rc;
}

void ib_buffer_free(struct ib_buffer *b)
{
	if (b->map_addr)
		munmap(b->map_addr, b->map_len);
	b->map_addr = NULL;
	b->addr = NULL;
}
