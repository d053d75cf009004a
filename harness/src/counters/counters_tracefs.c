// SPDX-License-Identifier: GPL-2.0
/*
 * tracefs counters: the kernel's iommu:map, iommu:unmap and
 * iommu:io_page_fault trace events (include/trace/events/iommu.h) give
 * iommu_maps, iommu_map_bytes (sum of size=), iommu_unmaps and
 * io_page_faults per point.
 *
 * The events cost time in the kernel on every map and unmap (about 596
 * virtual ns each in the lab, docs/counters.md), so they are live only
 * between start and stop.  They are counted in a private tracefs instance,
 * <tracefs>/instances/iommubench-<pid>, so the global instance (its ring
 * buffer, tracing_on, buffer_size_kb, its events) and every other user's
 * instance are never touched: open records the instance in the state
 * ledger (write-ahead) and creates it with mkdir, sizes its buffer; start
 * clears its buffer and enables the iommu events in it; stop disables
 * them and reads its `trace` once; close removes it with rmdir and forgets
 * the record.  A signal removes it at once (ib_counters_restore_signal(),
 * rmdir only); after a SIGKILL, `iommubench restore` or the next run does,
 * from the ledger.  The counts are system-wide (every device's mappings
 * during the point).  If the ring buffer overflowed
 * ("entries-in-buffer/entries-written" differ) the counts would be short,
 * so the point gets no tracefs counters and a warning.
 *
 * The tracefs mount: /sys/kernel/tracing, else /sys/kernel/debug/tracing;
 * $IOMMUBENCH_TRACEFS names another mount of it (tests use a private one).
 *
 * Note: trace_map fires once per iommu_map() call with the size of the call,
 * not once per IOPTE, so the size histogram (map_by_size) is of map calls.
 * The IOPTE sizes themselves are in the row's params.iommu_page_sizes.
 *
 * io_page_faults is not taken from tracefs on Intel VT-d: intel-iommu logs
 * DMAR faults to dmesg and never calls report_iommu_fault(), so the
 * iommu:io_page_fault event would always read 0 there.  It is listed as
 * unavailable instead (the module's own fault count remains).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "counters_sources.h"
#include "ib_fileio.h"
#include "ib_machine_state.h"

/* 6.1 TP_printk formats:
 *   map:           "IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu"
 *   unmap:         "IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu"
 *   io_page_fault: "IOMMU:%s %s iova=0x%016llx flags=0x%04x"
 * A `trace` line is "<comm>-<pid> [cpu] <flags> <ts>: <event>: <printk>". */
int ib_trace_parse_line(const char *line, struct ib_trace_counts *c)
{
	const char *p;
	unsigned long long a, b, pa, size, unmapped;

	if ((p = strstr(line, " map: IOMMU: iova="))) {
		if (sscanf(p, " map: IOMMU: iova=0x%llx - 0x%llx paddr=0x%llx size=%llu",
			   &a, &b, &pa, &size) != 4)
			return 0;
		c->maps++;
		c->map_bytes += size;
		if (size == 4096)
			c->map_by_size[0]++;
		else if (size == 2ULL << 20)
			c->map_by_size[1]++;
		else if (size == 1ULL << 30)
			c->map_by_size[2]++;
		else
			c->map_by_size[3]++;
		return 1;
	}
	if ((p = strstr(line, " unmap: IOMMU: iova="))) {
		if (sscanf(p, " unmap: IOMMU: iova=0x%llx - 0x%llx size=%llu unmapped_size=%llu",
			   &a, &b, &size, &unmapped) != 4)
			return 0;
		c->unmaps++;
		c->unmap_bytes += unmapped;
		return 1;
	}
	if ((p = strstr(line, " io_page_fault: IOMMU:")) && strstr(p, " iova=0x")) {
		c->faults++;
		return 1;
	}
	return 0;
}

static const char *const events[] = { "map", "unmap", "io_page_fault" };
#define NEV 3
#define BUFFER_KB 16384 /* room for ~200k map/unmap lines per point */
#define TRACEFS_MAGIC_ 0x74726163

struct trace_src {
	char root[256]; /* the tracefs mount */
	char dir[320];	/* root/instances/iommubench-<pid> */
	int have[NEV];
};

/* For the signal path: the instance to remove, and the fd (if any) open in
 * it now, which would keep rmdir from removing it (EBUSY). */
