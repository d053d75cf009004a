// SPDX-License-Identifier: GPL-2.0
/*
 * Provenance of a run: the context block of results.json, and raw captures
 * of everything that could explain a number later, in <run>/sysinfo/.
 * No shell is involved: files are read directly (glob, opendir) and the few
 * tools (git, dmesg, lspci, numactl) are exec'ed with argument vectors, so
 * nothing taken from a run id, a suite or a results file is ever parsed as
 * a command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <hwloc.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "ib_module.h"
#include "ib_sysinfo.h"
#include "sysinfo_int.h"

/* ---- running tools without a shell ---- */

/* The tool's path in $PATH (or tool itself when it holds a '/'), or false. */
static bool in_path(const char *tool)
{
	const char *path = getenv("PATH"), *p, *e;
	char cand[PATH_MAX];

	if (strchr(tool, '/'))
		return !access(tool, X_OK);
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		size_t n;

		e = strchrnul(p, ':');
		n = (size_t)(e - p);
		if (n && !ib_pathf(cand, sizeof(cand), "%.*s/%s", (int)n, p, tool) &&
		    !access(cand, X_OK))
			return true;
	}
	return false;
}

/*
 * Starts argv[0] from $PATH with argv (execvp, no shell), stdin and stderr
 * on /dev/null and stdout on out.  The child's pid, or -1.
 */
static pid_t spawn(char *const argv[], int out)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	{
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(null, STDIN_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
}

/* The exit status of pid, or -1 (not started, or killed by a signal). */
static int wait_exit(pid_t pid)
{
	int status;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* argv with its stdout on /dev/null: its exit status, or -1. */
static int run_quiet(char *const argv[])
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), rc;

	if (null < 0)
		return -1;
	rc = wait_exit(spawn(argv, null));
	close(null);
	return rc;
}

/* argv's stdout into buf (at most len - 1 bytes, the rest drained, trailing
 * newlines cut).  Its exit status, or -1. */
static int run_capture(char *const argv[], char *buf, size_t len)
{
	int fds[2];
	size_t n = 0;
	pid_t pid;
	char sink[512];

	buf[0] = '\0';
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = spawn(argv, fds[1]); /* dup2 clears O_CLOEXEC on the child's stdout */
	close(fds[1]);
	for (;;) {
		bool room = n < len - 1;
		ssize_t r = read(fds[0], room ? buf + n : sink, room ? len - 1 - n : sizeof(sink));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (room)
			n += (size_t)r;
	}
	close(fds[0]);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return wait_exit(pid);
}

const char *ib_git_sha(char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	const char *env = getenv("IOMMUBENCH_GIT_SHA");

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && in_path("git")) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		{
			char *rev[] = { "git", "-C", exe, "rev-parse", "HEAD", NULL };
			char *diff[] = { "git", "-C", exe, "diff", "--quiet", "HEAD", NULL };
			char sha[128];

			if (!run_capture(rev, sha, sizeof(sha)) && sha[0] && !strchr(sha, '\n')) {
				/* diff --quiet: 1 when the tree differs from HEAD */
				snprintf(buf, len, "%s%s", sha,
					 run_quiet(diff) == 1 ? "-dirty" : "");
				return buf;
			}
		}
	}
	snprintf(buf, len, "unknown");
	return buf;
}

