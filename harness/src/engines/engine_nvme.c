// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `nvme`: O_DIRECT reads with io_uring (liburing) from a block
 * device the user names (device=/dev/nvme0n1), into the point's buffer
 * (the buffer layer's verified 4k/thp/2m/1g pages), registered as io_uring
 * fixed buffers.  READ-ONLY: the device is opened O_RDONLY|O_DIRECT and
 * only IORING_OP_READ_FIXED is ever submitted.
 *
 * Each repetition: open, ring of iodepth entries, register the window
 * (register_ns: one sample, the pinning io_uring does), then `iterations`
 * reads of xfer_size at seq (continuing across repetitions) or rand
 * offsets of the device, each into the next xfer_size slot of the window
 * (so up to iodepth reads in flight never share a slot).  dma_latency_ns:
 * submission to completion of each read; iops and bandwidth: reads and
 * bytes over the repetition's wall time.
 *
 * The NVMe driver maps and unmaps every request's data through the DMA
 * API (IB_ENG_TIMES_MAPS: the tracefs map/unmap counts come from a separate
 * pass under counters=auto).  The point's iommu_mode is set on the NVMe
 * controller's PCI device (found through sysfs): unbind nvme, write the
 * group type, rebind nvme, then wait for the namespace to come back
 * (settle).  Refused (skipped row): a device that is not an NVMe namespace,
 * a partition, a device holding (on any namespace or partition of its
 * controller) a mounted filesystem, swap or a holder (dm, md), and one the
 * user cannot read.  See docs/engines-nvme-vfio.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_engine.h"
#include "ib_fileio.h"
#include "ib_rowschema.h"
#include "ib_run.h"
#include "iommubench.h"

/* sysfs paths are built from sysfs names (<= 255 bytes) into PATH_MAX
 * buffers: a truncated one names nothing and is refused as missing */
#pragma GCC diagnostic ignored "-Wformat-truncation"

struct nvme_opts {
	uint64_t window, xfer_size, iterations, seed;
	uint32_t pattern, iodepth;
};

/* nvme's own parameter (ib_engine.h: struct ib_engine_opt .param).
 * Default unset (rows of other engines do not carry it): 1. */
static const struct ib_option nvme_iodepth = {
	"iodepth", IB_OPT_UINT, 0, 1, 4096, "", NULL, "outstanding I/Os (nvme; default 1)",
};
/* its row-schema entry: params.iodepth, asked for, an integer in the typed
 * view (the report's I/O figure labels qdN with it), no CSV column */
static const struct ib_row_field nvme_iodepth_field = {
	.name = "iodepth", .where = IB_FW_PARAMS, .type = IB_FT_INT,
	.flags = IB_FF_REQUESTED, .resolves = -1, .view = IB_V_INT,
};

#define O(field, id, ...) IB_EOPT(struct nvme_opts, field, id, __VA_ARGS__)
/* not const: the registry writes iodepth's id into its entry at start-up */
static struct ib_engine_opt nvme_opt_table[] = {
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE, .min = 512),
	O(pattern, IB_O_PATTERN),
	O(iodepth, 0, .max = 1024, .param = &nvme_iodepth, .field = &nvme_iodepth_field),
	{ .id = IB_O_IOMMU_MODE },
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	{ .id = IB_O_DEVICE },
	O(iterations, IB_O_ITERATIONS),
	O(seed, IB_O_SEED),
	{ .id = IB_O_BUF_SIZE },
};
#undef O

#define SETTLE_NS (15ULL * 1000000000ULL)
#define FIXED_MAX (1ULL << 30) /* io_uring: at most 1 GiB per fixed buffer */

/* The namespace found by pci_device() and again by settle() after a
 * rebind: the controller may come back under another instance number. */
static char ns_suffix[32]; /* "n1" of nvme0n1 */
static char ns_name[64];   /* "nvme0n1" now */

