// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `map`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_MAP); see docs/module.md for what it times.
 */
#include "ib_module.h"

#define O(field, id) IB_EOPT(struct ib_module_opts, field, id)
static const struct ib_engine_opt map_opts[] = {
	{ .id = IB_O_PAGE_SIZE }, O(window, IB_O_WINDOW),
	O(granule, IB_O_GRANULE), O(threads, IB_O_THREADS),
	{ .id = IB_O_IOMMU_MODE }, { .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },   { .id = IB_O_DEV_NODE },
	{ .id = IB_O_DEVICE },	   O(direction, IB_O_DIRECTION),
	O(iterations, IB_O_ITERATIONS), O(duration, IB_O_DURATION),
	{ .id = IB_O_BUF_SIZE },
	{ .id = IB_O_LAYOUT }, /* the runner lays the buffer out */
};
#undef O

static int map_validate(const struct ib_params *p, char *err, size_t errlen)
{
	if (p->u[IB_O_GRANULE] * 4096ULL > p->u[IB_O_WINDOW]) {
		snprintf(err, errlen, "granule=%s: %s pages of 4 KiB exceed window=%s",
			 p->raw[IB_O_GRANULE], p->raw[IB_O_GRANULE],
			 p->raw[IB_O_WINDOW]);
		return -1;
	}
	return 0;
}

extern const struct ib_engine ib_engine_map;

static const char *map_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(&ib_engine_map, pt, buf, len);
}

const struct ib_engine ib_engine_map = {
	.name = "map",
	.help = "dma_map_sgtable/dma_unmap_sgtable of pinned user pages in the module: map_ns, unmap_ns, pin_ns (mapping + IOTLB invalidation cost)",
	.flags = IB_ENG_TIMES_MAPS | IB_ENG_NEEDS_MODULE | IB_ENG_NEEDS_DEVICE,
	.metrics = IB_MB(IB_M_MAP) | IB_MB(IB_M_UNMAP) | IB_MB(IB_M_PIN),
	.module_engine = IOMMUBENCH_ENGINE_MAP,
	IB_ENGINE_OPTS(map_opts),
	.opts_size = sizeof(struct ib_module_opts),
	.validate = map_validate,
	.supported = map_supported,
	.run = ib_module_run_point,
};
