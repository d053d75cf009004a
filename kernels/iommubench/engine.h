/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommubench module: the engine interface.  An engine is one file that
 * fills a struct ib_engine_ops, plus one line in engines.c's table,
 * indexed by the uapi enum iommubench_engine (bounded by
 * IOMMUBENCH_ENGINE_MAX).  The core reaches engines only through that
 * table (dispatch.h); engines include this header and nothing above it.
 *
 * Two kinds of engine:
 *  - DMA engines supply xfer (and far_fill/far_check for verification):
 *    the core's ib_dma_iter() owns the timed iteration (direction, lock,
 *    generation, pre-fill, timed transfer, verify, record), so every DMA
 *    engine is timed by the same code;
 *  - other engines (map) supply iter and time what they measure.
 */
#ifndef IB_ENGINE_H
#define IB_ENGINE_H

#include "ib.h"

/* flags: the engine runs on its own channel, not on a bound device */
#define IB_ENGINE_F_NO_DEVICE BIT(0)
/* flags: the engine takes iommubench_run.batch > 1 (map N, then unmap N) */
#define IB_ENGINE_F_BATCH BIT(1)

/* one iteration of a thread; record == false during warm-up */
typedef int ib_iter_fn(struct ib_thread *t, bool record);

struct ib_engine_ops {
	const char *name;
	unsigned int flags; /* IB_ENGINE_F_* */

	/*
	 * Devices.  An engine without probe is offered on every bound device
	 * (unless IB_ENGINE_F_NO_DEVICE).  With probe, only on devices that
	 * engines.c's ib_pci_ids[] names for it; probe sets up the device
	 * (ibd->priv, may lower ibd->dma_bits), remove undoes it.
	 */
	int (*probe)(struct ib_dev *ibd);
	void (*remove)(struct ib_dev *ibd);
	/* GET_INFO: fill the engine's global fields (e.g. ndma_chans) */
	void (*info)(struct iommubench_info *info);

	/* RUN: engine-specific checks after the core's; -EINVAL + pr_err */
	int (*validate)(const struct iommubench_run *r);
	/* once per run, before the threads: map the buffer, get channels */
	int (*prepare)(struct ib_run_ctx *ctx);
	void (*unprepare)(struct ib_run_ctx *ctx);
	int (*thread_init)(struct ib_thread *t);
	void (*thread_exit)(struct ib_thread *t);

	/* non-DMA engines: one iteration, timed by the engine */
	ib_iter_fn *iter;

	/*
	 * DMA engines.  xfer moves len bytes between the buffer's DMA
	 * address ram (one DMA segment) and offset far_off of the far end;
	 * from_dev: far end -> RAM.  Returns 0, -ETIMEDOUT (late: counted in
	 * ctx->timeouts, the run goes on) or another error (the run stops).
	 * far_fill loads the far end with the pattern of buffer offsets
	 * [pos, pos + len) in generation gen; far_check counts the far end's
	 * bytes that differ from it.  Both run outside the timed window.
	 */
	int (*xfer)(struct ib_run_ctx *ctx, dma_addr_t ram, u64 far_off,
		    u64 len, bool from_dev);
	int (*far_fill)(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen);
	int (*far_check)(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen,
			 u64 *bad);

	/* IOMMUBENCH_OP_ISOLATION; NULL when the engine cannot do it */
	int (*isolation)(struct ib_run_ctx *ctx);
};

/* the engines, each defined in its engine_*.c, listed in engines.c */

#endif /* IB_ENGINE_H */