/* A small file under the sysinfo root as a string, or null. */
static json_t *jstr_file(const char *path)
{
	char buf[4096];

	if (ib_sysinfo_read(path, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

static json_t *cpu_info(void)
{
	json_t *c = json_object();
	char line[512], model[256] = "", vendor[64] = "", flags_hv = 0, path[PATH_MAX];
	FILE *f = ib_sysinfo_path(path, sizeof(path), "/proc/cpuinfo") ? NULL : fopen(path, "r");

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

/*
 * virtio-iommu registers under its PCI device's name (Linux 6.12:
 * /sys/class/iommu/0000:00:01.0), so look at the device's vendor: 0x1af4
 * (virtio) is the only IOMMU a PCI function of that vendor can be.
 */
static int is_virtio_iommu(const char *name)
{
	char path[600], buf[32];

	snprintf(path, sizeof(path), "/sys/class/iommu/%s/device/vendor", name);
	return !ib_sysinfo_read(path, buf, sizeof(buf)) && !strncmp(buf, "0x1af4", 6);
}

static json_t *iommu_info(void)
{
	json_t *o = json_object(), *groups = json_array();
	const char *vendor = "none";
	char path[600], buf[256], cmdline[4096], dir[PATH_MAX];
	DIR *d = ib_sysinfo_path(dir, sizeof(dir), "/sys/class/iommu") ? NULL : opendir(dir);
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
		else if (strstr(e->d_name, "virtio") || strstr(e->d_name, "viommu") ||
			 is_virtio_iommu(e->d_name))
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
	d = ib_sysinfo_path(dir, sizeof(dir), "/sys/kernel/iommu_groups") ? NULL : opendir(dir);
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
		dd = ib_sysinfo_path(dir, sizeof(dir), "/sys/kernel/iommu_groups/%s/devices",
				     e->d_name) ? NULL : opendir(dir);
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
	ib_sysinfo_read("/proc/cmdline", cmdline, sizeof(cmdline));
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
	char path[600], buf[64], dir[PATH_MAX];
	DIR *d = ib_sysinfo_path(dir, sizeof(dir), "/sys/kernel/mm/hugepages") ? NULL : opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		json_t *p;

		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		p = json_object();
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages", e->d_name);
		if (!ib_sysinfo_read(path, buf, sizeof(buf)))
			json_object_set_new(p, "nr", json_integer(atoll(buf)));
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", e->d_name);
		if (!ib_sysinfo_read(path, buf, sizeof(buf)))
			json_object_set_new(p, "free", json_integer(atoll(buf)));
		json_object_set_new(o, e->d_name + 10, p);
	}
	if (d)
		closedir(d);
	return o;
}

json_t *ib_sysinfo_context(const char *platform, const char *suite,
			   const char *run_id, int argc, char **argv,
			   const struct ib_topo *t)
{
	json_t *c = json_object(), *av = json_array(), *cpu, *iommu, *machine, *cloud;
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
	/* the instance identity (sysinfo_machine.c), absent where its source is */
	if ((machine = ib_sysinfo_machine()))
		json_object_set_new(c, "machine", machine);
	if ((cloud = ib_sysinfo_cloud()))
		json_object_set_new(c, "cloud", cloud);
	snprintf(buf, sizeof(buf), "%s", u.release);
	json_object_set_new(c, "kernel", json_string(buf));
	json_object_set_new(c, "kernel_version", json_string(u.version));
	json_object_set_new(c, "cmdline", jstr_file("/proc/cmdline"));
	cpu = cpu_info();
	ib_sysinfo_microcode(cpu);
	json_object_set_new(c, "cpu", cpu);
	json_object_set_new(c, "numa", numa_info(t));
	iommu = iommu_info();
	ib_sysinfo_iommu_units(iommu);
	json_object_set_new(c, "iommu", iommu);
	json_object_set_new(c, "hugepages", hugepage_info());
	json_object_set_new(c, "thp", jstr_file("/sys/kernel/mm/transparent_hugepage/enabled"));
	ib_sysinfo_hypervisor(c, cpu, machine);
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

/* ---- raw captures into <run>/sysinfo/ (best effort: errors skip a file) ---- */

/* A new capture file sdir/name (never through a symlink), or NULL. */
static FILE *cap_open(const char *sdir, const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	int fd;

	if (ib_pathf(path, sizeof(path), "%s/%s", sdir, name))
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

/* path's contents as they are (cat). */
static void cap_copy(FILE *out, const char *path)
{
	FILE *in = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!in)
		return;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	fclose(in);
}

/* Every non-empty line of the regular files matching pattern, as
 * "path:line" (grep -H .). */
static void cap_grep(FILE *out, const char *pattern)
{
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc && !ferror(out); i++) {
		const char *path = g.gl_pathv[i];
		struct stat st;
		FILE *in;

		if (stat(path, &st) || !S_ISREG(st.st_mode) || !(in = fopen(path, "r")))
			continue;
		while ((n = getline(&line, &cap, in)) > 0) {
			while (n > 0 && line[n - 1] == '\n')
				line[--n] = '\0';
			if (n)
				fprintf(out, "%s:%s\n", path, line);
		}
		fclose(in);
	}
	free(line);
	globfree(&g);
}

/* For each directory matching pattern: "dir:" and its entries, symlinks
 * with their targets (ls -l's names and arrows). */
static void cap_links(FILE *out, const char *pattern)
{
	char path[PATH_MAX], target[PATH_MAX];
	size_t i;
	glob_t g;

	if (glob(pattern, GLOB_ONLYDIR, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc && !ferror(out); i++) {
		DIR *d = opendir(g.gl_pathv[i]);
		struct dirent *e;

		if (!d)
			continue;
		fprintf(out, "%s:\n", g.gl_pathv[i]);
		while ((e = readdir(d))) {
			ssize_t n;

			if (e->d_name[0] == '.')
				continue;
			n = ib_pathf(path, sizeof(path), "%s/%s", g.gl_pathv[i], e->d_name) ? -1 :
				readlink(path, target, sizeof(target) - 1);
			if (n >= 0) {
				target[n] = '\0';
				fprintf(out, "%s -> %s\n", e->d_name, target);
			} else {
				fprintf(out, "%s\n", e->d_name);
			}
		}
		closedir(d);
		fputc('\n', out);
	}
	globfree(&g);
}

/*
 * A tool's output in sdir/name; with match, only its lines that hold one of
 * match's words (case-insensitive).  An absent tool leaves "unavailable:
 * <tool> not found" instead.
 */
static void cap_tool(const char *sdir, const char *name, char *const argv[],
		     const char *const *match)
{
	FILE *out = cap_open(sdir, name), *in;
	char *line = NULL;
	size_t cap = 0;
	int fds[2];
	pid_t pid;

	if (!out)
		return;
	if (!in_path(argv[0])) {
		fprintf(out, "unavailable: %s not found\n", argv[0]);
		goto out;
	}
	if (!match) {
		fflush(out);
		wait_exit(spawn(argv, fileno(out)));
		goto out;
	}
	if (pipe2(fds, O_CLOEXEC))
		goto out;
	pid = spawn(argv, fds[1]);
	close(fds[1]);
	in = fdopen(fds[0], "r");
	if (!in) {
		close(fds[0]);
	} else {
		while (getline(&line, &cap, in) > 0) {
			const char *const *m;

			for (m = match; *m; m++)
				if (strcasestr(line, *m)) {
					fputs(line, out);
					break;
				}
		}
		fclose(in); /* after EOF, or a write error: the child gets EPIPE */
	}
	wait_exit(pid);
	free(line);
out:
	fclose(out);
}

/* sdir/name holding the files (cat) or the lines of the files (grep -H .)
 * matching each pattern. */
static void cap_files(const char *sdir, const char *name, bool grep,
		      const char *const *patterns)
{
	FILE *out = cap_open(sdir, name);

	if (!out)
		return;
	for (; *patterns; patterns++)
		if (grep)
			cap_grep(out, *patterns);
		else
			cap_copy(out, *patterns);
	fclose(out);
}

void ib_sysinfo_capture(const char *dir, const struct ib_topo *t)
{
	static const char *const iommu_words[] = { "DMAR", "AMD-Vi", "IOMMU", NULL };
	char sdir[PATH_MAX], path[PATH_MAX], buf[300];
	struct utsname u;
	FILE *f;

	if (ib_pathf(sdir, sizeof(sdir), "%s/sysinfo", dir) ||
	    (mkdir(sdir, 0755) && errno != EEXIST))
		return;
	cap_files(sdir, "cmdline", false, (const char *const[]){ "/proc/cmdline", NULL });
	cap_files(sdir, "meminfo", false, (const char *const[]){ "/proc/meminfo", NULL });
	cap_files(sdir, "cpuinfo", false, (const char *const[]){ "/proc/cpuinfo", NULL });
	cap_files(sdir, "hugepages", true,
		  (const char *const[]){ "/sys/kernel/mm/hugepages/*/*",
					 "/sys/devices/system/node/node*/hugepages/*/*", NULL });
	/* the DMI keys of context.machine, never the serials or the UUID */
	cap_files(sdir, "dmi", true,
		  (const char *const[]){ "/sys/class/dmi/id/sys_vendor",
					 "/sys/class/dmi/id/product_name",
					 "/sys/class/dmi/id/product_version",
					 "/sys/class/dmi/id/board_vendor",
					 "/sys/class/dmi/id/board_name",
					 "/sys/class/dmi/id/bios_version",
					 "/sys/class/dmi/id/bios_date", NULL });
	cap_files(sdir, "thp", true,
		  (const char *const[]){ "/sys/kernel/mm/transparent_hugepage/enabled",
					 "/sys/kernel/mm/transparent_hugepage/defrag", NULL });
	if ((f = cap_open(sdir, "iommu"))) {
		cap_grep(f, "/sys/class/iommu/*/intel-iommu/*");
		cap_grep(f, "/sys/class/iommu/*/amd-iommu/*");
		cap_grep(f, "/sys/kernel/iommu_groups/*/type");
		cap_links(f, "/sys/kernel/iommu_groups/*/devices");
		fclose(f);
	}
	/* "iommubench" holds "IOMMU": the module's own lines match too */
	cap_tool(sdir, "dmesg-iommu", (char *const[]){ "dmesg", NULL }, iommu_words);
	cap_tool(sdir, "lspci-vvv", (char *const[]){ "lspci", "-vvv", NULL }, NULL);
	cap_files(sdir, "governor", true,
		  (const char *const[]){
			  "/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor", NULL });
	cap_tool(sdir, "numactl-H", (char *const[]){ "numactl", "-H", NULL }, NULL);
	if (!uname(&u) && (f = cap_open(sdir, "uname"))) {
		fprintf(f, "%s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version,
			u.machine);
		fclose(f);
	}
	if ((f = cap_open(sdir, "hypervisor"))) {
		ib_sysinfo_cpuid_hypervisor(buf, sizeof(buf));
		fprintf(f, "cpuid 0x40000000: %s\n", buf[0] ? buf : "unknown");
		cap_copy(f, "/sys/hypervisor/type");
		fclose(f);
	}
	if ((f = cap_open(sdir, "git-sha"))) {
		fprintf(f, "%s\n", ib_git_sha(buf, sizeof(buf)));
		fclose(f);
	}
	if (t && t->hwloc && !ib_pathf(path, sizeof(path), "%s/lstopo.xml", sdir))
		hwloc_topology_export_xml((hwloc_topology_t)t->hwloc, path, 0);
}
