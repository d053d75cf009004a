/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What translates a row's DMA (params.iommu_visibility, a resolved param:
 * docs/results-schema.md, "iommu_visibility"): this kernel's IOMMU
 * ("host"), a VM's emulated IOMMU ("guest-viommu"), the hypervisor's,
 * invisible to the guest ("hypervisor"), nothing ("off"), or "unknown"
 * when the evidence does not say.  Read under ib_sysinfo_root(), so the
 * built trees in tests/fixtures/sysinfo/ replay it.
 */
#ifndef IB_VISIBILITY_H
#define IB_VISIBILITY_H

#include <stdbool.h>
#include <stddef.h>

/* The platform the run declared (--platform): "qemu-lab" is a VM. */
void ib_visibility_platform(const char *platform);

/* Whether this is a VM: 1 yes, 0 bare metal, -1 unknown; why (may be NULL)
 * names the evidence in a few words.  Cached per root. */
int ib_visibility_vm(char *why, size_t len);

/* Whether /sys/class/iommu (under the root) has a unit. */
bool ib_visibility_units(void);

/*
 * The visibility of DMA by device bdf (a PCI address, or NULL/"" when the
 * row has none: then the machine's alone).  own_domain: the row's driver
 * gives the device a domain of its own (vfio-pci: translated whatever the
 * group's default type).  no_dma: the row moves no device DMA (cpu, null):
 * "off".  why (may be NULL) gets the evidence in one line.
 */
const char *ib_iommu_visibility(const char *bdf, bool own_domain, bool no_dma, char *why,
				size_t len);

#endif
