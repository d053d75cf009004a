// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: IOMMUBENCH_RUN.  Validates the request, pins the user buffer,
 * runs the engine's iterations on kthreads bound to the requested CPUs,
 * collects raw nanoseconds (count/sum/min/max, histogram, optional raw
 * samples) and describes the IOVA layout of the mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ib.h"

/* ops table indexed by enum iommubench_engine */
static const struct ib_engine_ops *const ib_engines[IOMMUBENCH_ENGINE_MAX] = {
	[IOMMUBENCH_ENGINE_MAP] = &ib_map_ops,
	[IOMMUBENCH_ENGINE_EDU] = &ib_edu_ops,
	[IOMMUBENCH_ENGINE_DMAENGINE] = &ib_dmaengine_ops,
};

static const enum dma_data_direction ib_dirs[IOMMUBENCH_DIR_MAX] = {
	[IOMMUBENCH_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[IOMMUBENCH_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
	[IOMMUBENCH_DIR_BIDIR] = DMA_BIDIRECTIONAL,
};

/* Bucket of the log-linear histogram; layout documented in the uapi header. */
static u32 ib_hist_bucket(u64 v)
{
	const u32 sub = 1U << IOMMUBENCH_HIST_SUB_BITS;
	u32 e;

	if (v < sub)
		return v;
	e = fls64(v) - 1;
	if (e >= IOMMUBENCH_HIST_MAX_EXP)
		return IOMMUBENCH_HIST_BUCKETS - 1;
	return sub + (e - IOMMUBENCH_HIST_SUB_BITS) * sub +
	       (u32)((v >> (e - IOMMUBENCH_HIST_SUB_BITS)) - sub);
}

void ib_record(struct ib_thread *t, enum iommubench_metric m, u64 ns)
{
	struct ib_thread_stat *st = &t->st[m];
	struct ib_metric_sink *sk = &t->ctx->sink[m];
	s64 idx;

	if (!st->count || ns < st->min)
		st->min = ns;
	if (ns > st->max)
		st->max = ns;
	st->count++;
	st->sum += ns;
	if (sk->hist)
		atomic64_inc(&sk->hist[ib_hist_bucket(ns)]);
	if (sk->samples) {
		idx = atomic64_inc_return(&sk->nsamples) - 1;
		if (idx < t->ctx->samples_cap)
			sk->samples[idx] = ns;
	}
}

/* xorshift64*: cheap, seedable, good enough to scatter DMA offsets. */
static u64 ib_rand(struct ib_thread *t)
{
	u64 x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Next xfer_size-aligned offset inside the window, per the pattern. */
u64 ib_next_offset(struct ib_thread *t)
{
	const struct iommubench_run *r = t->ctx->run;
	u64 slots = div64_u64(r->window, r->xfer_size);
	u64 slot;

	if (r->pattern == IOMMUBENCH_PATTERN_RAND)
		div64_u64_rem(ib_rand(t), slots, &slot);
	else
		div64_u64_rem(t->seq++, slots, &slot);
	return slot * r->xfer_size;
}

/* ---- the pinned buffer ---- */

/*
 * The byte at buffer offset pos in generation gen: each aligned 64-bit word
 * holds its own offset, xored with the generation so stale data from an
 * earlier DMA never passes for fresh data.
 */
u8 ib_pattern_byte(u64 pos, u64 gen)
{
	u64 w = (pos & ~7ULL) ^ (gen << 48) ^ 0x5a5a000000000000ULL;

	return (u8)(w >> ((pos & 7) * 8));
}

void ib_buf_fill(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen)
{
	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int n = min_t(u64, len, PAGE_SIZE - po);
		u8 *p = kmap_local_page(ctx->pages[off >> PAGE_SHIFT]);
		unsigned int i;

		for (i = 0; i < n; i++)
			p[po + i] = ib_pattern_byte(off + i, gen);
		kunmap_local(p);
		off += n;
		len -= n;
	}
}

/* Number of bytes that do not match the pattern. */
u64 ib_buf_check(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen)
{
	u64 bad = 0;

	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int n = min_t(u64, len, PAGE_SIZE - po);
		u8 *p = kmap_local_page(ctx->pages[off >> PAGE_SHIFT]);
		unsigned int i;

		for (i = 0; i < n; i++)
			bad += p[po + i] != ib_pattern_byte(off + i, gen);
		kunmap_local(p);
		off += n;
		len -= n;
	}
	return bad;
}

/* Map the whole pinned buffer once (DMA engines). */
/*
 * A failed dma_map_sgtable() of npages pages: one log line, and an errno
 * that tells the harness this point cannot run here (docs/abi.md), rather
 * than that the benchmark broke:
 *  -EIO    -> -EADDRNOTAVAIL: the device cannot address the buffer (no
 *             translation and the pages lie above its DMA mask, nothing to
 *             bounce through);
 *  -ENOMEM -> -ENOSPC: no IOVA space left under the DMA mask (e.g. lazy
 *             mode still holds freed IOVAs in its flush queue).
 * Anything else is passed through.
 */
int ib_map_errno(struct device *dev, int ret, unsigned int npages)
{
	pr_err_ratelimited("device=%s: dma_map_sgtable of %u pages failed: %d "
			   "(dma_mask 0x%llx)\n",
			   dev_name(dev), npages, ret,
			   (unsigned long long)dma_get_mask(dev));
	if (ret == -EIO)
		return -EADDRNOTAVAIL;
	if (ret == -ENOMEM)
		return -ENOSPC;
	return ret;
}

int ib_map_buffer(struct ib_run_ctx *ctx, struct device *dev,
		  enum dma_data_direction dir, unsigned int npages)
{
	int ret;

	ret = sg_alloc_table_from_pages(&ctx->sgt, ctx->pages, npages, 0,
					(unsigned long)npages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		return ret;
	ctx->sgt_alloc = true;
	ret = dma_map_sgtable(dev, &ctx->sgt, dir, 0);
	if (ret)
		return ib_map_errno(dev, ret, npages);
	ctx->sgt_mapped = true;
	ctx->sgt_dir = dir;
	ctx->dev = dev;
	ib_describe_mapping(ctx, &ctx->sgt);
	return 0;
}

void ib_unmap_buffer(struct ib_run_ctx *ctx)
{
	if (ctx->sgt_mapped)
		dma_unmap_sgtable(ctx->dev, &ctx->sgt, ctx->sgt_dir, 0);
	ctx->sgt_mapped = false;
	if (ctx->sgt_alloc)
		sg_free_table(&ctx->sgt);
	ctx->sgt_alloc = false;
}

/*
 * DMA address of buffer offset off, and how many bytes from there are
 * contiguous in DMA space (within one DMA segment).  With an IOMMU the
 * buffer is usually one segment; with dma-direct/swiotlb there is one per
 * physically contiguous run, and a transfer must be split at boundaries.
 */
int ib_buf_dma_addr(struct ib_run_ctx *ctx, u64 off, u64 len, dma_addr_t *addr,
		    u64 *contig)
{
	struct scatterlist *sg;
	u64 pos = 0;
	int i;

	for_each_sgtable_dma_sg(&ctx->sgt, sg, i)
	{
		u64 l = sg_dma_len(sg);

		if (off < pos + l) {
			*addr = sg_dma_address(sg) + (off - pos);
			*contig = min(len, pos + l - off);
			return 0;
		}
		pos += l;
	}
	return -ERANGE;
}

/*
 * Hand a range of the mapped buffer to the CPU or back to the device; a
 * no-op on coherent translated DMA, a bounce copy under swiotlb.
 */
void ib_buf_sync(struct ib_run_ctx *ctx, u64 off, u64 len, bool for_cpu)
{
	struct scatterlist *sg;
	u64 pos = 0;
	int i;

	for_each_sgtable_dma_sg(&ctx->sgt, sg, i)
	{
		u64 l = sg_dma_len(sg), a, b;

		a = max(off, pos);
		b = min(off + len, pos + l);
		if (a < b) {
			if (for_cpu)
				dma_sync_single_range_for_cpu(
					ctx->dev, sg_dma_address(sg), a - pos,
					b - a, ctx->sgt_dir);
			else
				dma_sync_single_range_for_device(
					ctx->dev, sg_dma_address(sg), a - pos,
					b - a, ctx->sgt_dir);
		}
		pos += l;
		if (pos >= off + len)
			break;
	}
}

/*
 * Which IOPTE sizes back a mapping.  For each DMA segment we walk the IOVA
 * range with iommu_iova_to_phys() and, at each step, take the largest size S
 * in the domain's pgsize_bitmap such that the IOVA and the physical address
 * are S-aligned, S bytes remain in the segment and the physical range read
 * back through the page table is contiguous over S (checked at every 2 MiB
 * and at the last byte).  That is the choice iommu_pgsize() made when
 * iommu_map_sg() created the mapping, confirmed against the live page
 * table.  Identity and no-IOMMU domains report 0.
 */
void ib_describe_mapping(struct ib_run_ctx *ctx, struct sg_table *sgt)
{
	struct iommubench_run *r = ctx->run;
	struct iommu_domain *dom = iommu_get_domain_for_dev(ctx->dev);
	struct scatterlist *sg;
	u64 used = 0;
	int i;

	r->dma_segments = sgt->nents;
	r->iova_base = sgt->nents ? sg_dma_address(sgt->sgl) : 0;
	if (!dom || !(dom->type & __IOMMU_DOMAIN_PAGING) || !dom->pgsize_bitmap)
		goto out;
	for_each_sgtable_dma_sg(sgt, sg, i)
	{
		dma_addr_t iova = sg_dma_address(sg);
		dma_addr_t end = iova + sg_dma_len(sg);

		while (iova < end) {
			phys_addr_t pa = iommu_iova_to_phys(dom, iova);
			unsigned long sizes = dom->pgsize_bitmap;
			u64 s = 0;
			int b;

			if (!pa) {
				iova += PAGE_SIZE;
				continue;
			}
			for (b = BITS_PER_LONG - 1; b >= 0; b--) {
				u64 cand = 1ULL << b, k;
				bool contig = true;

				if (!(sizes & BIT(b)) || (iova & (cand - 1)) ||
				    (pa & (cand - 1)) || end - iova < cand)
					continue;
				for (k = SZ_2M; k < cand && contig; k += SZ_2M)
					contig = iommu_iova_to_phys(dom,
								    iova + k) ==
						 pa + k;
				if (contig && cand > 1 &&
				    iommu_iova_to_phys(dom, iova + cand - 1) !=
					    pa + cand - 1)
					contig = false;
				if (contig) {
					s = cand;
					break;
				}
			}
			if (!s)
				s = 1ULL << __ffs(sizes);
			used |= s;
			iova += s;
			cond_resched();
		}
	}
out:
	r->iommu_pgsizes_used = used;
}

/* ---- validation ---- */

#define IB_EINVAL(fmt, ...)                                                    \
	({                                                                     \
		pr_err_ratelimited(fmt "\n", ##__VA_ARGS__);                   \
		-EINVAL;                                                       \
	})

static bool ib_str_ok(const char *s, size_t len)
{
	return strnlen(s, len) < len;
}

static int ib_validate(struct iommubench_run *r)
{
	bool dma = r->engine != IOMMUBENCH_ENGINE_MAP;
	u64 end;
	int m;

	if (r->engine >= IOMMUBENCH_ENGINE_MAX)
		return IB_EINVAL("engine=%u: expected < %u", r->engine,
				 IOMMUBENCH_ENGINE_MAX);
	if (r->op >= IOMMUBENCH_OP_MAX)
		return IB_EINVAL("op=%u: expected < %u", r->op,
				 IOMMUBENCH_OP_MAX);
	if (r->op == IOMMUBENCH_OP_ISOLATION &&
	    !ib_engines[r->engine]->isolation)
		return IB_EINVAL("op=isolation: not supported by engine %s",
				 ib_engines[r->engine]->name);
	if (r->direction >= IOMMUBENCH_DIR_MAX)
		return IB_EINVAL("direction=%u: expected < %u", r->direction,
				 IOMMUBENCH_DIR_MAX);
	if (r->pattern >= IOMMUBENCH_PATTERN_MAX)
		return IB_EINVAL("pattern=%u: expected < %u", r->pattern,
				 IOMMUBENCH_PATTERN_MAX);
	if (r->flags & ~IOMMUBENCH_F_FLAGS_ALL)
		return IB_EINVAL("flags=0x%x: unknown bits 0x%x", r->flags,
				 r->flags & ~IOMMUBENCH_F_FLAGS_ALL);
	if (!ib_str_ok(r->device, sizeof(r->device)))
		return IB_EINVAL("device: not NUL-terminated");
	if (!ib_str_ok(r->chan, sizeof(r->chan)))
		return IB_EINVAL("chan: not NUL-terminated");
	if (!r->buf_addr || !PAGE_ALIGNED(r->buf_addr))
		return IB_EINVAL(
			"buf_addr=0x%llx: must be non-zero and page aligned",
			r->buf_addr);
	if (!r->buf_len || !PAGE_ALIGNED(r->buf_len) ||
	    r->buf_len > IOMMUBENCH_MAX_BUF_BYTES)
		return IB_EINVAL("buf_len=%llu: must be a non-zero multiple of "
				 "%lu up to %llu",
				 r->buf_len, PAGE_SIZE,
				 IOMMUBENCH_MAX_BUF_BYTES);
	if (check_add_overflow(r->buf_addr, r->buf_len, &end) ||
	    !access_ok(u64_to_user_ptr(r->buf_addr), r->buf_len))
		return IB_EINVAL("buf_addr=0x%llx buf_len=%llu: not a user "
				 "address range",
				 r->buf_addr, r->buf_len);
	if (r->op == IOMMUBENCH_OP_ISOLATION && r->buf_len < 2 * PAGE_SIZE)
		return IB_EINVAL(
			"buf_len=%llu: isolation needs at least 2 pages",
			r->buf_len);
	if (r->window > r->buf_len)
		return IB_EINVAL("window=%llu: larger than buf_len=%llu",
				 r->window, r->buf_len);
	if (dma && r->op == IOMMUBENCH_OP_BENCH) {
		if (!r->window)
			return IB_EINVAL("window=0: must be > 0");
		if (!r->xfer_size || r->xfer_size > IOMMUBENCH_MAX_XFER_BYTES)
			return IB_EINVAL("xfer_size=%llu: must be 1..%llu",
					 r->xfer_size,
					 IOMMUBENCH_MAX_XFER_BYTES);
	}
	if (r->xfer_size > IOMMUBENCH_MAX_XFER_BYTES)
		return IB_EINVAL("xfer_size=%llu: above %llu", r->xfer_size,
				 IOMMUBENCH_MAX_XFER_BYTES);
	if (r->xfer_size > (r->window ? r->window : r->buf_len))
		return IB_EINVAL("xfer_size=%llu: larger than window=%llu",
				 r->xfer_size, r->window);
	if (r->engine == IOMMUBENCH_ENGINE_EDU &&
	    r->xfer_size > IB_EDU_MAX_XFER)
		return IB_EINVAL("xfer_size=%llu: the edu device moves at most "
				 "%d bytes per DMA",
				 r->xfer_size, IB_EDU_MAX_XFER);
	if (r->granule > IOMMUBENCH_MAX_GRANULE)
		return IB_EINVAL("granule=%u: above %d", r->granule,
				 IOMMUBENCH_MAX_GRANULE);
	if (r->engine == IOMMUBENCH_ENGINE_MAP) {
		u64 win = r->window ? r->window : r->buf_len;

		if (!r->granule)
			return IB_EINVAL("granule=0: must be 1..%d",
					 IOMMUBENCH_MAX_GRANULE);
		if ((u64)r->granule << PAGE_SHIFT > win)
			return IB_EINVAL(
				"granule=%u: %u pages exceed window=%llu",
				r->granule, r->granule, win);
	}
	if (!r->threads || r->threads > IOMMUBENCH_MAX_THREADS)
		return IB_EINVAL("threads=%u: must be 1..%d", r->threads,
				 IOMMUBENCH_MAX_THREADS);
	if (r->warmup > IOMMUBENCH_MAX_ITERATIONS)
		return IB_EINVAL("warmup=%u: too large", r->warmup);
	if (r->iterations > IOMMUBENCH_MAX_ITERATIONS)
		return IB_EINVAL("iterations=%llu: above %llu", r->iterations,
				 IOMMUBENCH_MAX_ITERATIONS);
	if (r->duration_ns > (u64)IOMMUBENCH_MAX_SECONDS * NSEC_PER_SEC)
		return IB_EINVAL("duration_ns=%llu: above %d s", r->duration_ns,
				 IOMMUBENCH_MAX_SECONDS);
	if (r->op == IOMMUBENCH_OP_BENCH && !r->iterations && !r->duration_ns)
		return IB_EINVAL(
			"iterations=0 and duration_ns=0: give one of them");
	if (r->cpus_ptr && !IS_ALIGNED(r->cpus_ptr, sizeof(u32)))
		return IB_EINVAL("cpus_ptr=0x%llx: misaligned", r->cpus_ptr);
	if (r->samples_cap > IOMMUBENCH_MAX_SAMPLES)
		return IB_EINVAL("samples_cap=%u: above %u", r->samples_cap,
				 IOMMUBENCH_MAX_SAMPLES);
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		if (r->samples_ptr[m] &&
		    (!IS_ALIGNED(r->samples_ptr[m], sizeof(u64)) ||
		     !r->samples_cap ||
		     !access_ok(u64_to_user_ptr(r->samples_ptr[m]),
				(u64)r->samples_cap * sizeof(u64))))
			return IB_EINVAL("samples_ptr[%d]=0x%llx: misaligned, "
					 "samples_cap=0 or not user memory",
					 m, r->samples_ptr[m]);
		if (r->hist_ptr[m] &&
		    (!IS_ALIGNED(r->hist_ptr[m], sizeof(u64)) ||
		     !access_ok(u64_to_user_ptr(r->hist_ptr[m]),
				IOMMUBENCH_HIST_BUCKETS * sizeof(u64))))
			return IB_EINVAL("hist_ptr[%d]=0x%llx: misaligned or "
					 "not user memory",
					 m, r->hist_ptr[m]);
	}
	return 0;
}

/* ---- threads ---- */

static int ib_thread_fn(void *data)
{
	struct ib_thread *t = data;
	struct ib_run_ctx *ctx = t->ctx;
	const struct ib_engine_ops *ops = ib_engines[ctx->run->engine];
	const struct iommubench_run *r = ctx->run;
	u64 i;
	int ret = 0;

	for (i = 0; i < r->warmup && !ib_should_stop(ctx); i++) {
		ret = ops->iter(t, false);
		if (ret)
			goto out;
		cond_resched();
	}
	t->t_first = ktime_get_ns();
	for (i = 0; !ib_should_stop(ctx); i++) {
		if (r->iterations ? i >= r->iterations
				  : ktime_get_ns() >= ctx->deadline_ns)
			break;
		ret = ops->iter(t, true);
		if (ret)
			break;
		cond_resched();
	}
	t->t_last = ktime_get_ns();
out:
	t->err = ret;
	if (ret)
		WRITE_ONCE(ctx->stop, true);
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->all_done);
	/* stay until kthread_stop() so the task outlives our last access */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

static int ib_run_threads(struct ib_run_ctx *ctx, const u32 *cpus)
{
	const struct ib_engine_ops *ops = ib_engines[ctx->run->engine];
	unsigned int i, inited = 0;
	int ret = 0;

	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		t->ctx = ctx;
		t->idx = i;
		t->cpu = cpus ? (int)cpus[i] : -1;
		t->rng = ctx->run->seed ^ (0x9E3779B97F4A7C15ULL * (i + 1));
		if (!t->rng)
			t->rng = 1;
		if (ops->thread_init) {
			ret = ops->thread_init(t);
			if (ret)
				goto out;
		}
		inited++;
		t->task = kthread_create_on_node(
			ib_thread_fn, t,
			t->cpu >= 0 ? cpu_to_node(t->cpu) : NUMA_NO_NODE,
			"iommubench/%u", i);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
			goto out;
		}
		get_task_struct(t->task);
		if (t->cpu >= 0)
			kthread_bind(t->task, t->cpu);
	}

	atomic_set(&ctx->running, ctx->nthreads);
	reinit_completion(&ctx->all_done);
	if (!ctx->run->iterations)
		ctx->deadline_ns = ktime_get_ns() + ctx->run->duration_ns;
	for (i = 0; i < ctx->nthreads; i++)
		wake_up_process(ctx->threads[i].task);
	if (wait_for_completion_killable(&ctx->all_done)) {
		WRITE_ONCE(ctx->stop, true);
		wait_for_completion(&ctx->all_done);
		ret = -EINTR;
	}
	for (i = 0; i < ctx->nthreads; i++)
		if (!ret && ctx->threads[i].err)
			ret = ctx->threads[i].err;
out:
	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		if (t->task) {
			kthread_stop(t->task);
			put_task_struct(t->task);
			t->task = NULL;
		}
	}
	for (i = 0; i < inited; i++)
		if (ops->thread_exit)
			ops->thread_exit(&ctx->threads[i]);
	return ret;
}

