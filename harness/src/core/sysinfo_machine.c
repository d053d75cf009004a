// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's identity in the context block: DMI (context.machine), the
 * cloud-init instance data a cloud image keeps on local disk
 * (context.cloud), the CPU microcode, the hypervisor, and the IOMMU units
 * that are not Intel's (iommu.amd, iommu.smmu).  Only local files are read,
 * never the network (no metadata service), and a key whose source is
 * absent is left out, never guessed.  Everything is read under
 * ib_sysinfo_root(), so tests replay the built trees in
 * tests/fixtures/sysinfo/.
 */
#include <cpuid.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "sysinfo_int.h"

/* Larger than any instance-data.json seen (tens of KiB): a bigger file is
 * not cloud-init's and is not read. */
#define CLOUD_DATA_MAX (4 << 20)

const char *ib_sysinfo_root(void)
{
	const char *env = getenv("IOMMUBENCH_SYSINFO_ROOT");

	return env && *env ? env : ib_sysfs_root;
}

int ib_sysinfo_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *root = ib_sysinfo_root();
	size_t n = strlen(root);
	va_list ap;
	int r;

	if (n >= len)
		return -1;
	memcpy(buf, root, n);
	va_start(ap, fmt);
	r = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= len - n ? -1 : 0;
}

int ib_sysinfo_read(const char *rel, char *buf, size_t len)
{
	char path[1024];

	buf[0] = '\0';
	if (ib_sysinfo_path(path, sizeof(path), "%s", rel))
		return -1;
	return ib_read_file(path, buf, len);
}

void ib_sysinfo_cpuid_hypervisor(char *buf, size_t len)
{
	unsigned int a, b, c, d;
	char sig[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1U << 31))) {
		snprintf(buf, len, "none");
		return;
	}
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	snprintf(buf, len, "%s", sig);
}

/* ---- DMI ---- */

/* The DMI keys recorded, in /sys/class/dmi/id/ (all world-readable; the
 * serial numbers and the UUID, root-only and personal, are never read). */
static const char *const dmi_keys[] = {
	"sys_vendor",  "product_name", "product_version", "board_vendor",
	"board_name",  "bios_version", "bios_date",	  NULL,
};

