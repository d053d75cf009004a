// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: module entry, /dev/iommubench and ioctl dispatch.
 *
 * The module measures what the IOMMU costs device DMA: map/unmap latency of
 * pinned user buffers, real DMA through the QEMU edu device or a dmaengine
 * memcpy channel, and whether DMA outside a mapping is blocked.  The ABI is
 * kernels/include/uapi/iommubench.h; docs/module.md explains the method.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "dispatch.h"

static int ib_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EACCES;
	return nonseekable_open(inode, file);
}

static long ib_ioctl_info(void __user *uarg)
{
	struct iommubench_info *info;
	u32 usize;
	long ret;
	int e;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	ret = ib_copy_in(info, sizeof(*info), sizeof(*info), uarg, &usize,
			 "info");
	if (ret)
		goto out;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->abi_version = IOMMUBENCH_ABI_VERSION;
	strscpy(info->release, utsname()->release, sizeof(info->release));
	ret = ib_fill_info(info);
	if (ret)
		goto out;
	for (e = 0; e < IOMMUBENCH_ENGINE_MAX; e++)
		if (ib_engines[e]->info)
			ib_engines[e]->info(info);
	if (copy_to_user(uarg, info, min_t(size_t, usize, sizeof(*info))))
		ret = -EFAULT;
out:
	kfree(info);
	return ret;
}

static long ib_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EACCES;
	/* structs grow: match type and number, not the size bits */
	if (_IOC_TYPE(cmd) != IOMMUBENCH_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(IOMMUBENCH_GET_INFO):
		return ib_ioctl_info(uarg);
	case _IOC_NR(IOMMUBENCH_RUN):
		return ib_ioctl_run(uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * .owner: an open file pins the module, so rmmod cannot race a run.
 * No .compat_ioctl: struct iommubench_info has no explicit padding before
 * devices[], which i386 places at offset 84 instead of 88.
 */
static const struct file_operations ib_fops = {
	.owner = THIS_MODULE,
	.open = ib_open,
	.unlocked_ioctl = ib_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice ib_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommubench",
	.fops = &ib_fops,
	.mode = 0600,
};

static int __init ib_init(void)
{
	int ret;

	ret = ib_fault_init();
	if (ret)
		return ret;
	ret = ib_pci_init();
	if (ret)
		goto err_fault;
	ret = misc_register(&ib_misc);
	if (ret)
		goto err_pci;
	pr_info("ABI %d, /dev/iommubench ready, IOMMU faults counted by %s\n",
		IOMMUBENCH_ABI_VERSION, ib_fault_method());
	return 0;

err_pci:
	ib_pci_exit();
err_fault:
	ib_fault_exit();
	return ret;
}

static void __exit ib_exit(void)
{
	misc_deregister(&ib_misc);
	ib_pci_exit();
	ib_fault_exit();
}

module_init(ib_init);
module_exit(ib_exit);

MODULE_DESCRIPTION(
	"iommubench: IOMMU cost of device DMA (map/unmap, DMA, isolation)");
MODULE_AUTHOR("iommubench project");
MODULE_LICENSE("GPL");