/* ---- results ---- */

static int ib_collect(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	u64 first = U64_MAX, last = 0;
	unsigned int i;
	int m;

	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
			struct ib_thread_stat *st = &t->st[m];
			struct iommubench_stat *o = &r->stats[m];

			if (!st->count)
				continue;
			if (!o->count || st->min < o->ns_min)
				o->ns_min = st->min;
			o->ns_max = max(o->ns_max, st->max);
			o->count += st->count;
			o->ns_sum += st->sum;
		}
		r->bytes_moved += t->bytes;
		if (t->t_last) {
			first = min(first, t->t_first);
			last = max(last, t->t_last);
		}
	}
	if (last)
		r->elapsed_ns = last - first;

	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		struct ib_metric_sink *sk = &ctx->sink[m];

		if (sk->samples) {
			u64 n = min_t(u64, atomic64_read(&sk->nsamples),
				      ctx->samples_cap);

			if (copy_to_user(u64_to_user_ptr(r->samples_ptr[m]),
					 sk->samples, n * sizeof(u64)))
				return -EFAULT;
			r->stats[m].samples_written = n;
		}
		if (sk->hist) {
			u64 __user *uh = u64_to_user_ptr(r->hist_ptr[m]);
			u32 b;

			for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++)
				if (put_user((u64)atomic64_read(&sk->hist[b]),
					     uh + b))
					return -EFAULT;
		}
	}
	return 0;
}

