/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommubench module: the dispatch layer (main.c, pci.c, run.c and the
 * engine table in engines.c) and what its files call in each other.
 * Engines never include this header: they see the core (ib.h) and their
 * interface (engine.h) only, and the dispatch layer reaches them only
 * through ib_engines[] and ib_pci_ids[].
 */
#ifndef IB_DISPATCH_H
#define IB_DISPATCH_H

#include "engine.h"

/* engines.c */
extern const struct ib_engine_ops *const ib_engines[IOMMUBENCH_ENGINE_MAX];
extern const struct pci_device_id ib_pci_ids[];

/* dma_iter.c: the timed iteration of every DMA engine */
ib_iter_fn ib_dma_iter;

/* pci.c */
int ib_pci_init(void);
void ib_pci_exit(void);
struct ib_dev *ib_dev_claim(const char *name, u32 engine_bit, int *err);
void ib_dev_release(struct ib_dev *ibd);
int ib_fill_info(struct iommubench_info *info);

/* run.c */
long ib_ioctl_run(void __user *uarg);
int ib_copy_in(void *dst, size_t ksize, size_t v1size, const void __user *uarg,
	       u32 *usize, const char *what);

#endif /* IB_DISPATCH_H */