static char sig_dir[320];
static volatile sig_atomic_t sig_dir_set, sig_torn;
static volatile int busy_fd = -1;
static int null_fd = -1;

void ib_counters_restore_signal(void)
{
	int fd;

	if (!sig_dir_set)
		return;
	if (!rmdir(sig_dir)) {
		sig_dir_set = 0;
		sig_torn = 1;
		return;
	}
	fd = busy_fd;
	if (errno == EBUSY && fd >= 0 && null_fd >= 0) {
		/* let go of the instance's file: the fd now reads /dev/null */
		dup2(null_fd, fd);
		sig_torn = 1;
		if (!rmdir(sig_dir))
			sig_dir_set = 0;
	}
}

/* open() in the instance, the fd visible to the signal path until closed. */
static int inst_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);

	busy_fd = fd;
	return fd;
}

static void inst_close(int fd)
{
	busy_fd = -1;
	close(fd);
}

static int write_str(const char *path, const char *s)
{
	int fd = inst_open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	inst_close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int intel_iommu_present(void)
{
	DIR *d = opendir("/sys/class/iommu");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "dmar", 4))
			found = 1;
	closedir(d);
	return found;
}

/* A tracefs mount with the iommu events: "" when none. */
static void find_root(char *root, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	const char *env = getenv("IOMMUBENCH_TRACEFS");
	char path[512];
	struct statfs sf;
	size_t i;

	root[0] = '\0';
	for (i = 0; i < 3 && !root[0]; i++) {
		const char *r = i == 0 ? env : roots[i - 1];

		if (!r || !*r || (i == 0) != (env && *env))
			continue;
		snprintf(path, sizeof(path), "%s/events/iommu/map/enable", r);
		if (!access(path, F_OK) && !statfs(r, &sf) && sf.f_type == TRACEFS_MAGIC_)
			snprintf(root, len, "%s", r);
	}
}

/* Removes our instance (closing path): 0, or -1 with errno. */
static int instance_remove(struct trace_src *t)
{
	char why[512];
	int rc = 0;

	if (ib_state_lock(false, why, sizeof(why)) < 0)
		fprintf(stderr, "iommubench: tracefs: %s\n", why);
	/* under the lock signals wait: the handler cannot race the rmdir */
	if (sig_dir_set && rmdir(t->dir) && errno != ENOENT) {
		fprintf(stderr, "iommubench: tracefs: cannot remove %s: %s (the ledger keeps it for `iommubench restore`)\n",
			t->dir, strerror(errno));
		rc = -1;
	}
	if (!rc) {
		sig_dir_set = 0;
		ib_state_trace_forget(t->root);
	}
	ib_state_unlock();
	return rc;
}

static void *trace_open(const struct ib_counters_cfg *cfg,
			struct ib_counter_unavail_list *u)
{
	struct trace_src *t;
	char path[512], buf[32], why[512];
	size_t i;
	int n = 0, rc;

