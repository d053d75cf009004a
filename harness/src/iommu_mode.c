// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU mode control through sysfs.  A group's default-domain type can only
 * change while no driver is bound, so: unbind, write the type, bind to
 * iommubench via driver_override.  The original type, driver and override
 * are saved first and put back by ib_iommu_mode_restore_all(), which
 * main.c calls at exit and from its SIGINT/SIGTERM handler; so it only uses
 * open/write/close on strings prepared in advance.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_fileio.h"
#include "ib_iommu_mode.h"

#define PCI "/sys/bus/pci"
#define MAX_SAVED 16

struct saved_group {
	char bdf[16];
	char unbind_cur[256]; /* path to unbind from whatever is bound */
	char type_path[256];
	char orig_type[32];
	char override_path[256];
	char orig_override[64];
	char bind_path[256]; /* "" = was unbound */
};

static struct saved_group saved[MAX_SAVED];
static volatile int nsaved;

static int wr(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n, len = (ssize_t)strlen(s);

	if (fd < 0)
		return -1;
	n = write(fd, s, (size_t)len);
	close(fd);
	return n == len ? 0 : -1;
}

const char *ib_iommu_type_to_mode(const char *type)
{
	if (!strcmp(type, "identity"))
		return "identity";
	if (!strcmp(type, "DMA"))
		return "dma-strict";
	if (!strcmp(type, "DMA-FQ"))
		return "dma-lazy";
	if (!strcmp(type, "none") || !type[0])
		return "off";
	return type;
}

static const char *mode_to_type(const char *mode)
{
	if (!strcmp(mode, "identity"))
		return "identity";
	if (!strcmp(mode, "dma-strict"))
		return "DMA";
	if (!strcmp(mode, "dma-lazy"))
		return "DMA-FQ";
	return NULL;
}

const char *ib_iommu_mode_read(const char *bdf, char *buf, size_t len)
{
	char path[512], type[64];

	snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group/type",
		 ib_sysfs_root, bdf);
	if (ib_read_file(path, type, sizeof(type))) {
		snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group",
			 ib_sysfs_root, bdf);
		snprintf(buf, len, "%s", access(path, F_OK) ? "off" : "unknown");
		return buf;
	}
	snprintf(buf, len, "%s", ib_iommu_type_to_mode(type));
	return buf;
}

static int group_ndevices(const char *bdf)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group/devices",
		 ib_sysfs_root, bdf);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static struct saved_group *save_group(const char *bdf)
{
	struct saved_group *g;
	char link[512], target[512];
	ssize_t n;
	int i;

	for (i = 0; i < nsaved; i++)
		if (!strcmp(saved[i].bdf, bdf))
			return &saved[i];
	if (nsaved >= MAX_SAVED)
		return NULL;
	g = &saved[nsaved];
	memset(g, 0, sizeof(*g));
	snprintf(g->bdf, sizeof(g->bdf), "%.15s", bdf);
	snprintf(g->unbind_cur, sizeof(g->unbind_cur),
		 "%.60s" PCI "/devices/%.15s/driver/unbind", ib_sysfs_root, bdf);
	snprintf(g->type_path, sizeof(g->type_path),
		 "%.60s" PCI "/devices/%.15s/iommu_group/type", ib_sysfs_root, bdf);
	snprintf(g->override_path, sizeof(g->override_path),
		 "%.60s" PCI "/devices/%.15s/driver_override", ib_sysfs_root, bdf);
	if (ib_read_file(g->type_path, g->orig_type, sizeof(g->orig_type)))
		return NULL;
	if (ib_read_file(g->override_path, g->orig_override, sizeof(g->orig_override)) ||
	    !strcmp(g->orig_override, "(null)"))
		g->orig_override[0] = '\0';
	snprintf(link, sizeof(link), "%s" PCI "/devices/%s/driver", ib_sysfs_root,
		 bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(g->bind_path, sizeof(g->bind_path),
			 "%.60s" PCI "/drivers/%.100s/bind", ib_sysfs_root,
			 basename(target));
	}
	nsaved++;
	return g;
}

static void restore_one(const struct saved_group *g)
{
	char cur[32];

	wr(g->unbind_cur, g->bdf);
	if (!ib_read_file(g->type_path, cur, sizeof(cur)) && strcmp(cur, g->orig_type))
		wr(g->type_path, g->orig_type);
	wr(g->override_path, g->orig_override[0] ? g->orig_override : "\n");
	if (g->bind_path[0])
		wr(g->bind_path, g->bdf);
}

void ib_iommu_mode_restore_all(void)
{
	int i;

	for (i = 0; i < nsaved; i++)
		restore_one(&saved[i]);
}

int ib_iommu_mode_apply(const char *bdf, const char *mode, char *eff,
			size_t efflen, char *why, size_t whylen)
{
	const char *want = mode_to_type(mode);
	struct saved_group *g;
	char cur[64], probe[512], unbind[512];
	int n;

	why[0] = '\0';
	ib_iommu_mode_read(bdf, eff, efflen);
	if (!strcmp(mode, "current") || !strcmp(eff, mode))
		return 0;
	if (!strcmp(mode, "off")) {
		snprintf(why, whylen,
			 "iommu_mode=off cannot be set at runtime (effective: %s); boot with intel_iommu=off or amd_iommu=off",
			 eff);
		return 1;
	}
	if (!strcmp(eff, "off")) {
		snprintf(why, whylen,
			 "iommu_mode=%s: device %s has no IOMMU group (no IOMMU translates it)",
			 mode, bdf);
		return 1;
	}
	n = group_ndevices(bdf);
	if (n != 1) {
		snprintf(why, whylen,
			 "iommu_mode=%s: the IOMMU group of %s has %d devices; switching it would unbind the others",
			 mode, bdf, n);
		return 1;
	}
	g = save_group(bdf);
	if (!g) {
		snprintf(why, whylen, "iommu_mode=%s: cannot read the group type of %s",
			 mode, bdf);
		return 1;
	}
	snprintf(unbind, sizeof(unbind), "%s" PCI "/devices/%s/driver/unbind",
		 ib_sysfs_root, bdf);
	if (!access(unbind, F_OK) && wr(unbind, bdf)) {
		snprintf(why, whylen, "iommu_mode=%s: unbinding %s: %s", mode, bdf,
			 strerror(errno));
		restore_one(g);
		return 1;
	}
	if (wr(g->type_path, want)) {
		snprintf(why, whylen, "iommu_mode=%s: writing %s to %s: %s", mode,
			 want, g->type_path, strerror(errno));
		restore_one(g);
		return 1;
	}
	snprintf(probe, sizeof(probe), "%s" PCI "/drivers_probe", ib_sysfs_root);
	if (wr(g->override_path, "iommubench") || wr(probe, bdf)) {
		snprintf(why, whylen, "iommu_mode=%s: binding %s to iommubench: %s",
			 mode, bdf, strerror(errno));
		restore_one(g);
		return 1;
	}
	ib_iommu_mode_read(bdf, eff, efflen);
	if (ib_read_file(g->type_path, cur, sizeof(cur)) || strcmp(eff, mode)) {
		snprintf(why, whylen, "iommu_mode=%s: effective mode is %s after the switch",
			 mode, eff);
		return 1;
	}
	return 0;
}
