// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: counting IOMMU faults per device.
 *
 * Linux 6.1 has no generic notification of DMA remapping faults that a
 * driver can subscribe to for a default (DMA-API) domain:
 *  - iommu_register_device_fault_handler() only sees recoverable page
 *    requests (PRI/SVA), not the unrecoverable faults a stray DMA causes;
 *  - iommu_set_fault_handler() and the iommu:io_page_fault tracepoint are
 *    fed by report_iommu_fault(), which AMD and ARM SMMU drivers call but
 *    the Intel VT-d driver does not: dmar_fault() only logs
 *    "DMAR: [DMA Read NO_PASID] Request device [..] fault addr ..".
 * So we count in two places and add them up:
 *  1. a kprobe on the VT-d driver's dmar_fault_do_one(), attributed by its
 *     source_id (requester ID) argument.  The function is static: its
 *     argument list changed (source_id was argument 3 before pasid came in
 *     4.20, argument 4 since) and compilers inline it (Debian 6.1 and
 *     6.12 both do).  conftest.sh reads the kernel's BTF where the headers
 *     ship it: an inlined function is not tried at all, otherwise the
 *     argument index comes from BTF; without BTF argument 4 is assumed
 *     (4.20 .. 6.12 source) and the load message says "unverified".
 *     Failing that, a kprobe on dmar_fault() (the fault interrupt handler,
 *     a real function everywhere) counts fault interrupts without
 *     attribution (charged to every device);
 *  2. a probe on the io_page_fault tracepoint (other IOMMU drivers: AMD-Vi
 *     reports DMA faults from its event log through
 *     amd_iommu_report_page_fault() -> report_iommu_fault()), attributed by
 *     struct device, when its prototype is (dev, iova, flags) (conftest.sh
 *     checks).
 * The VT-d kprobes are registered only while VT-d is in use
 * (intel_iommu_enabled, where the kernel exports it).
 * The method in use, and why, is printed at load.
 * Caveats: dmar_fault() skips dmar_fault_do_one() while its printk is
 * ratelimited (10 faults per 5 s), so method 1 undercounts bursts; the
 * dmar_fault() fallback counts interrupts, and one interrupt may carry
 * several fault records.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/pci.h>
#include <linux/tracepoint.h>

#include "ib.h"

struct ib_fault_slot {
	struct pci_dev *pdev; /* NULL: free */
	u16 rid;
	atomic64_t count;
};

static struct ib_fault_slot ib_slots[IOMMUBENCH_MAX_DEVICES];
static DEFINE_SPINLOCK(ib_slots_lock);
static atomic64_t ib_unattributed; /* dmar_fault() interrupts (fallback) */

static bool ib_kp_do_one_ok, ib_kp_irq_ok, ib_tp_ok;
static struct tracepoint *ib_tp_io_page_fault;
static char ib_method[192];

/* dmar_fault_do_one(iommu, type, fault_reason, pasid, source_id, addr) */
#ifdef IB_DMAR_FAULT_DO_ONE_RID_ARG
#define IB_RID_ARG IB_DMAR_FAULT_DO_ONE_RID_ARG
#define IB_RID_ARG_FROM "BTF"
#else
#define IB_RID_ARG 4
#define IB_RID_ARG_FROM "unverified: no BTF at build time"
#endif

#if defined(CONFIG_INTEL_IOMMU) && defined(HAVE_INTEL_IOMMU_ENABLED_EXPORT)
/* drivers/iommu/intel/iommu.c: exported, in no public header (conftest.sh) */
extern int intel_iommu_enabled;
#define IB_VTD_ACTIVE() (READ_ONCE(intel_iommu_enabled) != 0)
#else
#define IB_VTD_ACTIVE() true /* cannot tell: try the probes */
#endif

static void ib_fault_count_rid(u16 rid)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ib_slots); i++)
		if (READ_ONCE(ib_slots[i].pdev) && ib_slots[i].rid == rid)
			atomic64_inc(&ib_slots[i].count);
}

static int ib_kp_do_one_pre(struct kprobe *p, struct pt_regs *regs)
{
	ib_fault_count_rid((u16)regs_get_kernel_argument(regs, IB_RID_ARG));
	return 0;
}

static int ib_kp_irq_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic64_inc(&ib_unattributed);
	return 0;
}

static struct kprobe ib_kp_do_one = {
	.symbol_name = "dmar_fault_do_one",
	.pre_handler = ib_kp_do_one_pre,
};

