// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `cuda`: PLACEHOLDER.  GPU copy engines through the CUDA driver API
 * (libcuda loaded with dlopen, no build dependency; ARCHITECTURE.md) are not
 * implemented yet.  The engine exists so that the `gpu` suite parses and
 * plans, and every point is a "skipped" row with this reason (exit 4),
 * never an error.
 */
#include <stdio.h>

#include "ib_engine.h"

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
	return 4;
}

const struct ib_engine ib_engine_cuda = {
	.name = "cuda",
	.help = "PLACEHOLDER: GPU copy engines via the CUDA driver API (not implemented; always skipped)",
	.params = "page_size,window,xfer_size,direction,iterations,duration,buf_size",
	.supported = cuda_supported,
	.run = cuda_run,
};