static int nvme_validate(const struct ib_params *p, char *err, size_t errlen)
{
	int o_iodepth = ib_opt_find(nvme_iodepth.name);
	uint64_t depth = o_iodepth >= 0 && p->u[o_iodepth] ? p->u[o_iodepth] : 1;

	if (strcmp(p->raw[IB_O_DEVICE], "auto") == 0) {
		snprintf(err, errlen, "device=auto: engine nvme needs a block device such as /dev/nvme0n1");
		return -1;
	}
	if (p->u[IB_O_XFER_SIZE] % 512) {
		snprintf(err, errlen, "xfer_size=%s: engine nvme reads multiples of 512 bytes",
			 p->raw[IB_O_XFER_SIZE]);
		return -1;
	}
	if (p->u[IB_O_WINDOW] / p->u[IB_O_XFER_SIZE] < depth) {
		snprintf(err, errlen,
			 "iodepth=%llu: the window holds only %llu reads of xfer_size=%s (one slot per read in flight)",
			 (unsigned long long)depth,
			 (unsigned long long)(p->u[IB_O_WINDOW] / p->u[IB_O_XFER_SIZE]),
			 p->raw[IB_O_XFER_SIZE]);
		return -1;
	}
	return 0;
}

/* "maj:min" of a sysfs block directory's dev file into out. */
static int dev_of(const char *dir, char *out, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dev", dir);
	return ib_read_file(path, out, len);
}

/* Whether "maj:min" is mounted (mountinfo field 3) or a swap device. */
static bool dev_in_use(const char *majmin, char *what, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], mm[32], mnt[1024];
	unsigned int ma, mi;
	bool used = false;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %31s %*s %1023s", mm, mnt) == 2 && !strcmp(mm, majmin)) {
			snprintf(what, len, "a mounted filesystem (%s)", mnt);
			used = true;
			break;
		}
	if (f)
		fclose(f);
	if (used || sscanf(majmin, "%u:%u", &ma, &mi) != 2)
		return used;
	f = fopen("/proc/swaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct stat st;

		if (sscanf(line, "%1023s", mnt) == 1 && !stat(mnt, &st) && S_ISBLK(st.st_mode) &&
		    major(st.st_rdev) == ma && minor(st.st_rdev) == mi) {
			snprintf(what, len, "active swap (%s)", mnt);
			used = true;
			break;
		}
	}
	if (f)
		fclose(f);
	return used;
}

/* Whether a block directory has holders (dm, md on top of it). */
static bool has_holders(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	bool any = false;

	snprintf(path, sizeof(path), "%s/holders", dir);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			any = true;
	if (d)
		closedir(d);
	return any;
}

/*
 * Every namespace and partition of the controller at BDF: in use (mounted,
 * swap, holders)?  what says which.  Unbinding the driver (iommu_mode)
 * would pull all of them away, so one in use refuses the device.
 */
static bool controller_in_use(const char *bdf, char *what, size_t len)
{
	char cdir[PATH_MAX], ndir[PATH_MAX], pdir[PATH_MAX], mm[32];
	struct dirent *c, *n, *q;
	DIR *dc, *dn, *dq;
	bool used = false;

	snprintf(cdir, sizeof(cdir), "/sys/bus/pci/devices/%s/nvme", bdf);
	dc = opendir(cdir);
	while (!used && dc && (c = readdir(dc))) {
		if (strncmp(c->d_name, "nvme", 4))
			continue;
		snprintf(ndir, sizeof(ndir), "%s/%s", cdir, c->d_name);
		dn = opendir(ndir);
		while (!used && dn && (n = readdir(dn))) {
			if (strncmp(n->d_name, c->d_name, strlen(c->d_name)) ||
			    !strchr(n->d_name + strlen(c->d_name), 'n'))
				continue;
			snprintf(pdir, sizeof(pdir), "%s/%s", ndir, n->d_name);
			if (!dev_of(pdir, mm, sizeof(mm)) &&
			    (dev_in_use(mm, what, len) ||
			     (has_holders(pdir) && snprintf(what, len, "holders (%s)", n->d_name))))
				used = true;
			dq = opendir(pdir);
			while (!used && dq && (q = readdir(dq))) {
				char part[PATH_MAX];

				if (strncmp(q->d_name, n->d_name, strlen(n->d_name)))
					continue;
				snprintf(part, sizeof(part), "%s/%s", pdir, q->d_name);
				if (!dev_of(part, mm, sizeof(mm)) &&
				    (dev_in_use(mm, what, len) ||
				     (has_holders(part) && snprintf(what, len, "holders (%s)", q->d_name))))
					used = true;
			}
			if (dq)
				closedir(dq);
		}
		if (dn)
			closedir(dn);
	}
	if (dc)
		closedir(dc);
	return used;
}

