// SPDX-License-Identifier: GPL-2.0
/*
 * tracefs counters: the kernel's iommu:map, iommu:unmap and
 * iommu:io_page_fault trace events (include/trace/events/iommu.h) give
 * iommu_maps, iommu_map_bytes (sum of size=), iommu_unmaps and
 * io_page_faults per point.
 *
 * The events cost time in the kernel on every map and unmap (about 596
 * virtual ns each in the lab, docs/counters.md), so they are live only
 * between start and stop: open checks that they can be switched and turns
 * them off (someone else's enabled events would perturb the timing pass
 * too), start clears the ring buffer and enables them, stop disables them
 * and reads the `trace` file once.  close restores each event's previous
 * enable state, tracing_on and buffer_size_kb.  Which pass starts this
 * source is the session's choice (counters.c, --counters=).  The counts are
 * system-wide (every device's mappings during the point).  If the ring
 * buffer overflowed ("entries-in-buffer/entries-written" differ) the counts
 * would be short, so the point gets no tracefs counters and a warning.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters_sources.h"
#include "ib_fileio.h"

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

struct trace_src {
	char dir[256];
	int had_enable[NEV];
	int have[NEV];
	char tracing_on[16], buffer_kb[32];
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
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

static void *trace_open(const struct ib_counters_cfg *cfg,
			struct ib_counter_unavail_list *u)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	struct trace_src *t;
	char path[512], buf[32];
	size_t i;
	int n = 0;

	if (!cfg->tracefs)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		ib_unavail_add(u, "tracefs:iommu", "out of memory");
		return NULL;
	}
	for (i = 0; i < 2 && !t->dir[0]; i++) {
		snprintf(path, sizeof(path), "%s/events/iommu/map/enable", roots[i]);
		if (!access(path, F_OK))
			snprintf(t->dir, sizeof(t->dir), "%s", roots[i]);
	}
	if (!t->dir[0]) {
		ib_unavail_add(u, "tracefs:iommu",
			       "no events/iommu under /sys/kernel/tracing or /sys/kernel/debug/tracing (tracefs not mounted or no IOMMU tracepoints)");
		free(t);
		return NULL;
	}
	for (i = 0; i < NEV; i++) {
		char name[64];

		if (i == 2 && intel_iommu_present()) {
			ib_unavail_add(u, "tracefs:iommu/io_page_fault",
				       "intel-iommu does not report faults through iommu:io_page_fault (report_iommu_fault)");
			continue;
		}

		snprintf(name, sizeof(name), "tracefs:iommu/%s", events[i]);
		snprintf(path, sizeof(path), "%s/events/iommu/%s/enable", t->dir, events[i]);
		if (ib_read_file(path, buf, sizeof(buf))) {
			ib_unavail_add(u, name, "%s: %s", path, strerror(errno));
			continue;
		}
		t->had_enable[i] = atoi(buf);
		if (write_str(path, "0")) {
			ib_unavail_add(u, name, "%s: %s", path, strerror(errno));
			continue;
		}
		t->have[i] = 1;
		n++;
	}
	if (!n) {
		free(t);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/tracing_on", t->dir);
	if (!ib_read_file(path, t->tracing_on, sizeof(t->tracing_on)))
		write_str(path, "1");
	snprintf(path, sizeof(path), "%s/buffer_size_kb", t->dir);
	if (!ib_read_file(path, t->buffer_kb, sizeof(t->buffer_kb)) &&
	    atoi(t->buffer_kb) < BUFFER_KB) {
		snprintf(buf, sizeof(buf), "%d", BUFFER_KB);
		write_str(path, buf);
	} else {
		t->buffer_kb[0] = 0; /* nothing to restore */
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

	/* opening `trace` with O_TRUNC clears the ring buffer */
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return trace_enable(t, 1);
}

static int trace_stop(void *priv, struct ib_counter_set *out)
{
	struct trace_src *t = priv;
	struct ib_trace_counts c = { 0 };
	char path[512], *line = NULL;
	unsigned long long inbuf, written;
	size_t cap = 0;
	int lost = 0;
	FILE *f;

	trace_enable(t, 0);
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
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
	fclose(f);
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
	char path[512];
	size_t i;

	for (i = 0; i < NEV; i++) {
		if (!t->have[i])
			continue;
		snprintf(path, sizeof(path), "%s/events/iommu/%s/enable", t->dir, events[i]);
		write_str(path, t->had_enable[i] ? "1" : "0");
	}
	if (t->tracing_on[0]) {
		snprintf(path, sizeof(path), "%s/tracing_on", t->dir);
		write_str(path, t->tracing_on);
	}
	if (t->buffer_kb[0]) {
		snprintf(path, sizeof(path), "%s/buffer_size_kb", t->dir);
		write_str(path, t->buffer_kb);
	}
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
