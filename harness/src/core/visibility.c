// SPDX-License-Identifier: GPL-2.0
/*
 * params.iommu_visibility (ib_visibility.h): what translates a row's DMA,
 * from the evidence this kernel gives, read under ib_sysinfo_root():
 *  - IOMMU units: /sys/class/iommu/ has entries;
 *  - the device's IOMMU group and its default domain type
 *    (/sys/bus/pci/devices/<bdf>/iommu_group/type: DMA, DMA-FQ, identity);
 *  - a VM: the CPUID hypervisor bit (under a fixture root: /proc/cpuinfo's
 *    "hypervisor" flag, the same bit), DMI naming a virtual platform, or
 *    --platform qemu-lab.
 * host: units, the device in a translating domain, bare metal;
 * guest-viommu: the same in a VM (the VM's IOMMU is emulated);
 * hypervisor: a VM whose device is not translated by a visible IOMMU (no
 * units, no group, or identity): the host's IOMMU, if any, does it unseen;
 * off: bare metal with no units, no group or an identity domain, and rows
 * that move no device DMA; unknown: VM or not cannot be told, or a group
 * whose type is unreadable.  docs/results-schema.md has the table.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ib_visibility.h"
#include "sysinfo_int.h"

static bool lab_platform;

void ib_visibility_platform(const char *platform)
{
	lab_platform = platform && !strcmp(platform, "qemu-lab");
}

/* DMI sys_vendor / product_name words of virtual platforms ("Amazon EC2"
 * is not one: its metal instances say it too; the CPUID bit decides). */
static const char *const vm_dmi[] = {
	"QEMU", "KVM", "Bochs", "VMware", "VirtualBox", "Xen", "Virtual Machine",
	"Google Compute Engine", "OpenStack Nova", "Cloud Hypervisor", "Firecracker", NULL,
};

static bool dmi_says_vm(char *which, size_t len)
{
	static const char *const keys[] = { "sys_vendor", "product_name", NULL };
	char rel[64], val[256];
	int k, i;

	for (k = 0; keys[k]; k++) {
		snprintf(rel, sizeof(rel), "/sys/class/dmi/id/%s", keys[k]);
		if (ib_sysinfo_read(rel, val, sizeof(val)) || !val[0])
			continue;
		for (i = 0; vm_dmi[i]; i++)
			if (strstr(val, vm_dmi[i])) {
				snprintf(which, len, "DMI %s \"%s\"", keys[k], val);
				return true;
			}
	}
	return false;
}

/* The hypervisor bit: 1 set, 0 clear, -1 not known (a fixture root
 * without /proc/cpuinfo). */
static int hv_bit(void)
{
	char path[1024], line[4096];
	int bit = -1;
	FILE *f;

	if (!ib_sysinfo_root()[0]) {
		ib_sysinfo_cpuid_hypervisor(line, sizeof(line));
		return strcmp(line, "none") != 0;
	}
	if (ib_sysinfo_path(path, sizeof(path), "/proc/cpuinfo") || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			bit = strstr(line, " hypervisor") != NULL;
			break;
		}
	fclose(f);
	return bit;
}

int ib_visibility_vm(char *why, size_t len)
{
	static char cached_root[1024] = "\1", cached_why[300];
	static int cached;
	char dmi[280];
	int bit;

	if (strcmp(cached_root, ib_sysinfo_root())) {
		snprintf(cached_root, sizeof(cached_root), "%s", ib_sysinfo_root());
		bit = hv_bit();
		if (dmi_says_vm(dmi, sizeof(dmi))) {
			cached = 1;
			snprintf(cached_why, sizeof(cached_why), "%s", dmi);
		} else if (bit >= 0) {
			cached = bit;
			snprintf(cached_why, sizeof(cached_why), "the CPUID hypervisor bit is %s",
				 bit ? "set" : "clear");
		} else {
			cached = -1;
			snprintf(cached_why, sizeof(cached_why),
				 "no CPUID hypervisor bit and no DMI to tell a VM");
		}
	}
	if (lab_platform && cached != 1) {
		if (why)
			snprintf(why, len, "platform qemu-lab");
		return 1;
	}
	if (why)
		snprintf(why, len, "%s", cached_why);
	return cached;
}

bool ib_visibility_units(void)
{
	char path[1024];
	struct dirent *de;
	bool any = false;
	DIR *d;

	if (ib_sysinfo_path(path, sizeof(path), "/sys/class/iommu") || !(d = opendir(path)))
		return false;
	while (!any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

/* The device's group's default domain type: "" when it has no group, "?"
 * when the group's type is unreadable. */
static void group_type(const char *bdf, char *type, size_t len)
{
	char path[1024];

	type[0] = '\0';
	if (ib_sysinfo_path(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf) ||
	    access(path, F_OK))
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type", bdf);
	if (ib_sysinfo_read(path, type, len) || !type[0])
		snprintf(type, len, "?");
}

/* dddd:bb:dd.f, as sysfs names a PCI device (nothing else reaches a path) */
static bool is_bdf(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";
	size_t i;

	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

const char *ib_iommu_visibility(const char *bdf, bool own_domain, bool no_dma, char *why,
				size_t len)
{
	char vmwhy[300], type[32] = "", tmp[8];
	bool units = ib_visibility_units(), translated;
	int vm = ib_visibility_vm(vmwhy, sizeof(vmwhy));
	const char *v;

	if (!is_bdf(bdf))
		bdf = NULL;
	if (!why) {
		why = tmp;
		len = sizeof(tmp);
	}
	if (no_dma) {
		snprintf(why, len, "no device DMA: the CPU moves the bytes");
		return "off";
	}
	if (bdf && bdf[0] && units)
		group_type(bdf, type, sizeof(type));
	if (!strcmp(type, "?") && !own_domain) {
		snprintf(why, len, "device %s: its IOMMU group's type is unreadable", bdf);
		return "unknown";
	}
	if (bdf && bdf[0])
		translated = units && (own_domain || !strcmp(type, "DMA") ||
				       !strcmp(type, "DMA-FQ") || !strcmp(type, "unmanaged"));
	else
		translated = units;
	if (vm < 0) {
		snprintf(why, len, "%s", vmwhy);
		return "unknown";
	}
	v = translated ? (vm ? "guest-viommu" : "host") : (vm ? "hypervisor" : "off");
	if (!units)
		snprintf(why, len, "%s; no IOMMU unit in /sys/class/iommu", vmwhy);
	else if (!(bdf && bdf[0]))
		snprintf(why, len, "%s; IOMMU units, no device named", vmwhy);
	else if (own_domain)
		snprintf(why, len, "%s; device %s in its driver's own domain", vmwhy, bdf);
	else if (!type[0])
		snprintf(why, len, "%s; device %s in no IOMMU group", vmwhy, bdf);
	else
		snprintf(why, len, "%s; device %s in a group of type %s", vmwhy, bdf, type);
	return v;
}
