/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the sysinfo files (core/sysinfo*.c): every path the context
 * reads is taken under one root, so tests replay a built sysfs/procfs tree
 * (tests/fixtures/sysinfo/) the way hwloc replays HWLOC_FSROOT.
 */
#ifndef IB_SYSINFO_INT_H
#define IB_SYSINFO_INT_H

#include <jansson.h>
#include <stddef.h>

/*
 * The root the context reads under: IOMMUBENCH_SYSINFO_ROOT when set (a test
 * hook: a fixture tree), else ib_sysfs_root ("" = the running machine).
 */
const char *ib_sysinfo_root(void);

/* ib_sysinfo_root() + the path fmt names; 0, or -1 when it did not fit. */
int ib_sysinfo_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A small file under the root (ib_read_file): 0, or -1 (buf ""). */
int ib_sysinfo_read(const char *rel, char *buf, size_t len);

/* The CPUID leaf 0x40000000 signature into buf, "none" when CPUID's
 * hypervisor bit is clear, "" when it is set with no signature. */
void ib_sysinfo_cpuid_hypervisor(char *buf, size_t len);

/* context.hypervisor and context.hypervisor_source (docs/results-schema.md);
 * cpu is the context's cpu object (its hypervisor_flag), machine its
 * machine object or NULL. */
void ib_sysinfo_hypervisor(json_t *ctx, const json_t *cpu, const json_t *machine);

/* The DMI identity (context.machine) and the cloud-init instance data
 * (context.cloud): NULL when no source is there. */
json_t *ib_sysinfo_machine(void);
json_t *ib_sysinfo_cloud(void);

/* cpu.microcode, iommu.amd and iommu.smmu, each set only where its source
 * is there. */
void ib_sysinfo_microcode(json_t *cpu);
void ib_sysinfo_iommu_units(json_t *iommu);

#endif
