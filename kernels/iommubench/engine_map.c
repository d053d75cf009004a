// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench engine "map": the cost of dma_map_sgtable()/dma_unmap_sgtable()
 * of pinned user pages (IOVA allocation, page-table update and, in strict
 * mode, the IOTLB invalidation on unmap).  Nothing moves any bytes.
 *
 * The window (default: the whole buffer) is cut into chunks of `granule`
 * pages; thread i maps and unmaps chunk i % nchunks once per iteration, with
 * an sg table built beforehand so only the DMA API calls are timed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "engine.h"

struct ib_map_thread {
	struct sg_table sgt;
};

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

static int ib_map_thread_init(struct ib_thread *t)
{
	struct ib_map_thread *mt;
	int ret;

	mt = kzalloc(sizeof(*mt), GFP_KERNEL);
	if (!mt)
		return -ENOMEM;
	ret = ib_map_chunk_table(t->ctx, t->idx % ib_map_nchunks(t->ctx),
				 &mt->sgt);
	if (ret) {
		kfree(mt);
		return ret;
	}
	t->priv = mt;
	return 0;
}

static void ib_map_thread_exit(struct ib_thread *t)
{
	struct ib_map_thread *mt = t->priv;

	if (!mt)
		return;
	sg_free_table(&mt->sgt);
	kfree(mt);
	t->priv = NULL;
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

const struct ib_engine_ops ib_map_ops = {
	.name = "map",
	.validate = ib_map_validate,
	.prepare = ib_map_prepare,
	.thread_init = ib_map_thread_init,
	.thread_exit = ib_map_thread_exit,
	.iter = ib_map_iter,
};
