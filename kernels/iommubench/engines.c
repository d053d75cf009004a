// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the engine registry.  A new engine is one engine_<name>.c
 * (Kbuild picks up every engine_*.c) plus one line in IB_ENGINE_LIST (and,
 * if the driver should claim its devices by PCI ID, one line in
 * ib_pci_ids[]); its number is the ABI's enum iommubench_engine.
 */
#include <linux/module.h>

#include "dispatch.h"
#include "iommubench_edu.h" /* the edu's PCI IDs */

/* X(enum suffix, ops): one line per engine */
#define IB_ENGINE_LIST(X)              \
	X(MAP, ib_map_ops)             \
	X(EDU, ib_edu_ops)             \
	X(DMAENGINE, ib_dmaengine_ops)

#define IB_ENGINE_DECL(e, ops) extern const struct ib_engine_ops ops;
#define IB_ENGINE_ENTRY(e, ops) [IOMMUBENCH_ENGINE_##e] = &ops,
IB_ENGINE_LIST(IB_ENGINE_DECL)

/* ops table indexed by enum iommubench_engine */
const struct ib_engine_ops *const ib_engines[IOMMUBENCH_ENGINE_MAX] = {
	IB_ENGINE_LIST(IB_ENGINE_ENTRY)
};

/*
 * Devices the driver binds by ID; driver_data is the mask of engines whose
 * probe() is tried on them.  Other devices come through driver_override
 * and get the engines without probe() (map).
 */
const struct pci_device_id ib_pci_ids[] = {
	{PCI_DEVICE(IB_EDU_VENDOR, IB_EDU_DEVICE), /* QEMU edu (hw/misc/edu.c) */
	 .driver_data = IOMMUBENCH_ENGINE_BIT(IOMMUBENCH_ENGINE_EDU)},
	{}};
MODULE_DEVICE_TABLE(pci, ib_pci_ids);
