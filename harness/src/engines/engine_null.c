// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `null`: moves nothing.  Each sample times an empty iteration of
 * the sampling loop (two clock reads and a store), i.e. what the harness
 * itself adds to every sample; it also exercises the pipeline end to end.
 * A signal ends a repetition early (run.c discards it).
 */
#include "ib_engine.h"
#include "ib_run.h"

static const char *null_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return NULL;
}

static int null_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		    size_t errlen)
{
	const struct ib_params *p = &ctx->pt->p;
	uint64_t n = p->u[IB_O_ITERATIONS], dur = p->u[IB_O_DURATION];
	uint64_t t0 = ib_now_ns(), a, b, i;

	for (i = 0; dur ? 1 : i < n; i++) {
		a = ib_now_ns();
		b = ib_now_ns();
		if (ib_metric_push(&rep->m[IB_M_OVERHEAD], (double)(b - a)))
			return 2;
		if ((dur && b - t0 >= dur) || ib_interrupted)
			break;
	}
	rep->elapsed_ns = ib_now_ns() - t0;
	return 0;
}

const struct ib_engine ib_engine_null = {
	.name = "null",
	.help = "does nothing: measures the harness overhead per sample (overhead_ns)",
	.params = "iterations,duration",
	.supported = null_supported,
	.run = null_run,
};
