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
 * callback.  The lab has no such channel: the run fails with -ENODEV and
 * a pr_info saying why, which the harness reports as "unavailable".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "ib.h"

static unsigned int dmaengine_timeout_ms = 5000;
module_param(dmaengine_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dmaengine_timeout_ms,
		 "wall-clock limit for one dmaengine memcpy (ms)");

struct ib_dmae_run {
	struct dma_chan *chan;
	void *kbuf;
	dma_addr_t kbuf_dma;
	size_t kbuf_len;
	struct mutex lock; /* one transfer in flight on the channel */
	u64 gen;
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

/* How many DMA_MEMCPY channels we could get right now. */
u32 ib_dmaengine_count_chans(void)
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
	return n;
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
	mutex_init(&dr->lock);
	dr->chan = chan;
	ctx->priv = dr;
	ctx->dev = chan->device->dev;
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

static int ib_dmae_iter(struct ib_thread *t, bool record)
{
	struct ib_run_ctx *ctx = t->ctx;
	const struct iommubench_run *r = ctx->run;
	struct ib_dmae_run *dr = ctx->priv;
	bool verify = r->flags & IOMMUBENCH_F_VERIFY;
	u64 off = ib_next_offset(t), len = r->xfer_size, done = 0, gen, t0, t1;
	bool to_buf;
	int ret = 0;

	if (r->direction == IOMMUBENCH_DIR_BIDIR)
		to_buf = t->iter & 1;
	else
		to_buf = r->direction == IOMMUBENCH_DIR_FROM_DEVICE;

	mutex_lock(&dr->lock);
	gen = ++dr->gen;
	if (verify) {
		if (to_buf) {
			u8 *p = dr->kbuf;
			u64 i;

			for (i = 0; i < len; i++)
				p[i] = ib_pattern_byte(off + i, gen);
		} else {
			ib_buf_fill(ctx, off, len, gen);
			ib_buf_sync(ctx, off, len, false);
		}
	}
	t0 = ktime_get_ns();
	while (done < len) {
		dma_addr_t a;
		u64 n;

		ret = ib_buf_dma_addr(ctx, off + done, len - done, &a, &n);
		if (ret)
			goto out;
		if (to_buf)
			ret = ib_dmae_copy(ctx, a, dr->kbuf_dma + done, n);
		else
			ret = ib_dmae_copy(ctx, dr->kbuf_dma + done, a, n);
		if (ret)
			goto out;
		done += n;
	}
	t1 = ktime_get_ns();
	if (verify) {
		u64 bad = 0;

		if (to_buf) {
			ib_buf_sync(ctx, off, len, true);
			bad = ib_buf_check(ctx, off, len, gen);
		} else {
			u8 *p = dr->kbuf;
			u64 i;

			for (i = 0; i < len; i++)
				bad += p[i] != ib_pattern_byte(off + i, gen);
		}
		if (bad) {
			atomic_inc(&ctx->verify_errors);
			pr_err_ratelimited("chan=%s: verify: %llu of %llu "
					   "bytes wrong at offset %llu\n",
					   dma_chan_name(dr->chan), bad, len,
					   off);
		}
	}
	if (record) {
		ib_record(t, IOMMUBENCH_METRIC_DMA, t1 - t0);
		t->bytes += len;
	}
	t->iter++;
out:
	mutex_unlock(&dr->lock);
	return ret;
}

const struct ib_engine_ops ib_dmaengine_ops = {
	.name = "dmaengine",
	.prepare = ib_dmae_prepare,
	.unprepare = ib_dmae_unprepare,
	.iter = ib_dmae_iter,
};
