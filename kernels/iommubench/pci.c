// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the PCI driver.  Binds the devices engines.c lists by ID
 * (the QEMU edu device) and any other device the harness hands over through
 * driver_override, lets each engine probe it (ops->probe/remove), keeps the
 * list of bound devices, and answers the device part of IOMMUBENCH_GET_INFO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dispatch.h"

static LIST_HEAD(ib_devs);
static DEFINE_MUTEX(ib_devs_lock);
static unsigned int ib_ndevs;

static void ib_fill_dev(struct iommubench_dev_info *di, struct ib_dev *ibd)
{
	struct device *dev = &ibd->pdev->dev;
	struct iommu_group *grp = iommu_group_get(dev);
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	strscpy(di->name, ibd->name, sizeof(di->name));
	di->vendor = ibd->pdev->vendor;
	di->device = ibd->pdev->device;
	di->numa_node = dev_to_node(dev);
	di->iommu_group = grp ? iommu_group_id(grp) : -1;
	if (grp)
		iommu_group_put(grp);
	di->domain_type = ib_domain_type(dev);
	di->engines = ibd->engines;
	di->busy = atomic_read(&ibd->busy);
	di->dma_mask = ibd->dma_mask;
	di->iommu_pgsize_bitmap = dom ? dom->pgsize_bitmap : 0;
}

int ib_fill_info(struct iommubench_info *info)
{
	struct ib_dev *ibd;
	u32 n = 0;

	mutex_lock(&ib_devs_lock);
	list_for_each_entry(ibd, &ib_devs, node)
	{
		if (n >= IOMMUBENCH_MAX_DEVICES)
			break;
		ib_fill_dev(&info->devices[n++], ibd);
	}
	mutex_unlock(&ib_devs_lock);
	info->ndevices = n;
	return 0;
}

/*
 * Find a device by BDF ("" = the first one offering engine_bit) and mark it
 * busy.  Done under the list lock so remove() cannot free it in between.
 */
struct ib_dev *ib_dev_claim(const char *name, u32 engine_bit, int *err)
{
	struct ib_dev *ibd, *found = NULL;

	*err = -EINVAL;
	mutex_lock(&ib_devs_lock);
	list_for_each_entry(ibd, &ib_devs, node)
	{
		if (name[0] ? !strcmp(name, ibd->name)
			    : !!(ibd->engines & engine_bit)) {
			found = ibd;
			break;
		}
	}
	if (!found) {
		if (name[0])
			pr_err_ratelimited(
				"device=%s: not bound to iommubench\n", name);
		else
			pr_err_ratelimited(
				"device=\"\": no bound device offers this "
				"engine\n");
		*err = name[0] ? -EINVAL : -ENODEV;
		goto out;
	}
	if (!(found->engines & engine_bit)) {
		pr_err_ratelimited(
			"device=%s: does not offer the requested engine "
			"(engines mask 0x%x)\n",
			found->name, found->engines);
		found = NULL;
		goto out;
	}
	if (atomic_cmpxchg(&found->busy, 0, 1)) {
		*err = -EBUSY;
		found = NULL;
		goto out;
	}
	*err = 0;
out:
	mutex_unlock(&ib_devs_lock);
	return found;
}

void ib_dev_release(struct ib_dev *ibd)
{
	atomic_set(&ibd->busy, 0);
	wake_up_all(&ibd->idle_wq);
}

/* The engines ib_pci_ids[] names for pdev (probe() is tried on those). */
static u32 ib_id_engines(struct pci_dev *pdev)
{
	const struct pci_device_id *id = pci_match_id(ib_pci_ids, pdev);

	return id ? id->driver_data : 0;
}

/* Undo the probes of the engines in mask, last first. */
static void ib_engines_remove(struct ib_dev *ibd, u32 mask)
{
	int e;

	for (e = IOMMUBENCH_ENGINE_MAX - 1; e >= 0; e--)
		if ((mask & IOMMUBENCH_ENGINE_BIT(e)) && ib_engines[e]->remove)
			ib_engines[e]->remove(ibd);
}

