/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Provenance: results.json's context block, and raw captures of the machine
 * into <run>/sysinfo/ (cmdline, lstopo XML, lspci, meminfo, hugepage pools,
 * THP, IOMMU cap/ecap and group types, dmesg IOMMU lines, hypervisor,
 * governor, git SHA).
 */
#ifndef IB_SYSINFO_H
#define IB_SYSINFO_H

#include <jansson.h>
#include "ib_topology.h"

json_t *ib_sysinfo_context(const char *platform, const char *suite,
			   const char *run_id, int argc, char **argv,
			   const struct ib_topo *t);

/* Writes the files under dir/sysinfo/; best effort (missing sources are skipped). */
void ib_sysinfo_capture(const char *dir, const struct ib_topo *t);

/* Helpers also used elsewhere. */
const char *ib_git_sha(char *buf, size_t len);

#endif
