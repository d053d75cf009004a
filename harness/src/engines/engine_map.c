// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `map`: runs in the iommubench module through IOMMUBENCH_RUN
 * (engine IOMMUBENCH_ENGINE_MAP); see docs/module.md for what it times.
 * Its own parameter `batch` (issue 22 §6): map N buffers of `granule`
 * pages, then unmap all N, the IOVA allocator's worst case.
 */

#include "ib_module.h"
#include "ib_rowschema.h"

/* map's own parameter (ib_engine.h: struct ib_engine_opt .param).
 * Default unset (rows of other engines do not carry it): 1, the pairs. */
static const struct ib_option map_batch = {
	"batch", IB_OPT_UINT, 0, 1, IOMMUBENCH_MAX_BATCH, "", NULL,
	"map engine: buffers mapped before all are unmapped (default 1: map-unmap pairs)",
};
/* its row-schema entry: params.batch, asked for, an integer in the typed
 * view (the batch figure's x axis), a series key part where present (so
 * findings pair strict and lazy rows of the same batch), no CSV column
 * (like iodepth) */
static const struct ib_row_field map_batch_field = {
	.name = "batch", .where = IB_FW_PARAMS, .type = IB_FT_INT,
	.flags = IB_FF_REQUESTED | IB_FF_KEY_NAMED, .resolves = -1, .view = IB_V_INT,
};

#define O(field, id, ...) IB_EOPT(struct ib_module_opts, field, id, __VA_ARGS__)
/* not const: the registry writes batch's id into its entry at start-up */
static struct ib_engine_opt map_opts[] = {
	{ .id = IB_O_PAGE_SIZE }, O(window, IB_O_WINDOW),
	O(granule, IB_O_GRANULE), O(threads, IB_O_THREADS),
	O(batch, 0, .param = &map_batch, .field = &map_batch_field),
	{ .id = IB_O_IOMMU_MODE }, { .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },   { .id = IB_O_DEV_NODE },
	{ .id = IB_O_DEVICE },	   O(direction, IB_O_DIRECTION),
	O(iterations, IB_O_ITERATIONS), O(duration, IB_O_DURATION),
	{ .id = IB_O_BUF_SIZE },
	{ .id = IB_O_LAYOUT }, /* the runner lays the buffer out */
};
#undef O

/* batch's two bounds: its buffers fit the window, and what is mapped at
 * once (threads x batch x granule pages) stays under the module's limit. */
static int map_validate_batch(const struct ib_params *p, char *err, size_t errlen)
{
	int o_batch = ib_opt_find(map_batch.name);
	uint64_t n = o_batch >= 0 && p->u[o_batch] ? p->u[o_batch] : 1;
	uint64_t bytes = n * p->u[IB_O_GRANULE] * 4096ULL;

	if (n == 1)
		return 0;
	if (bytes > p->u[IB_O_WINDOW]) {
		snprintf(err, errlen,
			 "batch=%llu: %llu buffers of granule=%s 4 KiB pages need %llu bytes, above window=%s",
			 (unsigned long long)n, (unsigned long long)n, p->raw[IB_O_GRANULE],
			 (unsigned long long)bytes, p->raw[IB_O_WINDOW]);
		return -1;
	}
	if (bytes * p->u[IB_O_THREADS] > IOMMUBENCH_MAX_BATCH_BYTES) {
		snprintf(err, errlen,
			 "batch=%llu: threads=%s x %llu bytes mapped at once, above %llu (1 GiB)",
			 (unsigned long long)n, p->raw[IB_O_THREADS], (unsigned long long)bytes,
			 (unsigned long long)IOMMUBENCH_MAX_BATCH_BYTES);
		return -1;
	}
	return 0;
}

static int map_validate(const struct ib_params *p, char *err, size_t errlen)
{
	if (p->u[IB_O_GRANULE] * 4096ULL > p->u[IB_O_WINDOW]) {
		snprintf(err, errlen, "granule=%s: %s pages of 4 KiB exceed window=%s",
			 p->raw[IB_O_GRANULE], p->raw[IB_O_GRANULE],
			 p->raw[IB_O_WINDOW]);
		return -1;
	}
	return map_validate_batch(p, err, errlen);
}

extern const struct ib_engine ib_engine_map;

static const char *map_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return ib_module_supported(&ib_engine_map, pt, buf, len);
}

/*
 * iterations counts the buffers each thread maps, whatever the batch:
 * batch=N runs ceil(iterations / N) rounds of N maps and N unmaps, so a
 * sweep over N takes about the same samples per point (at least N).
 */
static int map_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	struct ib_module_opts o = *(const struct ib_module_opts *)ctx->opts;
	const void *saved = ctx->opts;
	int rc;

	if (o.batch > 1 && o.iterations)
		o.iterations = (o.iterations + o.batch - 1) / o.batch;
	ctx->opts = &o;
	rc = ib_module_run_point(ctx, rep, err, errlen);
	ctx->opts = saved;
	return rc;
}

const struct ib_engine ib_engine_map = {
	.name = "map",
	.help = "dma_map_sgtable/dma_unmap_sgtable of pinned user pages in the module: map_ns, unmap_ns, pin_ns (mapping + IOTLB invalidation cost); batch=N maps N buffers, then unmaps all N",
	.flags = IB_ENG_TIMES_MAPS | IB_ENG_NEEDS_MODULE | IB_ENG_NEEDS_DEVICE,
	.metrics = IB_MB(IB_M_MAP) | IB_MB(IB_M_UNMAP) | IB_MB(IB_M_PIN),
	.module_engine = IOMMUBENCH_ENGINE_MAP,
	IB_ENGINE_OPTS(map_opts),
	.opts_size = sizeof(struct ib_module_opts),
	.validate = map_validate,
	.supported = map_supported,
	.run = map_run,
};
