// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `map`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_MAP); see docs/module.md for what it times.
 */
#include "ib_module.h"

static const char *map_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(pt, IOMMUBENCH_ENGINE_MAP, buf, len);
}

static int map_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		  size_t errlen)
{
	return ib_module_run_point(ctx, IOMMUBENCH_ENGINE_MAP, rep, err, errlen);
}

const struct ib_engine ib_engine_map = {
	.name = "map",
	.help = "dma_map_sgtable/dma_unmap_sgtable of pinned user pages in the module: map_ns, unmap_ns, pin_ns (mapping + IOTLB invalidation cost)",
	.params = "page_size,window,granule,threads,iommu_mode,cpu_node,mem_node,dev_node,device,direction,iterations,duration,buf_size",
	.flags = IB_ENG_MODULE | IB_ENG_DEVICE,
	.supported = map_supported,
	.run = map_run,
};
