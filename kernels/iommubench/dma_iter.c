// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the timed iteration of every DMA engine.  The engine supplies
 * only the transfer (ops->xfer) and, for verification, the fill and check
 * of its far end (ops->far_fill, ops->far_check); this file decides the
 * direction and offset, serialises transfers, draws the data generation,
 * pre-fills, times the transfer, verifies and records.  So a comparison
 * across DMA engines compares transfers timed by the same code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>

#include "dispatch.h"

/*
 * A transfer of len bytes at buffer offset off, split where the DMA
 * segments of the mapping end (dma-direct with scattered 4K pages); the
 * far end is addressed from offset 0.
 */
int ib_xfer(struct ib_run_ctx *ctx, u64 off, u64 len, bool from_dev)
{
	u64 done = 0;
	int ret;

	while (done < len) {
		dma_addr_t a;
		u64 n;

		ret = ib_buf_dma_addr(ctx, off + done, len - done, &a, &n);
		if (ret)
			return ret;
		ret = ctx->ops->xfer(ctx, a, done, n, from_dev);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

/*
 * Verification (IOMMUBENCH_F_VERIFY): before the timed transfer the source
 * holds the pattern of this generation (the buffer range for to_device,
 * the far end for from_device); after it, the destination is compared.
 * The generation changes every DMA, so stale data never passes.
 */
int ib_dma_iter(struct ib_thread *t, bool record)
{
	struct ib_run_ctx *ctx = t->ctx;
	const struct ib_engine_ops *ops = ctx->ops;
	const struct iommubench_run *r = ctx->run;
	bool verify = r->flags & IOMMUBENCH_F_VERIFY;
	u64 off = ib_next_offset(t);
	u64 len = r->xfer_size;
	bool from_dev;
	u64 gen, t0, t1;
	int ret = 0;

	if (r->direction == IOMMUBENCH_DIR_BIDIR)
		from_dev = t->iter & 1;
	else
		from_dev = r->direction == IOMMUBENCH_DIR_FROM_DEVICE;

	/* one far end and, for edu, one DMA engine: one transfer at a time */
	mutex_lock(&ctx->xfer_lock);
	gen = ++ctx->gen;
	if (verify) {
		if (from_dev) {
			ret = ops->far_fill(ctx, off, len, gen);
		} else {
			ib_buf_fill(ctx, off, len, gen);
			ib_buf_sync(ctx, off, len, false);
		}
		if (ret)
			goto out;
	}
	t0 = ktime_get_ns();
	ret = ib_xfer(ctx, off, len, from_dev);
	t1 = ktime_get_ns();
	if (ret)
		goto out;
	if (verify) {
		u64 bad;

		if (from_dev) {
			ib_buf_sync(ctx, off, len, true);
			bad = ib_buf_check(ctx, off, len, gen);
		} else {
			ret = ops->far_check(ctx, off, len, gen, &bad);
			if (ret)
				goto out;
		}
		if (bad) {
			atomic_inc(&ctx->verify_errors);
			pr_err_ratelimited("%s: verify: %llu of %llu bytes "
					   "wrong at offset %llu (%s)\n",
					   ctx->target, bad, len, off,
					   from_dev ? "from_device"
						    : "to_device");
		}
	}
	if (record) {
		ib_record(t, IOMMUBENCH_METRIC_DMA, t1 - t0);
		t->bytes += len;
	}
	t->iter++;
out:
	mutex_unlock(&ctx->xfer_lock);
	/* a late DMA is counted in ->timeouts and the run goes on */
	return ret == -ETIMEDOUT ? 0 : ret;
}
