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

/* supported() for module engines: device node, ABI, device/channel. */
const char *ib_module_supported(const struct ib_point *pt, int engine,
				char *buf, size_t len);

/* One RUN ioctl for a point; fills rep. 0 ok, 4 skip, 2 error. */
int ib_module_run_point(struct ib_run_ctx *ctx, int engine,
			struct ib_rep *rep, char *err, size_t errlen);

#endif
