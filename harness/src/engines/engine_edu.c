// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `edu`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_EDU); see docs/module.md for what it times.
 */
#include "ib_module.h"

static const char *edu_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(pt, IOMMUBENCH_ENGINE_EDU, buf, len);
}

static int edu_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		  size_t errlen)
{
	return ib_module_run_point(ctx, IOMMUBENCH_ENGINE_EDU, rep, err, errlen);
}

const struct ib_engine ib_engine_edu = {
	.name = "edu",
	.help = "QEMU edu device DMA through the module (lab): dma_latency_ns, bandwidth; op=isolation gives the verdict",
	.params = "op,page_size,window,xfer_size,pattern,threads,iommu_mode,cpu_node,mem_node,dev_node,device,direction,iterations,duration,seed,verify,buf_size",
	.flags = IB_ENG_MODULE | IB_ENG_DEVICE,
	.supported = edu_supported,
	.run = edu_run,
};
