/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Provenance: results.json's context block, and raw captures of the machine
 * into <run>/sysinfo/ (cmdline, lstopo XML, lspci, meminfo, hugepage pools,
 * THP, IOMMU cap/ecap and group types, dmesg IOMMU lines, hypervisor,
 * governor, git SHA, DMI).  The context's identity keys (machine, cloud,
 * cpu.microcode, iommu.amd/smmu, hypervisor, devices) are read under one
 * root, IOMMUBENCH_SYSINFO_ROOT for tests (core/sysinfo_int.h).
 */
#ifndef IB_SYSINFO_H
#define IB_SYSINFO_H

#include <jansson.h>
#include "ib_topology.h"

json_t *ib_sysinfo_context(const char *platform, const char *suite,
			   const char *run_id, int argc, char **argv,
			   const struct ib_topo *t);

/*
 * context.devices: the entry of the PCI device a row used (row.params.device,
 * a BDF), added once per device, for rows that ran (not skipped): PCIe link,
 * ATS/PRI/PASID/ACS from config space, IOMMU group and its members
 * (core/sysinfo_pcie.c).  Rows without a PCI address add nothing.
 */
void ib_sysinfo_add_device(json_t *ctx, const json_t *row);

/* One device's entry as in context.devices, or NULL (no such PCI device). */
json_t *ib_sysinfo_device(const char *bdf);

/*
 * The instance a context describes, in one line for the report and compare:
 * cloud.instance_type, else machine.product_name, with the provider (else
 * the DMI vendor) and the zone (else the region): "p4d.24xlarge (aws,
 * us-east-1c)", "PowerEdge R750 (Dell Inc.)".  buf, or NULL when the context
 * has neither machine nor cloud.
 */
const char *ib_sysinfo_instance(const json_t *ctx, char *buf, size_t len);

/* Writes the files under dir/sysinfo/; best effort (missing sources are skipped). */
void ib_sysinfo_capture(const char *dir, const struct ib_topo *t);

/* Helpers also used elsewhere. */
const char *ib_git_sha(char *buf, size_t len);

#endif
