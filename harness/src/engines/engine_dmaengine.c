// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `dmaengine`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_DMAENGINE); see docs/module.md for what it times.
 */
#include "ib_module.h"

#define O(field, id) IB_EOPT(struct ib_module_opts, field, id)
static const struct ib_engine_opt dmaengine_opts[] = {
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE),
	O(pattern, IB_O_PATTERN),
	O(threads, IB_O_THREADS),
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	O(direction, IB_O_DIRECTION),
	O(iterations, IB_O_ITERATIONS),
	O(duration, IB_O_DURATION),
	O(seed, IB_O_SEED),
	O(verify, IB_O_VERIFY),
	{ .id = IB_O_BUF_SIZE },
	{ .id = IB_O_LAYOUT }, /* the runner lays the buffer out */
};
#undef O

extern const struct ib_engine ib_engine_dmaengine;

static const char *dmaengine_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(&ib_engine_dmaengine, pt, buf, len);
}

const struct ib_engine ib_engine_dmaengine = {
	.name = "dmaengine",
	.help = "a dmaengine DMA_MEMCPY channel through the module (bare metal): dma_latency_ns, bandwidth",
	.flags = IB_ENG_DMA | IB_ENG_NEEDS_MODULE | IB_ENG_NEEDS_DMA_CHAN,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB(IB_M_PIN) | IB_MB_BANDWIDTH,
	.module_engine = IOMMUBENCH_ENGINE_DMAENGINE,
	IB_ENGINE_OPTS(dmaengine_opts),
	.opts_size = sizeof(struct ib_module_opts),
	.supported = dmaengine_supported,
	.run = ib_module_run_point,
};