json_t *ib_sysinfo_machine(void)
{
	json_t *m = json_object();
	const char *const *k;
	char rel[128], buf[256];

	for (k = dmi_keys; *k; k++) {
		snprintf(rel, sizeof(rel), "/sys/class/dmi/id/%s", *k);
		if (!ib_sysinfo_read(rel, buf, sizeof(buf)) && buf[0])
			json_object_set_new(m, *k, json_string(buf));
	}
	if (!json_object_size(m)) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* ---- cloud-init instance data ---- */

/* A JSON document of at most CLOUD_DATA_MAX bytes under the root, or NULL. */
static json_t *load_json(const char *rel)
{
	char path[1024];
	struct stat st;
	json_t *doc = NULL;
	char *buf;
	ssize_t n;
	int fd;

	if (ib_sysinfo_path(path, sizeof(path), "%s", rel))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CLOUD_DATA_MAX ||
	    !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n == st.st_size)
		doc = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* doc's value at a path of keys (NULL-terminated), when a non-empty string. */
static const char *jpath(const json_t *doc, ...)
{
	const json_t *v = doc;
	const char *key, *s;
	va_list ap;

	va_start(ap, doc);
	while (v && (key = va_arg(ap, const char *)))
		v = json_object_get(v, key);
	va_end(ap);
	s = json_string_value(v);
	return s && *s ? s : NULL;
}

/*
 * The instance type, where the datasource keeps one (cloud-init's ds key,
 * the platform's metadata as crawled): EC2 ds.meta_data.instance_type
 * (cloud-init docs, "instance-data"), Azure IMDS compute.vmSize
 * (ds.meta_data.imds, DataSourceAzure).  A v1 instance_type, should a
 * cloud-init release standardise one, comes first.
 */
static const char *instance_type(const json_t *doc)
{
	const char *s = jpath(doc, "v1", "instance_type", NULL);

	if (!s)
		s = jpath(doc, "ds", "meta_data", "instance_type", NULL);
	if (!s)
		s = jpath(doc, "ds", "meta_data", "instance-type", NULL);
	if (!s)
		s = jpath(doc, "ds", "meta_data", "imds", "compute", "vmSize", NULL);
	return s;
}

json_t *ib_sysinfo_cloud(void)
{
	/* the world-readable copy (sensitive keys redacted), then the path some
	 * images keep it at */
	static const char *const files[] = { "/run/cloud-init/instance-data.json",
					     "/var/lib/cloud/data/instance-data.json", NULL };
	const char *const *f;
	json_t *doc = NULL, *c;
	const char *s;

	for (f = files; *f && !doc; f++)
		doc = load_json(*f);
	if (!doc)
		return NULL;
	c = json_object();
	s = jpath(doc, "v1", "cloud_name", NULL);
	if (!s)
		s = jpath(doc, "v1", "platform", NULL);
	if (s)
		json_object_set_new(c, "provider", json_string(s));
	if ((s = instance_type(doc)))
		json_object_set_new(c, "instance_type", json_string(s));
	if ((s = jpath(doc, "v1", "region", NULL)))
		json_object_set_new(c, "region", json_string(s));
	if ((s = jpath(doc, "v1", "availability_zone", NULL)))
		json_object_set_new(c, "zone", json_string(s));
	json_decref(doc);
	if (!json_object_size(c)) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* ---- CPU microcode ---- */

void ib_sysinfo_microcode(json_t *cpu)
{
	char path[1024], line[512], val[128] = "";
	FILE *f;

	if (!ib_sysinfo_path(path, sizeof(path), "/proc/cpuinfo") && (f = fopen(path, "r"))) {
		while (!val[0] && fgets(line, sizeof(line), f))
			if (sscanf(line, "microcode : %127s", val) != 1)
				val[0] = '\0';
		fclose(f);
	}
	if (!val[0])
		ib_sysinfo_read("/sys/devices/system/cpu/cpu0/microcode/version", val,
				sizeof(val));
	if (val[0])
		json_object_set_new(cpu, "microcode", json_string(val));
}

/* ---- the hypervisor ---- */

void ib_sysinfo_hypervisor(json_t *ctx, const json_t *cpu, const json_t *machine)
{
	char name[256] = "";
	const char *src = "cpuid", *vendor;
	bool flag;

	/* CPUID describes this machine, not a replayed tree: under a fixture
	 * root, /proc/cpuinfo's "hypervisor" flag (cpu.hypervisor_flag) is the
	 * same bit as the kernel saw it */
	if (!ib_sysinfo_root()[0]) {
		ib_sysinfo_cpuid_hypervisor(name, sizeof(name));
		flag = strcmp(name, "none");
	} else {
		char path[1024];

		flag = json_is_true(json_object_get(cpu, "hypervisor_flag"));
		src = "cpuinfo";
		/* no flag in a cpuinfo that is not there says nothing */
		snprintf(name, sizeof(name), "%s",
			 flag || ib_sysinfo_path(path, sizeof(path), "/proc/cpuinfo") ||
					 access(path, R_OK) ? "" : "none");
	}
	if (flag && !name[0] && !ib_sysinfo_read("/sys/hypervisor/type", name, sizeof(name)) &&
	    name[0])
		src = "sysfs"; /* xen */
	vendor = json_string_value(json_object_get(machine, "sys_vendor"));
	if (flag && !name[0] && vendor) {
		snprintf(name, sizeof(name), "%s", vendor);
		src = "dmi";
	}
	if (!name[0]) {
		snprintf(name, sizeof(name), "unknown");
		src = "cpuinfo";
	}
	json_object_set_new(ctx, "hypervisor", json_string(name));
	json_object_set_new(ctx, "hypervisor_source", json_string(src));
}

/* ---- IOMMU units other than VT-d ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in /sys/class/iommu starting with prefix, sorted (free each
 * and the array); their count in *n. */
static char **units(const char *prefix, size_t *n)
{
	char path[1024], **v = NULL;
	size_t cap = 0;
	struct dirent *e;
	DIR *d;

	*n = 0;
	if (ib_sysinfo_path(path, sizeof(path), "/sys/class/iommu") || !(d = opendir(path)))
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		if (!(v[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

/*
 * iommu.amd: per IVHD unit, the amd-iommu/cap and amd-iommu/features
 * attributes (drivers/iommu/amd/init.c) as the kernel prints them: cap in
 * hex; features the extended feature register in hex, as "EFR" before Linux
 * 6.2 and as two halves "a:b" since (EFR2:EFR at first, later EFR:EFR2),
 * so the raw text is kept, not decoded.
 * iommu.smmu: the SMMU units (smmu3.<MMIO base>); mainline Linux exposes no
 * SMMUv3 ID register in sysfs, so only the names are recorded.
 */
void ib_sysinfo_iommu_units(json_t *iommu)
{
	static const char *const attrs[] = { "cap", "features", NULL };
	char rel[512], buf[256], **v;
	json_t *arr;
	size_t n, i;

	v = units("ivhd", &n);
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *u = json_object();
		const char *const *a;

		json_object_set_new(u, "unit", json_string(v[i]));
		for (a = attrs; *a; a++) {
			snprintf(rel, sizeof(rel), "/sys/class/iommu/%s/amd-iommu/%s", v[i], *a);
			if (!ib_sysinfo_read(rel, buf, sizeof(buf)) && buf[0])
				json_object_set_new(u, *a, json_string(buf));
		}
		if (json_object_size(u) > 1)
			json_array_append_new(arr, u);
		else
			json_decref(u);
		free(v[i]);
	}
	free(v);
	if (json_array_size(arr))
		json_object_set_new(iommu, "amd", arr);
	else
		json_decref(arr);
	v = units("smmu", &n);
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *u = json_object();

		json_object_set_new(u, "unit", json_string(v[i]));
		json_array_append_new(arr, u);
		free(v[i]);
	}
	free(v);
	if (json_array_size(arr))
		json_object_set_new(iommu, "smmu", arr);
	else
		json_decref(arr);
}

/* ---- the identity in one line (report, compare) ---- */

const char *ib_sysinfo_instance(const json_t *ctx, char *buf, size_t len)
{
	const json_t *m = json_object_get(ctx, "machine"), *c = json_object_get(ctx, "cloud");
	const char *what = jpath(c, "instance_type", NULL) ?: jpath(m, "product_name", NULL);
	const char *who = jpath(c, "provider", NULL) ?: jpath(m, "sys_vendor", NULL);
	const char *where = jpath(c, "zone", NULL) ?: jpath(c, "region", NULL);

	if (!what && !who)
		return NULL;
	if (!what)
		snprintf(buf, len, "%s%s%s", who, where ? ", " : "", where ?: "");
	else if (who)
		snprintf(buf, len, "%s (%s%s%s)", what, who, where ? ", " : "", where ?: "");
	else
		snprintf(buf, len, "%s%s%s%s", what, where ? " (" : "", where ?: "", where ? ")" : "");
	return buf;
}
