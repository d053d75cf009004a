// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `edu`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_EDU); see docs/module.md for what it times.
 */
#include "ib_module.h"

/* The edu device's DMA length register: at most 4095 bytes per DMA. */
#define EDU_MAX_XFER 4095

#define O(field, id, ...) IB_EOPT(struct ib_module_opts, field, id, __VA_ARGS__)
static const struct ib_engine_opt edu_opts[] = {
	O(op, IB_O_OP, .allowed = "bench,isolation"),
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE, .max = EDU_MAX_XFER),
	O(pattern, IB_O_PATTERN),
	O(threads, IB_O_THREADS),
	{ .id = IB_O_IOMMU_MODE },
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	{ .id = IB_O_DEV_NODE },
	{ .id = IB_O_DEVICE },
	O(direction, IB_O_DIRECTION),
	O(iterations, IB_O_ITERATIONS),
	O(duration, IB_O_DURATION),
	O(seed, IB_O_SEED),
	O(verify, IB_O_VERIFY),
	{ .id = IB_O_BUF_SIZE },
	{ .id = IB_O_LAYOUT }, /* the runner lays the buffer out */
};
#undef O

extern const struct ib_engine ib_engine_edu;

static const char *edu_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(&ib_engine_edu, pt, buf, len);
}

const struct ib_engine ib_engine_edu = {
	.name = "edu",
	.help = "QEMU edu device DMA through the module (lab): dma_latency_ns, bandwidth; op=isolation gives the verdict",
	.flags = IB_ENG_DMA | IB_ENG_LAB_FIXED_TIMER | IB_ENG_ISOLATION | IB_ENG_NEEDS_MODULE |
		 IB_ENG_NEEDS_DEVICE,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB(IB_M_PIN) | IB_MB_BANDWIDTH,
	.module_engine = IOMMUBENCH_ENGINE_EDU,
	IB_ENGINE_OPTS(edu_opts),
	.opts_size = sizeof(struct ib_module_opts),
	.supported = edu_supported,
	.run = ib_module_run_point,
};