static bool is_bdf(const char *s, size_t n)
{
	unsigned int a, b, c, d;

	return n == 12 && sscanf(s, "%4x:%2x:%2x.%1x", &a, &b, &c, &d) == 4 && s[4] == ':' &&
	       s[7] == ':' && s[10] == '.';
}

static int nvme_pci_device(const struct ib_point *pt, char *bdf, size_t bdflen, char *why,
			   size_t whylen)
{
	const char *dev = pt->p.raw[IB_O_DEVICE];
	char link[128], real[PATH_MAX], what[1200], *at, *base;
	struct stat st;

	if (!ib_device_path(dev)) { /* validate() and options said so already */
		snprintf(why, whylen, "device=%s: expected a block device such as /dev/nvme0n1", dev);
		return IB_EXIT_USAGE;
	}
	if (stat(dev, &st) || !S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "device=%s: no such block device", dev);
		return IB_EXIT_SKIPPED;
	}
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(link, real) || strncmp(real, "/sys/devices/", 13)) {
		snprintf(why, whylen, "device=%s: not found in /sys/dev/block", dev);
		return IB_EXIT_SKIPPED;
	}
	snprintf(what, sizeof(what), "%s/partition", real);
	if (!access(what, F_OK)) {
		snprintf(why, whylen, "device=%s: a partition; name the whole namespace (/dev/nvmeXnY)",
			 dev);
		return IB_EXIT_SKIPPED;
	}
	at = strstr(real, "/nvme/nvme");
	if (!at) {
		snprintf(why, whylen,
			 "device=%s: not an NVMe namespace on a PCI controller (%s)", dev,
			 strstr(real, "nvme-subsystem") ? "a multipath head" : "no /nvme/ in sysfs");
		return IB_EXIT_SKIPPED;
	}
	*at = '\0';
	base = strrchr(real, '/');
	if (!base || !is_bdf(base + 1, strlen(base + 1))) {
		snprintf(why, whylen, "device=%s: no PCI address in its sysfs path", dev);
		return IB_EXIT_SKIPPED;
	}
	snprintf(bdf, bdflen, "%s", base + 1);
	/* the namespace: "n1" of nvme0n1 (the controller's number may change) */
	base = strrchr(dev, 'n');
	snprintf(ns_suffix, sizeof(ns_suffix), "%s", base && base > dev + 9 ? base : "n1");
	snprintf(ns_name, sizeof(ns_name), "%s", dev + 5);
	if (controller_in_use(bdf, what, sizeof(what))) {
		snprintf(why, whylen,
			 "device=%s: its controller %s holds %s; refusing (iommu_mode unbinds the driver)",
			 dev, bdf, what);
		return IB_EXIT_SKIPPED;
	}
	if (access(dev, R_OK)) {
		snprintf(why, whylen, "device=%s: not readable by uid %u (%s)", dev, (unsigned)getuid(),
			 strerror(errno));
		return IB_EXIT_SKIPPED;
	}
	return IB_EXIT_OK;
}