	if (!cfg->tracefs)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		ib_unavail_add(u, "tracefs:iommu", "out of memory");
		return NULL;
	}
	find_root(t->root, sizeof(t->root));
	if (!t->root[0]) {
		ib_unavail_add(u, "tracefs:iommu",
			       "no events/iommu under %s (tracefs not mounted or no IOMMU tracepoints)",
			       getenv("IOMMUBENCH_TRACEFS") && *getenv("IOMMUBENCH_TRACEFS") ?
				       getenv("IOMMUBENCH_TRACEFS") :
				       "/sys/kernel/tracing or /sys/kernel/debug/tracing");
		free(t);
		return NULL;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/instances/iommubench-%d", t->root, (int)getpid());
	if (null_fd < 0)
		null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* recorded before it exists, created with signals held off: a kill
	 * at any point leaves either nothing or a record restore acts on */
	rc = ib_state_lock(true, why, sizeof(why));
	if (!rc)
		rc = ib_state_trace_record(t->root, why, sizeof(why));
	if (rc) {
		if (rc == 1)
			snprintf(why, sizeof(why), "no state directory");
		ib_state_unlock();
		ib_unavail_add(u, "tracefs:iommu",
			       "cannot record the tracefs instance in the state ledger: %s", why);
		free(t);
		return NULL;
	}
	snprintf(sig_dir, sizeof(sig_dir), "%s", t->dir);
	sig_torn = 0;
	if (mkdir(t->dir, 0700)) {
		int e = errno;

		ib_state_trace_forget(t->root);
		ib_state_unlock();
		ib_unavail_add(u, "tracefs:iommu", "mkdir %s: %s", t->dir, strerror(e));
		free(t);
		return NULL;
	}
	sig_dir_set = 1;
	ib_state_unlock();
	for (i = 0; i < NEV; i++) {
		char name[64];

		if (i == 2 && intel_iommu_present()) {
			ib_unavail_add(u, "tracefs:iommu/io_page_fault",
				       "intel-iommu does not report faults through iommu:io_page_fault (report_iommu_fault)");
			continue;
		}

		snprintf(name, sizeof(name), "tracefs:iommu/%s", events[i]);
		snprintf(path, sizeof(path), "%s/events/iommu/%s/enable", t->dir, events[i]);
		if (write_str(path, "0")) {
			ib_unavail_add(u, name, "%s: %s", path, strerror(errno));
			continue;
		}
		t->have[i] = 1;
		n++;
	}
	snprintf(path, sizeof(path), "%s/buffer_size_kb", t->dir);
	snprintf(buf, sizeof(buf), "%d", BUFFER_KB);
	if (n && write_str(path, buf)) {
		ib_unavail_add(u, "tracefs:iommu", "%s: %s", path, strerror(errno));
		n = 0;
	}
	if (!n) {
		instance_remove(t);
		free(t);
		return NULL;
	}
	return t;
}

/* Every event we have switched on (on = 1) or off. */
static int trace_enable(struct trace_src *t, int on)
{
	char path[512];
	size_t i;
	int ret = 0;

	for (i = 0; i < NEV; i++) {
		if (!t->have[i])
			continue;
		snprintf(path, sizeof(path), "%s/events/iommu/%s/enable", t->dir, events[i]);
		if (write_str(path, on ? "1" : "0"))
			ret = -1;
	}
	return ret;
}

static int trace_start(void *priv)
{
	struct trace_src *t = priv;
	char path[512];
	int fd;

	/* opening the instance's `trace` with O_TRUNC clears its buffer only */
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	fd = inst_open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	inst_close(fd);
	return trace_enable(t, 1);
}

static int trace_stop(void *priv, struct ib_counter_set *out)
{
	struct trace_src *t = priv;
	struct ib_trace_counts c = { 0 };
	char path[512], *line = NULL;
	unsigned long long inbuf, written;
	size_t cap = 0;
	int lost = 0, fd;
	FILE *f;

	trace_enable(t, 0);
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	fd = inst_open(path, O_RDONLY);
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			inst_close(fd);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#') {
			const char *p = strstr(line, "entries-in-buffer/entries-written:");

			if (p && sscanf(p, "entries-in-buffer/entries-written: %llu/%llu",
					&inbuf, &written) == 2 && inbuf != written)
				lost = 1;
			continue;
		}
		ib_trace_parse_line(line, &c);
	}
	free(line);
	busy_fd = -1;
	fclose(f);
	if (sig_torn) /* a signal removed the instance: the counts are cut */
		return -1;
	if (lost) {
		fprintf(stderr, "iommubench: tracefs: ring buffer overflowed during the point; iommu_maps/io_page_faults not recorded for it\n");
		return -1;
	}
	if (t->have[0]) {
		ib_counter_set_add(out, "iommu_maps", "tracefs:iommu/map", c.maps);
		ib_counter_set_add(out, "iommu_map_bytes", "tracefs:iommu/map", c.map_bytes);
	}
	if (t->have[1]) /* issue 13: unmaps per I/O of a driver's requests */
		ib_counter_set_add(out, "iommu_unmaps", "tracefs:iommu/unmap", c.unmaps);
	if (t->have[2])
		ib_counter_set_add(out, "io_page_faults", "tracefs:iommu/io_page_fault", c.faults);
	return 0;
}

static void trace_close(void *priv)
{
	struct trace_src *t = priv;

	trace_enable(t, 0);
	instance_remove(t);
	free(t);
}

const struct ib_counter_source ib_counters_tracefs = {
	.name = "tracefs",
	.costs = IB_CTR_COSTS_MAPS,
	.open = trace_open,
	.start = trace_start,
	.stop = trace_stop,
	.close = trace_close,
};
