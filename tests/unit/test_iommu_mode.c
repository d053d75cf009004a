// SPDX-License-Identifier: GPL-2.0
/* IOMMU mode switch and restore on a fake sysfs tree: the unbind -> type ->
 * driver_override + drivers_probe sequence, the effective mode read back,
 * refusals (off, multi-device groups, no group), and the restoration of
 * type, override and binding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_exit.h"
#include "ib_iommu_mode.h"

static char root[64], statedir[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static char *cat(const char *rel)
{
	static char buf[256];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/ib-test-iommu-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* one device in group 3 bound to "edu_drv"; a second device sharing group 4 */
	sh("cd %s && mkdir -p sys/bus/pci/drivers/edu_drv sys/kernel/iommu_groups/3/devices "
	   "sys/kernel/iommu_groups/4/devices sys/bus/pci/devices/0000:00:03.0 "
	   "sys/bus/pci/devices/0000:00:04.0 sys/bus/pci/devices/0000:00:05.0 && "
	   "echo DMA > sys/kernel/iommu_groups/3/type && echo DMA > sys/kernel/iommu_groups/4/type && "
	   "touch sys/kernel/iommu_groups/3/devices/0000:00:03.0 "
	   "sys/kernel/iommu_groups/4/devices/0000:00:04.0 sys/kernel/iommu_groups/4/devices/0000:00:04.1 "
	   "sys/bus/pci/drivers/edu_drv/bind sys/bus/pci/drivers/edu_drv/unbind sys/bus/pci/drivers_probe && "
	   "echo '(null)' > sys/bus/pci/devices/0000:00:03.0/driver_override && "
	   "ln -s ../../../../kernel/iommu_groups/3 sys/bus/pci/devices/0000:00:03.0/iommu_group && "
	   "ln -s ../../../../kernel/iommu_groups/4 sys/bus/pci/devices/0000:00:04.0/iommu_group && "
	   "ln -s ../../drivers/edu_drv sys/bus/pci/devices/0000:00:03.0/driver", root);
	snprintf(ib_sysfs_root, sizeof(ib_sysfs_root), "%s", root);
	snprintf(statedir, sizeof(statedir), "%s/state", root); /* not /run/iommubench */
	setenv("IOMMUBENCH_STATE_DIR", statedir, 1);
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf %s", root);
	ib_sysfs_root[0] = '\0';
	unsetenv("IOMMUBENCH_STATE_DIR");
	return 0;
}

static void test_switch_and_restore(void **state)
{
	char eff[32], why[512];

	assert_string_equal(ib_iommu_mode_read("0000:00:03.0", eff, sizeof(eff)), "dma-strict");
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "current", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(eff, "dma-strict");
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "identity", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(why, "");
	assert_string_equal(eff, "identity");
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "identity");
	assert_string_equal(cat("/sys/bus/pci/drivers/edu_drv/unbind"), "0000:00:03.0");
	assert_string_equal(cat("/sys/bus/pci/devices/0000:00:03.0/driver_override"), "iommubench");
	assert_string_equal(cat("/sys/bus/pci/drivers_probe"), "0000:00:03.0");
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "dma-lazy", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "DMA-FQ");
	ib_iommu_mode_restore_all();
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "DMA");
	assert_string_equal(cat("/sys/bus/pci/devices/0000:00:03.0/driver_override"), "\n");
	assert_string_equal(cat("/sys/bus/pci/drivers/edu_drv/bind"), "0000:00:03.0");
}

static void test_refusals(void **state)
{
	char eff[32], why[512];

	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "off", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_non_null(strstr(why, "iommu_mode=off cannot be set at runtime"));
	assert_int_equal(ib_iommu_mode_apply("0000:00:04.0", "identity", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_non_null(strstr(why, "has 2 devices"));
	assert_string_equal(cat("/sys/kernel/iommu_groups/4/type"), "DMA\n");
	assert_int_equal(ib_iommu_mode_apply("0000:00:05.0", "identity", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_non_null(strstr(why, "has no IOMMU group"));
	assert_string_equal(eff, "off");
	assert_int_equal(ib_iommu_mode_apply("0000:00:05.0", "off", eff, sizeof(eff), why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(ib_iommu_type_to_mode("DMA-FQ"), "dma-lazy");
}

/* Issue 13: a device kept on its own driver (nvme) or handed to another
 * (vfio-pci), recorded and restored the same way. */
static void test_bind_other_drivers(void **state)
{
	char eff[32], why[512];

	/* its own driver: the type switched, the original override, re-probed */
	assert_int_equal(ib_iommu_mode_apply_bind("0000:00:03.0", "identity", NULL, eff, sizeof(eff),
						  why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "identity");
	assert_string_equal(cat("/sys/bus/pci/devices/0000:00:03.0/driver_override"), "\n");
	assert_string_equal(cat("/sys/bus/pci/drivers_probe"), "0000:00:03.0");
	/* already in the mode and on its driver: nothing written */
	sh("echo untouched > %s/sys/bus/pci/drivers_probe", root);
	assert_int_equal(ib_iommu_mode_apply_bind("0000:00:03.0", "identity", NULL, eff, sizeof(eff),
						  why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(cat("/sys/bus/pci/drivers_probe"), "untouched\n");
	/* vfio-pci with mode current: the type kept, the override written; the
	 * fake tree's driver link does not follow, which is reported */
	assert_int_equal(ib_iommu_mode_apply_bind("0000:00:03.0", "current", "vfio-pci", eff, sizeof(eff),
						  why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_string_equal(why, "iommu_mode=current: 0000:00:03.0 is bound to edu_drv after the switch, not vfio-pci");
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "identity");
	assert_string_equal(cat("/sys/bus/pci/devices/0000:00:03.0/driver_override"), "vfio-pci");
	ib_iommu_mode_restore_all();
	assert_string_equal(cat("/sys/kernel/iommu_groups/3/type"), "DMA");
	assert_string_equal(cat("/sys/bus/pci/devices/0000:00:03.0/driver_override"), "\n");
	assert_string_equal(cat("/sys/bus/pci/drivers/edu_drv/bind"), "0000:00:03.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_and_restore),
		cmocka_unit_test(test_bind_other_drivers),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
