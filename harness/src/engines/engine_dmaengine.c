// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `dmaengine`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_DMAENGINE); see docs/module.md for what it times.
 */
#include "ib_module.h"

static const char *dmaengine_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(pt, IOMMUBENCH_ENGINE_DMAENGINE, buf, len);
}

static int dmaengine_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		  size_t errlen)
{
	return ib_module_run_point(ctx, IOMMUBENCH_ENGINE_DMAENGINE, rep, err, errlen);
}

const struct ib_engine ib_engine_dmaengine = {
	.name = "dmaengine",
	.help = "a dmaengine DMA_MEMCPY channel through the module (bare metal): dma_latency_ns, bandwidth",
	.params = "page_size,window,xfer_size,pattern,threads,cpu_node,mem_node,direction,iterations,duration,seed,verify,buf_size",
	.flags = IB_ENG_MODULE,
	.supported = dmaengine_supported,
	.run = dmaengine_run,
};
