// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the engine registry.  A new engine is one engine_<name>.c
 * plus one line in ib_engines[] (and, if the driver should claim its
 * devices by PCI ID, one line in ib_pci_ids[]).
 */
#include <linux/module.h>

#include "dispatch.h"

/* ops table indexed by enum iommubench_engine */
const struct ib_engine_ops *const ib_engines[IOMMUBENCH_ENGINE_MAX] = {
	[IOMMUBENCH_ENGINE_MAP] = &ib_map_ops,
	[IOMMUBENCH_ENGINE_EDU] = &ib_edu_ops,
	[IOMMUBENCH_ENGINE_DMAENGINE] = &ib_dmaengine_ops,
};

/*
 * Devices the driver binds by ID; driver_data is the mask of engines whose
 * probe() is tried on them.  Other devices come through driver_override
 * and get the engines without probe() (map).
 */
const struct pci_device_id ib_pci_ids[] = {
	{PCI_DEVICE(0x1234, 0x11e8), /* QEMU edu (hw/misc/edu.c) */
	 .driver_data = IOMMUBENCH_ENGINE_BIT(IOMMUBENCH_ENGINE_EDU)},
	{}};
MODULE_DEVICE_TABLE(pci, ib_pci_ids);
