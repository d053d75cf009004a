/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness side of /dev/iommubench: GET_INFO and RUN through the uapi
 * header, shared by the map, edu and dmaengine engines and `info`.
 */
#ifndef IB_MODULE_H
#define IB_MODULE_H

#include <stddef.h>
#include "iommubench.h"
#include "ib_engine.h"
#include "ib_topology.h"

/* Path of the device node (tests may point it elsewhere). */
extern const char *ib_module_dev_path;

/* 0 ok; 4 = no /dev/iommubench (why says so); 3 = other failure. */
int ib_module_info(struct iommubench_info *info, char *why, size_t whylen);

/* Adds the module's devices (with engines) to the topology. */
void ib_module_add_devices(struct ib_topo *t, const struct iommubench_info *info);

const char *ib_domain_type_name(uint32_t type);	/* "DMA", "DMA-FQ", ... */
const char *ib_domain_type_mode(uint32_t type);	/* "dma-strict", "identity", ... */

/*
 * The typed options of the module engines: what IOMMUBENCH_RUN carries.
 * Each module engine's table (IB_EOPT(struct ib_module_opts, ...)) fills
 * the fields it takes; the others stay 0.
 */
struct ib_module_opts {
	uint64_t window, xfer_size, seed, iterations, duration;
	uint32_t op, direction, pattern, granule, threads;
	uint32_t batch; /* map: buffers mapped before unmapping (0, 1: pairs) */
	uint8_t verify;
};

/* supported() for module engines (e->module_engine): device node, ABI,
 * device/channel. */
const char *ib_module_supported(const struct ib_engine *e,
				const struct ib_point *pt, char *buf, size_t len);

/* One RUN ioctl for a point of ctx->engine with ctx->opts (struct
 * ib_module_opts); fills rep.  IB_EXIT_OK, _SKIPPED, _RESOURCE or _FAILED. */
int ib_module_run_point(struct ib_run_ctx *ctx, struct ib_rep *rep,
			char *err, size_t errlen);

#endif