static int ib_alloc_sinks(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	u64 want;
	int m;

	want = r->samples_cap;
	if (r->iterations)
		want = min_t(u64, want, r->iterations * r->threads);
	if (r->op == IOMMUBENCH_OP_ISOLATION)
		want = min_t(u64, want, 64);
	ctx->samples_cap = max_t(u64, want, 1);
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		struct ib_metric_sink *sk = &ctx->sink[m];

		atomic64_set(&sk->nsamples, 0);
		if (r->samples_ptr[m]) {
			sk->samples = kvmalloc_array(ctx->samples_cap,
						     sizeof(u64), GFP_KERNEL);
			if (!sk->samples)
				return -ENOMEM;
		}
		if (r->hist_ptr[m]) {
			sk->hist = kvcalloc(IOMMUBENCH_HIST_BUCKETS,
					    sizeof(atomic64_t), GFP_KERNEL);
			if (!sk->hist)
				return -ENOMEM;
		}
	}
	return 0;
}

static void ib_free_sinks(struct ib_run_ctx *ctx)
{
	int m;

	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		kvfree(ctx->sink[m].samples);
		kvfree(ctx->sink[m].hist);
	}
}

/* Pin the buffer; one PIN sample goes to thread 0's stats. */
static int ib_pin(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	unsigned int nr = r->buf_len >> PAGE_SHIFT;
	u64 t0;
	int got;

	ctx->pages = kvmalloc_array(nr, sizeof(*ctx->pages), GFP_KERNEL);
	if (!ctx->pages)
		return -ENOMEM;
	t0 = ktime_get_ns();
	got = pin_user_pages_fast(r->buf_addr, nr, FOLL_WRITE | FOLL_LONGTERM,
				  ctx->pages);
	if (got < 0) {
		pr_err_ratelimited(
			"buf_addr=0x%llx: pinning %u pages failed: %d\n",
			r->buf_addr, nr, got);
		return got;
	}
	ctx->nr_pages = got;
	if (got != nr) {
		pr_err_ratelimited("buf_addr=0x%llx: only %d of %u pages could "
				   "be pinned\n",
				   r->buf_addr, got, nr);
		return -EFAULT;
	}
	ib_record(&ctx->threads[0], IOMMUBENCH_METRIC_PIN, ktime_get_ns() - t0);
	r->nr_pages_pinned = got;
	return 0;
}

