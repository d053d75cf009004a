// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench engine "dmaengine": DMA through the IOMMU with a dmaengine
 * DMA_MEMCPY channel (Intel IOAT/DSA, AMD PTDMA, ...) on real hardware.
 *
 * The user buffer is mapped for the channel's device (chan->device->dev),
 * which is the device whose IOMMU domain translates the DMA.  The "device
 * side" of a transfer is a coherent kernel buffer of xfer_size bytes:
 * to_device copies buffer -> kernel buffer, from_device the reverse, bidir
 * alternates.  Each memcpy is timed from prep+submit to its completion
 * callback, by the core's timed iteration (dma_iter.c): this file supplies
 * the copy and the fill/check of the kernel buffer.  The lab has no such channel: the run fails with -ENODEV and
 * a pr_info saying why, which the harness reports as "unavailable".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "engine.h"

static unsigned int dmaengine_timeout_ms = 5000;
module_param(dmaengine_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dmaengine_timeout_ms,
		 "wall-clock limit for one dmaengine memcpy (ms)");

struct ib_dmae_run {
	struct dma_chan *chan;
	void *kbuf;
	dma_addr_t kbuf_dma;
	size_t kbuf_len;
};

static bool ib_chan_filter(struct dma_chan *chan, void *param)
{
	return !strcmp(dma_chan_name(chan), param);
}

static struct dma_chan *ib_get_memcpy_chan(const char *name)
{
	dma_cap_mask_t mask;
	struct dma_chan *chan;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	if (name && name[0]) {
		chan = dma_request_channel(mask, ib_chan_filter, (void *)name);
		return chan ? chan : ERR_PTR(-ENODEV);
	}
	return dma_request_chan_by_mask(&mask);
}

/* GET_INFO: how many DMA_MEMCPY channels we could get right now. */
static void ib_dmae_info(struct iommubench_info *info)
{
	struct dma_chan *chans[64];
	u32 n = 0, i;

	while (n < ARRAY_SIZE(chans)) {
		struct dma_chan *c = ib_get_memcpy_chan(NULL);

		if (IS_ERR_OR_NULL(c))
			break;
		chans[n++] = c;
	}
	for (i = 0; i < n; i++)
		dma_release_channel(chans[i]);
	info->ndma_chans = n;
}

static int ib_dmae_validate(const struct iommubench_run *r)
{
	if (r->device[0]) {
		pr_err_ratelimited("device=%s: the dmaengine engine uses a "
				   "channel (chan=), not a device\n",
				   r->device);
		return -EINVAL;
	}
	return 0;
}

static void ib_dmae_done(void *param)
{
	complete(param);
}

static int ib_dmae_prepare(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	struct ib_dmae_run *dr;
	struct dma_chan *chan;

	chan = ib_get_memcpy_chan(r->chan);
	if (IS_ERR_OR_NULL(chan)) {
		pr_info("engine dmaengine unavailable: no free DMA_MEMCPY "
			"channel%s%s\n",
			r->chan[0] ? " named " : "", r->chan);
		return -ENODEV;
	}
	dr = kzalloc(sizeof(*dr), GFP_KERNEL);
	if (!dr) {
		dma_release_channel(chan);
		return -ENOMEM;
	}
	dr->chan = chan;
	ctx->priv = dr;
	ctx->dev = chan->device->dev;
	snprintf(ctx->target, sizeof(ctx->target), "chan=%s",
		 dma_chan_name(chan));
	r->domain_type = ib_domain_type(ctx->dev);
	dr->kbuf_len = PAGE_ALIGN(r->xfer_size);
	dr->kbuf = dma_alloc_coherent(ctx->dev, dr->kbuf_len, &dr->kbuf_dma,
				      GFP_KERNEL);
	if (!dr->kbuf)
		return -ENOMEM;
	return ib_map_buffer(ctx, ctx->dev, ctx->dir, ctx->nr_pages);
}

static void ib_dmae_unprepare(struct ib_run_ctx *ctx)
{
	struct ib_dmae_run *dr = ctx->priv;

	if (!dr)
		return;
	/* the mapping belongs to the channel's device: undo it first */
	ib_unmap_buffer(ctx);
	if (dr->kbuf)
		dma_free_coherent(ctx->dev, dr->kbuf_len, dr->kbuf,
				  dr->kbuf_dma);
	dma_release_channel(dr->chan);
	kfree(dr);
	ctx->priv = NULL;
}

static int ib_dmae_copy(struct ib_run_ctx *ctx, dma_addr_t dst, dma_addr_t src,
			size_t len)
{
	struct ib_dmae_run *dr = ctx->priv;
	struct dma_async_tx_descriptor *tx;
	DECLARE_COMPLETION_ONSTACK(done);
	dma_cookie_t cookie;

	tx = dmaengine_prep_dma_memcpy(dr->chan, dst, src, len,
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -ENOMEM;
	tx->callback = ib_dmae_done;
	tx->callback_param = &done;
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	dma_async_issue_pending(dr->chan);
	if (!wait_for_completion_timeout(
		    &done, msecs_to_jiffies(dmaengine_timeout_ms))) {
		dmaengine_terminate_sync(dr->chan);
		atomic_inc(&ctx->timeouts);
		return -ETIMEDOUT;
	}
	if (dma_async_is_tx_complete(dr->chan, cookie, NULL, NULL) !=
	    DMA_COMPLETE)
		return -EIO;
	return 0;
}

/* The xfer hook: one memcpy between the buffer and the kernel buffer. */
static int ib_dmae_xfer(struct ib_run_ctx *ctx, dma_addr_t ram, u64 far_off,
			u64 len, bool from_dev)
{
	struct ib_dmae_run *dr = ctx->priv;

	if (from_dev)
		return ib_dmae_copy(ctx, ram, dr->kbuf_dma + far_off, len);
	return ib_dmae_copy(ctx, dr->kbuf_dma + far_off, ram, len);
}

static int ib_dmae_far_fill(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen)
{
	struct ib_dmae_run *dr = ctx->priv;

	ib_mem_fill(dr->kbuf, pos, len, gen);
	return 0;
}

static int ib_dmae_far_check(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen,
			     u64 *bad)
{
	struct ib_dmae_run *dr = ctx->priv;

	*bad = ib_mem_check(dr->kbuf, pos, len, gen);
	return 0;
}

const struct ib_engine_ops ib_dmaengine_ops = {
	.name = "dmaengine",
	.flags = IB_ENGINE_F_NO_DEVICE,
	.info = ib_dmae_info,
	.validate = ib_dmae_validate,
	.prepare = ib_dmae_prepare,
	.unprepare = ib_dmae_unprepare,
	.xfer = ib_dmae_xfer,
	.far_fill = ib_dmae_far_fill,
	.far_check = ib_dmae_far_check,
};
