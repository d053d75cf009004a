// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench engine "map": the cost of dma_map_sgtable()/dma_unmap_sgtable()
 * of pinned user pages (IOVA allocation, page-table update and, in strict
 * mode, the IOTLB invalidation on unmap).  Nothing moves any bytes.
 *
 * The window (default: the whole buffer) is cut into chunks of `granule`
 * pages; thread i maps and unmaps chunk i % nchunks once per iteration, with
 * an sg table built beforehand so only the DMA API calls are timed.
 *
 * batch = N > 1 (the IOVA allocator's worst case): thread i owns chunks
 * (i * N + k) % nchunks, k < N, and one iteration maps all N, then unmaps
 * all N in the same order, each call timed on its own.  N outstanding
 * IOVAs outgrow the per-CPU rcache (two magazines of 128 in 6.1, 127 in
 * 6.12) and then the depot, and in lazy mode N unmaps fill the flush
 * queue: map_ns and unmap_ns per buffer show where.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "engine.h"

struct ib_map_thread {
	struct sg_table sgt;	   /* batch <= 1: the thread's one chunk */
	struct sg_table *batch;	   /* batch > 1: its N chunks */
	unsigned int nbatch;	   /* entries of batch[] built */
};

static unsigned int ib_map_batch(const struct iommubench_run *r)
{
	return r->batch > 1 ? r->batch : 1;
}

static unsigned int ib_map_nchunks(struct ib_run_ctx *ctx)
{
	const struct iommubench_run *r = ctx->run;
	u64 win = r->window ? r->window : r->buf_len;

	return (win >> PAGE_SHIFT) / r->granule;
}

static int ib_map_chunk_table(struct ib_run_ctx *ctx, unsigned int chunk,
			      struct sg_table *sgt)
{
	u32 g = ctx->run->granule;

	return sg_alloc_table_from_pages(sgt, ctx->pages + (size_t)chunk * g, g,
					 0, (unsigned long)g << PAGE_SHIFT,
					 GFP_KERNEL);
}

static int ib_map_validate(const struct iommubench_run *r)
{
	u64 win = r->window ? r->window : r->buf_len;

	if (!r->granule) {
		pr_err_ratelimited("granule=0: must be 1..%d\n",
				   IOMMUBENCH_MAX_GRANULE);
		return -EINVAL;
	}
	if ((u64)r->granule << PAGE_SHIFT > win) {
		pr_err_ratelimited("granule=%u: %u pages exceed window=%llu\n",
				   r->granule, r->granule, win);
		return -EINVAL;
	}
	if (r->batch > 1 && (u64)r->batch * r->granule > (win >> PAGE_SHIFT)) {
		pr_err_ratelimited("batch=%u: %u chunks of granule=%u pages exceed "
				   "window=%llu\n",
				   r->batch, r->batch, r->granule, win);
		return -EINVAL;
	}
	if (r->batch > 1 && (u64)r->threads * r->batch * r->granule * PAGE_SIZE >
				    IOMMUBENCH_MAX_BATCH_BYTES) {
		pr_err_ratelimited("batch=%u: threads=%u x batch x granule=%u "
				   "pages map more than %llu bytes at once\n",
				   r->batch, r->threads, r->granule,
				   IOMMUBENCH_MAX_BATCH_BYTES);
		return -EINVAL;
	}
	return 0;
}

/* Map chunk 0 once, untimed, to report the IOVA layout of one map call. */
static int ib_map_prepare(struct ib_run_ctx *ctx)
{
	struct sg_table sgt;
	int ret;

	ret = ib_map_chunk_table(ctx, 0, &sgt);
	if (ret)
		return ret;
	ret = dma_map_sgtable(ctx->dev, &sgt, ctx->dir, 0);
	if (ret) {
		ret = ib_map_errno(ctx->dev, ret, ctx->run->granule);
		goto out;
	}
	ib_describe_mapping(ctx, &sgt);
	dma_unmap_sgtable(ctx->dev, &sgt, ctx->dir, 0);
out:
	sg_free_table(&sgt);
	return ret;
}

static void ib_map_thread_exit(struct ib_thread *t)
{
	struct ib_map_thread *mt = t->priv;
	unsigned int k;

	if (!mt)
		return;
	if (mt->batch) {
		for (k = 0; k < mt->nbatch; k++)
			sg_free_table(&mt->batch[k]);
		kvfree(mt->batch);
	} else {
		sg_free_table(&mt->sgt);
	}
	kfree(mt);
	t->priv = NULL;
}

static int ib_map_thread_init(struct ib_thread *t)
{
	unsigned int n = ib_map_batch(t->ctx->run);
	unsigned int nchunks = ib_map_nchunks(t->ctx);
	struct ib_map_thread *mt;
	int ret;

	mt = kzalloc(sizeof(*mt), GFP_KERNEL);
	if (!mt)
		return -ENOMEM;
	t->priv = mt;
	if (n == 1) {
		ret = ib_map_chunk_table(t->ctx, t->idx % nchunks, &mt->sgt);
		goto out;
	}
	mt->batch = kvcalloc(n, sizeof(*mt->batch), GFP_KERNEL);
	if (!mt->batch) {
		ret = -ENOMEM;
		goto out;
	}
	for (ret = 0; !ret && mt->nbatch < n; mt->nbatch++) {
		ret = ib_map_chunk_table(
			t->ctx, ((u64)t->idx * n + mt->nbatch) % nchunks,
			&mt->batch[mt->nbatch]);
		if (ret)
			break;
		cond_resched();
	}
out:
	if (ret) {
		/* the core calls thread_exit only for threads whose init worked */
		ib_map_thread_exit(t);
	}
	return ret;
}

static int ib_map_iter(struct ib_thread *t, bool record)
{
	struct ib_map_thread *mt = t->priv;
	struct ib_run_ctx *ctx = t->ctx;
	u64 t0, t1, t2;
	int ret;

	t0 = ktime_get_ns();
	ret = dma_map_sgtable(ctx->dev, &mt->sgt, ctx->dir, 0);
	t1 = ktime_get_ns();
	if (ret)
		return ib_map_errno(ctx->dev, ret, ctx->run->granule);
	dma_unmap_sgtable(ctx->dev, &mt->sgt, ctx->dir, 0);
	t2 = ktime_get_ns();
	if (record) {
		ib_record(t, IOMMUBENCH_METRIC_MAP, t1 - t0);
		ib_record(t, IOMMUBENCH_METRIC_UNMAP, t2 - t1);
	}
	t->iter++;
	return 0;
}

/* batch > 1: map the thread's N chunks, then unmap all N. */
static int ib_map_iter_batch(struct ib_thread *t, bool record)
{
	struct ib_map_thread *mt = t->priv;
	struct ib_run_ctx *ctx = t->ctx;
	unsigned int k, mapped;
	u64 t0, t1;
	int ret = 0;

	for (mapped = 0; mapped < mt->nbatch; mapped++) {
		t0 = ktime_get_ns();
		ret = dma_map_sgtable(ctx->dev, &mt->batch[mapped], ctx->dir, 0);
		t1 = ktime_get_ns();
		if (ret) {
			ret = ib_map_errno(ctx->dev, ret, ctx->run->granule);
			break;
		}
		if (record)
			ib_record(t, IOMMUBENCH_METRIC_MAP, t1 - t0);
	}
	/* after a failed map, the ones done are unmapped but not recorded */
	for (k = 0; k < mapped; k++) {
		t0 = ktime_get_ns();
		dma_unmap_sgtable(ctx->dev, &mt->batch[k], ctx->dir, 0);
		t1 = ktime_get_ns();
		if (record && !ret)
			ib_record(t, IOMMUBENCH_METRIC_UNMAP, t1 - t0);
	}
	if (ret)
		return ret;
	t->iter++;
	return 0;
}

static int ib_map_iter_any(struct ib_thread *t, bool record)
{
	struct ib_map_thread *mt = t->priv;

	return mt->batch ? ib_map_iter_batch(t, record) : ib_map_iter(t, record);
}

const struct ib_engine_ops ib_map_ops = {
	.name = "map",
	.flags = IB_ENGINE_F_BATCH,
	.validate = ib_map_validate,
	.prepare = ib_map_prepare,
	.thread_init = ib_map_thread_init,
	.thread_exit = ib_map_thread_exit,
	.iter = ib_map_iter_any,
};
