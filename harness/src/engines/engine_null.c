// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `null`: moves nothing.  Each sample times an empty iteration of
 * the sampling loop (two clock reads and a store), i.e. what the harness
 * itself adds to every sample; it also exercises the pipeline end to end.
 * A signal ends a repetition early (run.c discards it).
 */
#include "ib_engine.h"
#include "ib_run.h"

struct null_opts {
	uint64_t iterations, duration;
};

static const struct ib_engine_opt null_opt_table[] = {
	IB_EOPT(struct null_opts, iterations, IB_O_ITERATIONS),
	IB_EOPT(struct null_opts, duration, IB_O_DURATION),
};

static const char *null_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return NULL;
}

static int null_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		    size_t errlen)
{
	const struct null_opts *o = ctx->opts;
	uint64_t n = o->iterations, dur = o->duration;
	uint64_t t0 = ib_now_ns(), a, b, i;

	for (i = 0; dur ? 1 : i < n; i++) {
		a = ib_now_ns();
		b = ib_now_ns();
		if (ib_metric_push(&rep->m[IB_M_OVERHEAD], (double)(b - a)))
			return IB_EXIT_FAILED;
		if ((dur && b - t0 >= dur) || ib_interrupted)
			break;
	}
	rep->elapsed_ns = ib_now_ns() - t0;
	return IB_EXIT_OK;
}

const struct ib_engine ib_engine_null = {
	.name = "null",
	.help = "does nothing: measures the harness overhead per sample (overhead_ns)",
	.metrics = IB_MB(IB_M_OVERHEAD),
	.module_engine = -1,
	IB_ENGINE_OPTS(null_opt_table),
	.opts_size = sizeof(struct null_opts),
	.supported = null_supported,
	.run = null_run,
};