static struct kprobe ib_kp_irq = {
	.symbol_name = "dmar_fault",
	.pre_handler = ib_kp_irq_pre,
};

static void ib_tp_probe(void *data, struct device *dev, unsigned long iova,
			int flags)
{
	struct pci_dev *pdev;

	if (!dev || !dev_is_pci(dev))
		return;
	pdev = to_pci_dev(dev);
	ib_fault_count_rid(pci_dev_id(pdev));
}

static void ib_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "io_page_fault"))
		ib_tp_io_page_fault = tp;
}

int ib_fault_init(void)
{
	const char *why = "no CONFIG_KPROBES or CONFIG_INTEL_IOMMU";
	int i, len = 0;

	for (i = 0; i < ARRAY_SIZE(ib_slots); i++)
		atomic64_set(&ib_slots[i].count, 0);
	if (IS_ENABLED(CONFIG_KPROBES) && IS_ENABLED(CONFIG_INTEL_IOMMU) && !IB_VTD_ACTIVE())
		why = "VT-d not in use (AMD-Vi, virtio-iommu or none)";
	else if (IS_ENABLED(CONFIG_KPROBES) && IS_ENABLED(CONFIG_INTEL_IOMMU)) {
#ifdef IB_DMAR_FAULT_DO_ONE_UNUSABLE
		why = "dmar_fault_do_one " IB_DMAR_FAULT_DO_ONE_UNUSABLE;
#else
		ib_kp_do_one_ok = !register_kprobe(&ib_kp_do_one);
		why = "dmar_fault_do_one not probeable (inlined?)";
#endif
		if (!ib_kp_do_one_ok)
			ib_kp_irq_ok = !register_kprobe(&ib_kp_irq);
	}
	if (IS_ENABLED(HAVE_IO_PAGE_FAULT_TP_DEV_IOVA_FLAGS)) {
		for_each_kernel_tracepoint(ib_find_tp, NULL);
		if (ib_tp_io_page_fault)
			ib_tp_ok = !tracepoint_probe_register(
				ib_tp_io_page_fault, ib_tp_probe, NULL);
	}

	if (ib_kp_do_one_ok)
		len = snprintf(ib_method, sizeof(ib_method),
			       "kprobe:dmar_fault_do_one(source_id=arg%d, %s)",
			       IB_RID_ARG, IB_RID_ARG_FROM);
	else if (ib_kp_irq_ok)
		len = snprintf(ib_method, sizeof(ib_method),
			       "kprobe:dmar_fault(unattributed: %s)", why);
	if (ib_tp_ok)
		snprintf(ib_method + len, sizeof(ib_method) - len, "%s%s",
			 len ? "+" : "", "tracepoint:io_page_fault");
	else if (!len)
		snprintf(ib_method, sizeof(ib_method),
			 "nothing (faults not counted: %s%s)", why,
			 IS_ENABLED(HAVE_IO_PAGE_FAULT_TP_DEV_IOVA_FLAGS)
				 ? ""
				 : "; io_page_fault prototype differs");
	return 0;
}

void ib_fault_exit(void)
{
	if (ib_kp_do_one_ok)
		unregister_kprobe(&ib_kp_do_one);
	if (ib_kp_irq_ok)
		unregister_kprobe(&ib_kp_irq);
	if (ib_tp_ok) {
		tracepoint_probe_unregister(ib_tp_io_page_fault, ib_tp_probe,
					    NULL);
		tracepoint_synchronize_unregister();
	}
}

int ib_fault_slot_get(struct pci_dev *pdev)
{
	int i, slot = -1;

	spin_lock(&ib_slots_lock);
	for (i = 0; i < ARRAY_SIZE(ib_slots); i++) {
		if (!ib_slots[i].pdev) {
			ib_slots[i].rid = pci_dev_id(pdev);
			atomic64_set(&ib_slots[i].count, 0);
			WRITE_ONCE(ib_slots[i].pdev, pdev);
			slot = i;
			break;
		}
	}
	spin_unlock(&ib_slots_lock);
	return slot;
}

void ib_fault_slot_put(int slot)
{
	if (slot < 0)
		return;
	WRITE_ONCE(ib_slots[slot].pdev, NULL);
}

u64 ib_fault_count(int slot)
{
	u64 n = atomic64_read(&ib_unattributed);

	if (slot >= 0)
		n += atomic64_read(&ib_slots[slot].count);
	return n;
}

const char *ib_fault_method(void)
{
	return ib_method;
}