long ib_ioctl_run(void __user *uarg)
{
	const struct ib_engine_ops *ops;
	struct iommubench_run *r;
	struct ib_run_ctx *ctx;
	u32 *cpus = NULL;
	u64 faults0 = 0;
	u32 usize;
	long ret;
	unsigned int i;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!ctx || !r) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = ib_copy_in(r, sizeof(*r), sizeof(*r), uarg, &usize, "run");
	if (ret)
		goto out_free;
	ret = ib_validate(r);
	if (ret)
		goto out_free;
	/* outputs start from zero whatever the caller left there */
	memset_startat(r, 0, stats);
	ctx->run = r;
	ctx->nthreads = r->threads;
	init_completion(&ctx->all_done);
	ops = ib_engines[r->engine];
	ctx->dir = ib_dirs[r->direction];

	if (r->cpus_ptr) {
		cpus = memdup_user(u64_to_user_ptr(r->cpus_ptr),
				   r->threads * sizeof(u32));
		if (IS_ERR(cpus)) {
			ret = PTR_ERR(cpus);
			cpus = NULL;
			goto out_free;
		}
		for (i = 0; i < r->threads; i++) {
			if (cpus[i] >= nr_cpu_ids || !cpu_online(cpus[i])) {
				pr_err_ratelimited(
					"cpus_ptr[%u]=%u: not an online CPU\n",
					i, cpus[i]);
				ret = -EINVAL;
				goto out_free;
			}
		}
	}
	ctx->threads = kvcalloc(r->threads, sizeof(*ctx->threads), GFP_KERNEL);
	if (!ctx->threads) {
		ret = -ENOMEM;
		goto out_free;
	}
	ctx->threads[0].ctx = ctx;

	if (r->engine != IOMMUBENCH_ENGINE_DMAENGINE) {
		int err;

		ctx->ibd = ib_dev_claim(r->device,
					IOMMUBENCH_ENGINE_BIT(r->engine), &err);
		if (!ctx->ibd) {
			ret = err;
			goto out_free;
		}
		ctx->dev = &ctx->ibd->pdev->dev;
		r->domain_type = ib_domain_type(ctx->dev);
		faults0 = ib_fault_count(ctx->ibd->fault_slot);
	} else if (r->device[0]) {
		pr_err_ratelimited(
			"device=%s: the dmaengine engine uses a channel "
			"(chan=), not a device\n",
			r->device);
		ret = -EINVAL;
		goto out_free;
	}

	ret = ib_alloc_sinks(ctx);
	if (ret)
		goto out_release;
	ret = ib_pin(ctx);
	if (ret)
		goto out_unpin;
	ret = ops->prepare ? ops->prepare(ctx) : 0;
	if (ret)
		goto out_unprepare;
	if (r->op == IOMMUBENCH_OP_ISOLATION)
		ret = ops->isolation(ctx);
	else
		ret = ib_run_threads(ctx, cpus);

out_unprepare:
	if (ops->unprepare)
		ops->unprepare(ctx);
	/*
	 * A device that may still write the buffer must not see it unmapped
	 * and reused: leaking it is the only safe choice.
	 */
	if (!ctx->leak_dma)
		ib_unmap_buffer(ctx);
out_unpin:
	if (ctx->nr_pages && !ctx->leak_dma)
		unpin_user_pages(ctx->pages, ctx->nr_pages);
	if (!ctx->leak_dma)
		kvfree(ctx->pages);
	r->verify_errors = atomic_read(&ctx->verify_errors);
	r->timeouts = atomic_read(&ctx->timeouts);
	if (ctx->ibd)
		r->io_page_faults =
			ib_fault_count(ctx->ibd->fault_slot) - faults0;
	if (!ret)
		ret = ib_collect(ctx);
	if (!ret && copy_to_user(uarg, r, min_t(size_t, usize, sizeof(*r))))
		ret = -EFAULT;
out_release:
	ib_free_sinks(ctx);
	if (ctx->ibd)
		ib_dev_release(ctx->ibd);
out_free:
	kfree(cpus);
	if (ctx)
		kvfree(ctx->threads);
	kfree(ctx);
	kfree(r);
	return ret;
}
