// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `cuda`: PLACEHOLDER.  GPU copy engines through the CUDA driver API
 * (libcuda loaded with dlopen, no build dependency; docs/architecture.md) are not
 * implemented yet.  The engine exists so that the `gpu` suite parses and
 * plans, and every point is a "skipped" row with this reason (exit 4),
 * never an error.
 */
#include <stdio.h>

#include "ib_engine.h"

static const struct ib_engine_opt cuda_opts[] = {
	{ .id = IB_O_PAGE_SIZE }, { .id = IB_O_WINDOW },     { .id = IB_O_XFER_SIZE },
	{ .id = IB_O_DIRECTION }, { .id = IB_O_ITERATIONS }, { .id = IB_O_DURATION },
	{ .id = IB_O_BUF_SIZE },
};

static const char *cuda_supported(const struct ib_point *pt, char *buf, size_t len)
{
	snprintf(buf, len,
		 "unavailable: the cuda engine is not implemented yet (placeholder; "
		 "GPU copy engines via the CUDA driver API)");
	return buf;
}

static int cuda_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		    size_t errlen)
{
	cuda_supported(ctx->pt, err, errlen);
	return IB_EXIT_SKIPPED;
}

const struct ib_engine ib_engine_cuda = {
	.name = "cuda",
	.help = "PLACEHOLDER: GPU copy engines via the CUDA driver API (not implemented; always skipped)",
	.flags = IB_ENG_DMA,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB_BANDWIDTH,
	.module_engine = -1,
	IB_ENGINE_OPTS(cuda_opts),
	.supported = cuda_supported,
	.run = cuda_run,
};
