// SPDX-License-Identifier: GPL-2.0
/*
 * Provenance of a run: the context block of results.json, and raw captures
 * of everything that could explain a number later, in <run>/sysinfo/.
 */
#include <cpuid.h>
#include <dirent.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "ib_module.h"
#include "ib_results.h"
#include "ib_sysinfo.h"

static int run_cmd(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	buf[0] = '\0';
	if (!p)
		return -1;
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return pclose(p) == 0 && n ? 0 : -1;
}

const char *ib_git_sha(char *buf, size_t len)
{
	char exe[512], cmd[1200];
	ssize_t n;
	const char *env = getenv("IOMMUBENCH_GIT_SHA");

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(cmd, sizeof(cmd),
			 "git -C '%s' rev-parse HEAD 2>/dev/null && "
			 "(git -C '%s' diff --quiet HEAD 2>/dev/null || echo dirty)",
			 exe, exe);
		if (!run_cmd(cmd, buf, len)) {
			char *nl = strchr(buf, '\n');

			if (nl) /* "<sha>\ndirty" -> "<sha>-dirty" */
				*nl = '-';
			return buf;
		}
	}
	snprintf(buf, len, "unknown");
	return buf;
}

static json_t *jstr_file(const char *path)
{
	char buf[4096];

	if (ib_read_file(path, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

static json_t *cpu_info(void)
{
	json_t *c = json_object();
	char line[512], model[256] = "", vendor[64] = "", flags_hv = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!model[0] && sscanf(line, "model name : %255[^\n]", model) == 1)
				continue;
			if (!vendor[0] && sscanf(line, "vendor_id : %63s", vendor) == 1)
				continue;
			if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
				flags_hv = 1;
		}
		fclose(f);
	}
	json_object_set_new(c, "model", json_string(model));
	json_object_set_new(c, "vendor", json_string(vendor));
	json_object_set_new(c, "ncpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(c, "hypervisor_flag", json_boolean(flags_hv));
	json_object_set_new(c, "governor",
			    jstr_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
	return c;
}

static json_t *numa_info(const struct ib_topo *t)
{
	json_t *n = json_object(), *nodes = json_array(), *dist = json_array();
	int i, j;

	for (i = 0; t && i < t->nnodes; i++) {
		json_t *o = json_object(), *row = json_array();
		uint32_t cpus[1024];
		int nc = ib_topo_node_cpus(t, t->node[i], cpus, 1024), k;
		json_t *cl = json_array();

		for (k = 0; k < nc; k++)
			json_array_append_new(cl, json_integer(cpus[k]));
		json_object_set_new(o, "id", json_integer(t->node[i]));
		json_object_set_new(o, "cpus", cl);
		json_object_set_new(o, "mem_bytes", json_integer((json_int_t)t->mem_bytes[i]));
		json_array_append_new(nodes, o);
		for (j = 0; j < t->nnodes; j++)
			json_array_append_new(row, json_integer(t->dist[i][j]));
		json_array_append_new(dist, row);
	}
	json_object_set_new(n, "nodes", nodes);
	json_object_set_new(n, "distances", dist);
	json_object_set_new(n, "distances_source",
			    json_string(t && t->dist_from_os ? "os" : "assumed"));
	return n;
}

static json_t *iommu_info(void)
{
	json_t *o = json_object(), *groups = json_array();
	const char *vendor = "none";
	char path[600], buf[256], cmdline[4096];
	DIR *d = opendir("/sys/class/iommu");
	struct dirent *e;
	char first[256] = "";

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", e->d_name);
		if (!strncmp(e->d_name, "dmar", 4))
			vendor = "intel";
		else if (!strncmp(e->d_name, "ivhd", 4))
			vendor = "amd";
		else if (strstr(e->d_name, "virtio") || strstr(e->d_name, "viommu"))
			vendor = "virtio";
		else if (!strcmp(vendor, "none"))
			vendor = "other";
	}
	if (d)
		closedir(d);
	json_object_set_new(o, "vendor", json_string(vendor));
	if (first[0]) {
		snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/cap", first);
		json_object_set_new(o, "cap", jstr_file(path));
		snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/ecap", first);
		json_object_set_new(o, "ecap", jstr_file(path));
	} else {
		json_object_set_new(o, "cap", json_null());
		json_object_set_new(o, "ecap", json_null());
	}
	d = opendir("/sys/kernel/iommu_groups");
	while (d && (e = readdir(d))) {
		json_t *g, *devs;
		DIR *dd;
		struct dirent *de;

		if (e->d_name[0] == '.')
			continue;
		g = json_object();
		devs = json_array();
		json_object_set_new(g, "group", json_integer(atoi(e->d_name)));
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", e->d_name);
		json_object_set_new(g, "type", jstr_file(path));
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices", e->d_name);
		dd = opendir(path);
		while (dd && (de = readdir(dd)))
			if (de->d_name[0] != '.')
				json_array_append_new(devs, json_string(de->d_name));
		if (dd)
			closedir(dd);
		json_object_set_new(g, "devices", devs);
		json_array_append_new(groups, g);
	}
	if (d)
		closedir(d);
	json_object_set_new(o, "groups", groups);
	ib_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	if (!strcmp(vendor, "none"))
		snprintf(buf, sizeof(buf), "none");
	else if (strstr(cmdline, "iommu.passthrough=1") || strstr(cmdline, "iommu=pt"))
		snprintf(buf, sizeof(buf), "identity");
	else if (strstr(cmdline, "iommu.strict=1"))
		snprintf(buf, sizeof(buf), "DMA");
	else
		snprintf(buf, sizeof(buf), "DMA-FQ (kernel default, unless the driver forces strict)");
	json_object_set_new(o, "default_domain", json_string(buf));
	return o;
}

static json_t *hugepage_info(void)
{
	json_t *o = json_object();
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	char path[600], buf[64];

	while (d && (e = readdir(d))) {
		json_t *p;

		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		p = json_object();
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages", e->d_name);
		if (!ib_read_file(path, buf, sizeof(buf)))
			json_object_set_new(p, "nr", json_integer(atoll(buf)));
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", e->d_name);
		if (!ib_read_file(path, buf, sizeof(buf)))
			json_object_set_new(p, "free", json_integer(atoll(buf)));
		json_object_set_new(o, e->d_name + 10, p);
	}
	if (d)
		closedir(d);
	return o;
}

static void hypervisor(char *buf, size_t len)
{
	unsigned int a, b, c, d;
	char sig[13];

	buf[0] = '\0';
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
	snprintf(buf, len, "%s", sig[0] ? sig : "unknown");
}

json_t *ib_sysinfo_context(const char *platform, const char *suite,
			   const char *run_id, int argc, char **argv,
			   const struct ib_topo *t)
{
	json_t *c = json_object(), *av = json_array();
	struct utsname u;
	char buf[4096], host[256] = "";
	time_t now = time(NULL);
	struct tm tm;
	int i;
	struct iommubench_info info;

	gethostname(host, sizeof(host) - 1);
	uname(&u);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(c, "tool_version", json_string(IB_VERSION));
	json_object_set_new(c, "git_sha", json_string(ib_git_sha(buf + 64, 256)));
	json_object_set_new(c, "date", json_string(buf));
	json_object_set_new(c, "host", json_string(host));
	json_object_set_new(c, "run_id", json_string(run_id));
	json_object_set_new(c, "platform", json_string(platform));
	if (getenv("IOMMUBENCH_LAB_HOST"))
		json_object_set_new(c, "lab_host", json_string(getenv("IOMMUBENCH_LAB_HOST")));
	snprintf(buf, sizeof(buf), "%s", u.release);
	json_object_set_new(c, "kernel", json_string(buf));
	json_object_set_new(c, "kernel_version", json_string(u.version));
	json_object_set_new(c, "cmdline", jstr_file("/proc/cmdline"));
	json_object_set_new(c, "cpu", cpu_info());
	json_object_set_new(c, "numa", numa_info(t));
	json_object_set_new(c, "iommu", iommu_info());
	json_object_set_new(c, "hugepages", hugepage_info());
	json_object_set_new(c, "thp", jstr_file("/sys/kernel/mm/transparent_hugepage/enabled"));
	hypervisor(buf, sizeof(buf));
	json_object_set_new(c, "hypervisor", json_string(buf));
	json_object_set_new(c, "suite", json_string(suite));
	for (i = 0; i < argc; i++)
		json_array_append_new(av, json_string(argv[i]));
	json_object_set_new(c, "argv", av);
	if (!ib_module_info(&info, buf, sizeof(buf))) {
		json_t *m = json_object(), *devs = json_array();
		uint32_t k;

		json_object_set_new(m, "abi_version", json_integer(info.abi_version));
		json_object_set_new(m, "release", json_string(info.release));
		json_object_set_new(m, "ndma_chans", json_integer(info.ndma_chans));
		for (k = 0; k < info.ndevices && k < IOMMUBENCH_MAX_DEVICES; k++) {
			json_t *d = json_object();

			json_object_set_new(d, "device", json_string(info.devices[k].name));
			json_object_set_new(d, "numa_node", json_integer(info.devices[k].numa_node));
			json_object_set_new(d, "iommu_group", json_integer(info.devices[k].iommu_group));
			json_object_set_new(d, "domain_type",
					    json_string(ib_domain_type_name(info.devices[k].domain_type)));
			json_array_append_new(devs, d);
		}
		json_object_set_new(m, "devices", devs);
		json_object_set_new(c, "module", m);
	} else {
		json_object_set_new(c, "module", json_null());
	}
	return c;
}

static void capture_cmd(const char *dir, const char *name, const char *cmd)
{
	char full[2048];

	snprintf(full, sizeof(full), "(%s) > '%s/sysinfo/%s' 2>/dev/null", cmd, dir, name);
	if (system(full)) {
		/* best effort: the file may be empty when the tool is absent */
	}
}

void ib_sysinfo_capture(const char *dir, const struct ib_topo *t)
{
	char path[1100], buf[300];

	snprintf(path, sizeof(path), "%s/sysinfo", dir);
	if (ib_mkdir_p(path))
		return;
	capture_cmd(dir, "cmdline", "cat /proc/cmdline");
	capture_cmd(dir, "meminfo", "cat /proc/meminfo");
	capture_cmd(dir, "cpuinfo", "cat /proc/cpuinfo");
	capture_cmd(dir, "hugepages",
		    "grep -H . /sys/kernel/mm/hugepages/*/* "
		    "/sys/devices/system/node/node*/hugepages/*/*");
	capture_cmd(dir, "thp", "grep -H . /sys/kernel/mm/transparent_hugepage/enabled "
				"/sys/kernel/mm/transparent_hugepage/defrag");
	capture_cmd(dir, "iommu", "grep -H . /sys/class/iommu/*/intel-iommu/* "
				  "/sys/kernel/iommu_groups/*/type; "
				  "ls -l /sys/kernel/iommu_groups/*/devices/");
	capture_cmd(dir, "dmesg-iommu", "dmesg | grep -iE 'DMAR|AMD-Vi|IOMMU|iommubench'");
	capture_cmd(dir, "lspci-vvv", "lspci -vvv");
	capture_cmd(dir, "governor",
		    "grep -H . /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor");
	capture_cmd(dir, "numactl-H", "numactl -H");
	capture_cmd(dir, "uname", "uname -a");
	hypervisor(buf, sizeof(buf));
	snprintf(path, sizeof(path), "echo 'cpuid 0x40000000: %s'; cat /sys/hypervisor/type", buf);
	capture_cmd(dir, "hypervisor", path);
	ib_git_sha(buf, sizeof(buf));
	snprintf(path, sizeof(path), "echo '%s'", buf);
	capture_cmd(dir, "git-sha", path);
	if (t && t->hwloc) {
		snprintf(path, sizeof(path), "%s/sysinfo/lstopo.xml", dir);
		hwloc_topology_export_xml((hwloc_topology_t)t->hwloc, path, 0);
	}
}
