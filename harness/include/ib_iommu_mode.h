/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU mode per point: the group type switch (unbind -> write type -> bind
 * with driver_override=iommubench), the effective mode read back, and the
 * restoration of the original type and binding (at exit, on signals, and
 * after a kill from the state ledger).  A group a live run has switched is
 * refused to other runs: "group N is being switched by iommubench pid P".
 */
#ifndef IB_IOMMU_MODE_H
#define IB_IOMMU_MODE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Sets mode (identity, dma-strict, dma-lazy, off, current) on bdf's group.
 * Writes the effective mode into eff.  IB_EXIT_OK = in effect;
 * IB_EXIT_SKIPPED = cannot here (why says so).
 */
int ib_iommu_mode_apply(const char *bdf, const char *mode, char *eff,
			size_t efflen, char *why, size_t whylen);

/*
 * The same, binding bdf to driver afterwards (NULL: the driver it had
 * before this run first changed it, e.g. nvme; "vfio-pci").  With mode
 * current the type is kept and only the binding changes (when it differs).
 * Everything is recorded and restored as above.
 */
int ib_iommu_mode_apply_bind(const char *bdf, const char *mode, const char *driver,
			     char *eff, size_t efflen, char *why, size_t whylen);

/* Effective mode of bdf's group now (off when it has no group). */
const char *ib_iommu_mode_read(const char *bdf, char *buf, size_t len);

/* sysfs type text -> mode name ("DMA-FQ" -> "dma-lazy"). */
const char *ib_iommu_type_to_mode(const char *type);

/*
 * Puts every group we changed back and drops our ledger records (a record
 * whose type did not come back is kept for the reaper).  Takes the ledger
 * lock: not for signal handlers.
 */
void ib_iommu_mode_restore_all(void);
/* The signal handler's part: the same writes, open/read/write/close only;
 * the ledger is settled later by ib_iommu_mode_restore_all(). */
void ib_iommu_mode_restore_signal(void);

/*
 * An engine holding a device open through a driver that cannot be unbound
 * while held (vfio-pci waits for its users to let go) sets this to an
 * async-signal-safe function that lets go (close, munmap); the restores
 * call it before they unbind anything.  NULL = nothing held.
 */
extern void (*volatile ib_signal_release)(void);

struct ib_state;
/* Ledger: restores and drops the records of dead runs (ib_state_reap()).
 * "PREFIXrestored PATH OLD -> NEW" per type written; returns their number.
 * A record whose files resolve outside the PCI/IOMMU sysfs trees is refused
 * with one line on stderr, kept and counted in *refused (may be NULL). */
int ib_iommu_mode_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused);

#endif