/*
 * Offer the device to every engine: one without probe() takes any device,
 * one with probe() only the devices ib_pci_ids[] names for it.
 */
static int ib_engines_probe(struct ib_dev *ibd)
{
	u32 by_id = ib_id_engines(ibd->pdev);
	int e, ret;

	for (e = 0; e < IOMMUBENCH_ENGINE_MAX; e++) {
		const struct ib_engine_ops *ops = ib_engines[e];

		if (ops->flags & IB_ENGINE_F_NO_DEVICE)
			continue;
		if (ops->probe) {
			if (!(by_id & IOMMUBENCH_ENGINE_BIT(e)))
				continue;
			ret = ops->probe(ibd);
			if (ret) {
				ib_engines_remove(ibd, ibd->engines);
				ibd->engines = 0;
				return ret;
			}
		}
		ibd->engines |= IOMMUBENCH_ENGINE_BIT(e);
	}
	return 0;
}

static int ib_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ib_dev *ibd;
	unsigned int bits;
	int ret;

	ibd = kzalloc(sizeof(*ibd), GFP_KERNEL);
	if (!ibd)
		return -ENOMEM;
	ibd->pdev = pdev;
	snprintf(ibd->name, sizeof(ibd->name), "%s", pci_name(pdev));
	atomic_set(&ibd->busy, 0);
	init_waitqueue_head(&ibd->idle_wq);
	ibd->dma_bits = 64;

	ret = ib_engines_probe(ibd);
	if (ret)
		goto err_free;

	bits = ibd->dma_bits;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret && bits > 32) {
		bits = 32;
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	}
	if (ret) {
		dev_err(&pdev->dev, "no usable DMA mask: %d\n", ret);
		goto err_engines;
	}
	ibd->dma_mask = DMA_BIT_MASK(bits);
	/* one segment per physically contiguous run, however long */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	ibd->fault_slot = ib_fault_slot_get(pdev);

	mutex_lock(&ib_devs_lock);
	if (ib_ndevs >= IOMMUBENCH_MAX_DEVICES) {
		mutex_unlock(&ib_devs_lock);
		dev_err(&pdev->dev, "more than %d devices bound\n",
			IOMMUBENCH_MAX_DEVICES);
		ret = -ENOSPC;
		goto err_fault;
	}
	list_add_tail(&ibd->node, &ib_devs);
	ib_ndevs++;
	mutex_unlock(&ib_devs_lock);
	pci_set_drvdata(pdev, ibd);
	dev_info(&pdev->dev,
		 "bound: engines 0x%x, dma mask %u bits, domain type %u\n",
		 ibd->engines, bits, ib_domain_type(&pdev->dev));
	return 0;

err_fault:
	ib_fault_slot_put(ibd->fault_slot);
err_engines:
	ib_engines_remove(ibd, ibd->engines);
err_free:
	kfree(ibd);
	return ret;
}

static void ib_remove(struct pci_dev *pdev)
{
	struct ib_dev *ibd = pci_get_drvdata(pdev);

	mutex_lock(&ib_devs_lock);
	list_del(&ibd->node);
	ib_ndevs--;
	WRITE_ONCE(ibd->removing, true);
	mutex_unlock(&ib_devs_lock);
	/* a run in progress sees ->removing, stops early and releases */
	wait_event(ibd->idle_wq, !atomic_read(&ibd->busy));
	ib_engines_remove(ibd, ibd->engines);
	ib_fault_slot_put(ibd->fault_slot);
	pci_set_drvdata(pdev, NULL);
	kfree(ibd);
}

static struct pci_driver ib_pci_driver = {
	.name = "iommubench",
	.id_table = ib_pci_ids,
	.probe = ib_probe,
	.remove = ib_remove,
};

int ib_pci_init(void)
{
	return pci_register_driver(&ib_pci_driver);
}

void ib_pci_exit(void)
{
	pci_unregister_driver(&ib_pci_driver);
}