/* The namespace's block device under the controller now ("" = none). */
static void find_ns(const char *bdf, char *out, size_t len)
{
	char cdir[PATH_MAX], ndir[PATH_MAX];
	struct dirent *c, *n;
	DIR *dc, *dn;
	size_t sl = strlen(ns_suffix);

	out[0] = '\0';
	snprintf(cdir, sizeof(cdir), "/sys/bus/pci/devices/%s/nvme", bdf);
	dc = opendir(cdir);
	while (!out[0] && dc && (c = readdir(dc))) {
		if (strncmp(c->d_name, "nvme", 4))
			continue;
		snprintf(ndir, sizeof(ndir), "%s/%s", cdir, c->d_name);
		dn = opendir(ndir);
		while (!out[0] && dn && (n = readdir(dn))) {
			size_t nl = strlen(n->d_name), cl = strlen(c->d_name);

			if (nl == cl + sl && !strncmp(n->d_name, c->d_name, cl) &&
			    !strcmp(n->d_name + cl, ns_suffix) && nl < 60)
				snprintf(out, len, "%s", n->d_name);
		}
		if (dn)
			closedir(dn);
	}
	if (dc)
		closedir(dc);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* After a rebind: the namespace's /dev node back and its reads (the
 * kernel's partition scan) quiet for 200 ms, so they stay out of the
 * point's counts. */
static int nvme_settle(const struct ib_point *pt, const char *bdf, char *why, size_t whylen)
{
	uint64_t t0 = ib_now_ns();
	char name[64], path[128], stat1[256] = "", stat2[256] = "";
	int fd;

	for (;;) {
		find_ns(bdf, name, sizeof(name));
		if (name[0]) {
			snprintf(path, sizeof(path), "/dev/%s", name);
			fd = open(path, O_RDONLY | O_DIRECT);
			if (fd >= 0) {
				close(fd);
				break;
			}
		}
		if (ib_now_ns() - t0 > SETTLE_NS) {
			snprintf(why, whylen, "device=%s: namespace %s of %s did not come back within 15 s after the rebind",
				 pt->p.raw[IB_O_DEVICE], ns_suffix, bdf);
			return IB_EXIT_FAILED;
		}
		nap_ms(50);
	}
	snprintf(ns_name, sizeof(ns_name), "%s", name);
	snprintf(path, sizeof(path), "/sys/block/%s/stat", name);
	do {
		snprintf(stat1, sizeof(stat1), "%s", stat2);
		nap_ms(200);
		if (ib_read_file(path, stat2, sizeof(stat2)))
			break;
	} while (strcmp(stat1, stat2) && ib_now_ns() - t0 < SETTLE_NS);
	return IB_EXIT_OK;
}

static const char *nvme_supported(const struct ib_point *pt, char *buf, size_t len)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(2, &ring, 0);

	if (rc < 0) {
		snprintf(buf, len, "unavailable: io_uring: %s", strerror(-rc));
		return buf;
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

struct nvme_io {
	struct io_uring ring;
	int fd;
	bool ring_up, bufs_up;
};

static void io_close(struct nvme_io *io)
{
	if (io->bufs_up)
		io_uring_unregister_buffers(&io->ring);
	if (io->ring_up)
		io_uring_queue_exit(&io->ring);
	if (io->fd >= 0)
		close(io->fd);
}

/* The namespace opened O_DIRECT, checked against the point: xfer_size a
 * multiple of its logical block size, reads that never straddle two
 * registered buffers, at least one xfer_size on it (its slots in dslots). */
static int nvme_open(struct ib_run_ctx *ctx, const char *path, struct nvme_io *io,
		     uint64_t *dslots, char *err, size_t errlen)
{
	const struct nvme_opts *o = ctx->opts;
	uint64_t xfer = o->xfer_size, bslots = o->window / xfer, size = 0;
	int lbs = 0;

	io->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (io->fd < 0) {
		snprintf(err, errlen, "device=%s: open %s O_RDONLY|O_DIRECT: %s",
			 ctx->pt->p.raw[IB_O_DEVICE], path, strerror(errno));
		return IB_EXIT_FAILED;
	}
	if (ioctl(io->fd, BLKGETSIZE64, &size) || ioctl(io->fd, BLKSSZGET, &lbs) || lbs <= 0) {
		snprintf(err, errlen, "device=%s: size: %s", path, strerror(errno));
		return IB_EXIT_FAILED;
	}
	if (xfer % (uint64_t)lbs) {
		snprintf(err, errlen, "xfer_size=%s: not a multiple of %s's logical block size %d",
			 ctx->pt->p.raw[IB_O_XFER_SIZE], path, lbs);
		return IB_EXIT_SKIPPED;
	}
	if (bslots * xfer > FIXED_MAX && FIXED_MAX % xfer) {
		snprintf(err, errlen,
			 "xfer_size=%s: past 1 GiB of window a read must not straddle two registered "
			 "buffers (1 GiB each): use a power of two",
			 ctx->pt->p.raw[IB_O_XFER_SIZE]);
		return IB_EXIT_SKIPPED;
	}
	*dslots = size / xfer;
	if (!*dslots) {
		snprintf(err, errlen, "device=%s: smaller than xfer_size", path);
		return IB_EXIT_SKIPPED;
	}
	return IB_EXIT_OK;
}

static int nvme_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct nvme_opts *o = ctx->opts;
	struct nvme_io io = { .fd = -1 };
	uint64_t xfer = o->xfer_size, depth = o->iodepth ? o->iodepth : 1;
	uint64_t bslots = o->window / xfer, n = o->iterations, dslots = 0;
	uint64_t *t_sub = NULL, *uses = NULL, next = 0, done = 0, t0, t1, a, seed, per_tag;
	uint32_t *freetag = NULL, *batch = NULL, nfree = 0;
	unsigned int nbuf, i, entries = 1;
	struct iovec iov[64];
	char path[128];
	int rc, r;

	snprintf(path, sizeof(path), "/dev/%s", ns_name);
	rc = nvme_open(ctx, path, &io, &dslots, err, errlen);
	if (rc)
		goto out;
	while (entries < depth)
		entries <<= 1;
	r = io_uring_queue_init(entries, &io.ring, 0);
	if (r < 0) {
		snprintf(err, errlen, "io_uring_queue_init(%u): %s", entries, strerror(-r));
		rc = IB_EXIT_FAILED;
		goto out;
	}
	io.ring_up = true;
	nbuf = (unsigned int)((bslots * xfer + FIXED_MAX - 1) / FIXED_MAX);
	if (nbuf > 64) {
		snprintf(err, errlen, "window=%s: at most 64 GiB registered", ctx->pt->p.raw[IB_O_WINDOW]);
		rc = IB_EXIT_SKIPPED;
		goto out;
	}
	for (i = 0; i < nbuf; i++) {
		uint64_t off = (uint64_t)i * FIXED_MAX, left = bslots * xfer - off;

		iov[i].iov_base = (char *)ctx->buf->addr + off;
		iov[i].iov_len = left < FIXED_MAX ? left : FIXED_MAX;
	}
	a = ib_now_ns();
	r = io_uring_register_buffers(&io.ring, iov, nbuf);
	t1 = ib_now_ns();
	if (r < 0) {
		snprintf(err, errlen, "io_uring_register_buffers: %s%s", strerror(-r),
			 r == -ENOMEM ? " (RLIMIT_MEMLOCK?)" : "");
		rc = IB_EXIT_FAILED;
		goto out;
	}
	io.bufs_up = true;
	per_tag = bslots / depth;
	t_sub = calloc(depth, sizeof(*t_sub));
	uses = calloc(depth, sizeof(*uses));
	freetag = calloc(depth, sizeof(*freetag));
	batch = calloc(depth, sizeof(*batch));
	if (!t_sub || !uses || !freetag || !batch || ib_metric_push(&rep->m[IB_M_REGISTER], (double)(t1 - a))) {
		snprintf(err, errlen, "out of memory");
		rc = IB_EXIT_FAILED;
		goto out;
	}
	seed = (o->seed + 1) * 0x9E3779B97F4A7C15ULL ^ ctx->rep * 0xD1B54A32D192ED03ULL;
	if (!seed)
		seed = 1;
	for (i = 0; i < depth; i++)
		freetag[nfree++] = (uint32_t)(depth - 1 - i);
	t0 = ib_now_ns();
	while (done < n && rc == IB_EXIT_OK) {
		struct io_uring_cqe *cqe;
		uint64_t now;
		unsigned int nb = 0;

		/* fill the queue: a free tag j reads into slot j + depth * m */
		while (next < n && nfree) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&io.ring);
			uint32_t j;
			uint64_t boff, doff;

			if (!sqe)
				break;
			j = freetag[--nfree];
			boff = (j + depth * (uses[j]++ % per_tag)) * xfer;
			doff = o->pattern ? (iommubench_xorshift64s((__u64 *)&seed) % dslots) * xfer :
					    ((ctx->rep * n + next) % dslots) * xfer;
			io_uring_prep_read_fixed(sqe, io.fd, (char *)ctx->buf->addr + boff,
						 (unsigned int)xfer, doff, (int)(boff / FIXED_MAX));
			io_uring_sqe_set_data64(sqe, j);
			batch[nb++] = j;
			next++;
		}
		now = ib_now_ns();
		while (nb)
			t_sub[batch[--nb]] = now;
		r = io_uring_submit_and_wait(&io.ring, 1);
		if (r < 0 && r != -EINTR) {
			snprintf(err, errlen, "io_uring_submit: %s", strerror(-r));
			rc = IB_EXIT_FAILED;
			break;
		}
		while (io_uring_peek_cqe(&io.ring, &cqe) == 0) {
			uint64_t j = io_uring_cqe_get_data64(cqe);

			now = ib_now_ns();
			if (cqe->res != (int)xfer) {
				snprintf(err, errlen, "a read of %s returned %d%s%s", path, cqe->res,
					 cqe->res < 0 ? ": " : "",
					 cqe->res < 0 ? strerror(-cqe->res) : "");
				rc = IB_EXIT_FAILED;
			} else if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY],
						  (double)(now - t_sub[j]))) {
				snprintf(err, errlen, "out of memory");
				rc = IB_EXIT_FAILED;
			}
			freetag[nfree++] = (uint32_t)j;
			io_uring_cqe_seen(&io.ring, cqe);
			done++;
		}
		if (ib_interrupted)
			break;
	}
	t1 = ib_now_ns();
	/* a failed or interrupted repetition leaves reads in flight: the ring's
	 * exit waits for them before the buffers are unregistered */
	rep->ios = done;
	rep->bytes_moved = done * xfer;
	rep->elapsed_ns = t1 - t0;
out:
	free(t_sub);
	free(uses);
	free(freetag);
	free(batch);
	io_close(&io);
	return rc;
}

const struct ib_engine ib_engine_nvme = {
	.name = "nvme",
	.help = "O_DIRECT reads with io_uring (fixed buffers) from an NVMe namespace "
		"(device=/dev/nvmeXnY), read-only: dma_latency_ns per read, iops, bandwidth, "
		"register_ns; iommu_mode switches the controller's group (nvme rebound)",
	.flags = IB_ENG_TIMES_MAPS | IB_ENG_DEVICE_PATH | IB_ENG_HOST_DEVICE,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB(IB_M_REGISTER) | IB_MB_BANDWIDTH | IB_MB_IOPS,
	.module_engine = -1,
	IB_ENGINE_OPTS(nvme_opt_table),
	.opts_size = sizeof(struct nvme_opts),
	.validate = nvme_validate,
	.supported = nvme_supported,
	.pci_device = nvme_pci_device,
	.settle = nvme_settle,
	.run = nvme_run,
};
