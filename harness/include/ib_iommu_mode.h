/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU mode per point: the group type switch (unbind -> write type -> bind
 * with driver_override=iommubench), the effective mode read back, and the
 * restoration of the original type and binding (at exit and on signals).
 */
#ifndef IB_IOMMU_MODE_H
#define IB_IOMMU_MODE_H

#include <stddef.h>

/*
 * Sets mode (identity, dma-strict, dma-lazy, off, current) on bdf's group.
 * Writes the effective mode into eff.  0 = in effect; 1 = cannot here (why).
 */
int ib_iommu_mode_apply(const char *bdf, const char *mode, char *eff,
			size_t efflen, char *why, size_t whylen);

/* Effective mode of bdf's group now (off when it has no group). */
const char *ib_iommu_mode_read(const char *bdf, char *buf, size_t len);

/* sysfs type text -> mode name ("DMA-FQ" -> "dma-lazy"). */
const char *ib_iommu_type_to_mode(const char *type);

/* Puts every group we changed back.  Async-signal-safe. */
void ib_iommu_mode_restore_all(void);

#endif
