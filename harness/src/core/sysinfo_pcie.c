// SPDX-License-Identifier: GPL-2.0
/*
 * The measured devices in the context block (context.devices): for each
 * PCI device a row used, its PCIe link (sysfs current_/max_link_speed and
 * _width), ATS, PRI, PASID and ACS as its config space says (the sysfs
 * `config` file, read only; its extended capabilities are there for root,
 * an unprivileged read stops at 64 bytes and then they are left out), the
 * ACS of the bridges above it, and its IOMMU group with the group's
 * members.  Read under ib_sysinfo_root() like the rest of the context.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "ib_sysinfo.h"
#include "sysinfo_int.h"

#define CFG_SIZE 4096	  /* PCIe extended config space */
#define CFG_EXT 0x100	  /* first extended capability */
#define EXT_CAP_ACS 0x0d  /* Access Control Services */
#define EXT_CAP_ATS 0x0f  /* Address Translation Services */
#define EXT_CAP_PRI 0x13  /* Page Request Interface */
#define EXT_CAP_PASID 0x1b

/* "dddd:bb:dd.f" in hex: the only form used in a path. */
static bool bdf_ok(const char *s)
{
	int i;

	if (!s || strlen(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return false;
	for (i = 0; i < 12; i++)
		if (i != 4 && i != 7 && i != 10 && !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static unsigned rd16(const uint8_t *c, size_t off)
{
	return c[off] | (unsigned)c[off + 1] << 8;
}

static uint32_t rd32(const uint8_t *c, size_t off)
{
	return rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;
}

/* The config space of the device at the absolute sysfs directory dir, up
 * to CFG_SIZE bytes: the bytes read (0 when unreadable). */
static size_t read_config(const char *dir, uint8_t *cfg)
{
	char path[PATH_MAX];
	size_t n = 0;
	ssize_t r;
	int fd;

	if (ib_pathf(path, sizeof(path), "%s/config", dir) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	while (n < CFG_SIZE && (r = read(fd, cfg + n, CFG_SIZE - n)) > 0)
		n += (size_t)r;
	close(fd);
	return n;
}

/* ACS capability / control bits, PCIe base spec 7.7.8 (pci_regs.h PCI_ACS_*). */
static json_t *acs_bits(unsigned v)
{
	static const char *const names[] = { "SV", "TB", "RR", "CR", "UF", "EC", "DT" };
	json_t *a = json_array();
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (v & (1U << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *cap_acs(const uint8_t *c, size_t off)
{
	json_t *o = json_object();

	json_object_set_new(o, "capabilities", acs_bits(rd16(c, off + 4)));
	json_object_set_new(o, "enabled", acs_bits(rd16(c, off + 6)));
	return o;
}

/* ATS control: bit 15 enable, bits 4:0 the smallest translation unit
 * (2^(12+STU) bytes). */
static json_t *cap_ats(const uint8_t *c, size_t off)
{
	unsigned ctl = rd16(c, off + 6);
	json_t *o = json_object();

	json_object_set_new(o, "enabled", json_boolean(ctl & 0x8000));
	json_object_set_new(o, "stu", json_integer(ctl & 0x1f));
	return o;
}

/* PRI control bit 0 enable; +8 the outstanding page request capacity. */
static json_t *cap_pri(const uint8_t *c, size_t off)
{
	json_t *o = json_object();

	json_object_set_new(o, "enabled", json_boolean(rd16(c, off + 4) & 1));
	json_object_set_new(o, "outstanding_requests", json_integer(rd32(c, off + 8)));
	return o;
}

/* PASID capability bits 12:8 the max PASID width; control bit 0 enable. */
static json_t *cap_pasid(const uint8_t *c, size_t off)
{
	json_t *o = json_object();

	json_object_set_new(o, "enabled", json_boolean(rd16(c, off + 6) & 1));
	json_object_set_new(o, "max_width", json_integer((rd16(c, off + 4) >> 8) & 0x1f));
	return o;
}

/*
 * The extended capabilities of cfg (len bytes) into o as ats, pri, pasid
 * and acs.  The list is walked from 0x100 by each header's next pointer,
 * at most once per dword (a looping list ends), and stops at a header of 0
 * (none) or all ones (not readable).
 */
static void ext_caps(json_t *o, const uint8_t *cfg, size_t len)
{
	size_t off = CFG_EXT;
	int guard;

	for (guard = 0; off && guard < (CFG_SIZE - CFG_EXT) / 4; guard++) {
		uint32_t hdr;

		if (off < CFG_EXT || (off & 3) || off + 12 > len)
			break;
		hdr = rd32(cfg, off);
		if (!hdr || hdr == 0xffffffffU)
			break;
		switch (hdr & 0xffff) {
		case EXT_CAP_ACS:
			json_object_set_new(o, "acs", cap_acs(cfg, off));
			break;
		case EXT_CAP_ATS:
			json_object_set_new(o, "ats", cap_ats(cfg, off));
			break;
		case EXT_CAP_PRI:
			json_object_set_new(o, "pri", cap_pri(cfg, off));
			break;
		case EXT_CAP_PASID:
			json_object_set_new(o, "pasid", cap_pasid(cfg, off));
			break;
		}
		off = (hdr >> 20) & 0xffc;
	}
}

/* The link attributes: speeds as the kernel words them ("16.0 GT/s
 * PCIe"), widths as integers. */
static void link_attrs(json_t *pcie, const char *dir)
{
	static const char *const attrs[] = { "current_link_speed", "current_link_width",
					     "max_link_speed", "max_link_width", NULL };
	const char *const *a;
	char path[PATH_MAX], buf[64], *end;

	for (a = attrs; *a; a++) {
		unsigned long w;

		if (ib_pathf(path, sizeof(path), "%s/%s", dir, *a) ||
		    ib_read_file(path, buf, sizeof(buf)) || !buf[0])
			continue;
		if (!strstr(*a, "width")) {
			json_object_set_new(pcie, *a, json_string(buf));
			continue;
		}
		w = strtoul(buf, &end, 10);
		if (!*end && end != buf)
			json_object_set_new(pcie, *a, json_integer((json_int_t)w));
	}
}

/* acs_upstream: the ACS of each bridge on the device's sysfs path
 * (/sys/devices/pciDDDD:BB/<bridge>/.../<device>), top down. */
static void upstream_acs(json_t *pcie, const char *dir, uint8_t *cfg)
{
	char real[PATH_MAX], *slash, *p, *q;
	json_t *arr = json_array();

	if (!realpath(dir, real) || !(slash = strrchr(real, '/')))
		goto out;
	*slash = '\0'; /* the bridges above the device */
	for (p = strstr(real, "/pci"); p; p = q) {
		char comp[13];
		json_t *o;
		size_t n;

		q = strchr(p + 1, '/');
		if ((q ? (size_t)(q - p - 1) : strlen(p + 1)) != 12)
			continue;
		memcpy(comp, p + 1, 12);
		comp[12] = '\0';
		if (!bdf_ok(comp))
			continue;
		if (q)
			*q = '\0';
		n = read_config(real, cfg);
		if (q)
			*q = '/';
		o = json_object();
		ext_caps(o, cfg, n);
		if (json_object_get(o, "acs")) {
			json_t *b = json_object();

			json_object_set_new(b, "device", json_string(comp));
			json_object_set(b, "acs", json_object_get(o, "acs"));
			json_array_append_new(arr, b);
		}
		json_decref(o);
	}
out:
	if (json_array_size(arr))
		json_object_set_new(pcie, "acs_upstream", arr);
	else
		json_decref(arr);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* iommu_group and iommu_group_members (sorted), where the device has one. */
static void iommu_group(json_t *e, const char *dir)
{
	char path[PATH_MAX], target[PATH_MAX], *base, *end;
	json_t *members = json_array(), *v[256];
	struct dirent *de;
	size_t n = 0, i;
	long g;
	ssize_t r;
	DIR *d;

	if (ib_pathf(path, sizeof(path), "%s/iommu_group", dir) ||
	    (r = readlink(path, target, sizeof(target) - 1)) <= 0)
		goto out;
	target[r] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	g = strtol(base, &end, 10);
	if (*end || end == base || g < 0)
		goto out;
	json_object_set_new(e, "iommu_group", json_integer(g));
	if (ib_sysinfo_path(path, sizeof(path), "/sys/kernel/iommu_groups/%ld/devices", g) ||
	    !(d = opendir(path)))
		goto out;
	while ((de = readdir(d)) && n < sizeof(v) / sizeof(v[0]))
		if (de->d_name[0] != '.')
			v[n++] = json_string(de->d_name);
	closedir(d);
	qsort(v, n, sizeof(v[0]), by_str);
	for (i = 0; i < n; i++)
		json_array_append_new(members, v[i]);
	json_object_set(e, "iommu_group_members", members);
out:
	json_decref(members);
}

json_t *ib_sysinfo_device(const char *bdf)
{
	char dir[PATH_MAX];
	struct stat st;
	json_t *e, *pcie;
	uint8_t *cfg;
	size_t n;

	if (!bdf_ok(bdf) || ib_sysinfo_path(dir, sizeof(dir), "/sys/bus/pci/devices/%s", bdf) ||
	    stat(dir, &st) || !S_ISDIR(st.st_mode) || !(cfg = calloc(1, CFG_SIZE)))
		return NULL;
	e = json_object();
	pcie = json_object();
	json_object_set_new(e, "device", json_string(bdf));
	link_attrs(pcie, dir);
	n = read_config(dir, cfg);
	if (n)
		json_object_set_new(pcie, "config_bytes", json_integer((json_int_t)n));
	ext_caps(pcie, cfg, n);
	upstream_acs(pcie, dir, cfg);
	free(cfg);
	if (json_object_size(pcie))
		json_object_set_new(e, "pcie", pcie);
	else
		json_decref(pcie);
	iommu_group(e, dir);
	return e;
}

void ib_sysinfo_add_device(json_t *ctx, const json_t *row)
{
	const char *st = json_string_value(json_object_get(row, "status"));
	const char *dev = json_string_value(json_object_get(json_object_get(row, "params"), "device"));
	json_t *devs = json_object_get(ctx, "devices"), *d, *e;
	size_t i;

	if (!json_is_object(ctx) || !st || !strcmp(st, "skipped") || !bdf_ok(dev))
		return;
	json_array_foreach(devs, i, d)
		if (!strcmp(json_string_value(json_object_get(d, "device")) ?: "", dev))
			return;
	if (!(e = ib_sysinfo_device(dev)))
		return;
	if (!json_is_array(devs)) {
		devs = json_array();
		json_object_set_new(ctx, "devices", devs);
	}
	json_array_append_new(devs, e);
}
