// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `vfio`: a user-space driver, no module.  The runner binds the
 * named device (device=BDF; auto: the first QEMU edu not held by another
 * driver) to vfio-pci through driver_override and puts
 * its old driver back afterwards, also on errors and signals, and after a
 * SIGKILL from the state ledger (iommu_mode.c, ib_iommu_mode_apply_bind).
 * A device bound to a live driver other than vfio-pci, iommubench or
 * pci-stub is refused: unbind it yourself first (docs/engines-nvme-vfio.md).
 *
 * Each repetition opens the container (/dev/vfio/vfio, type1 v2), the
 * group and the device, and closes them at its end.  The point's buffer
 * (verified 4k/2m/1g/thp pages) is mapped at IOVA 0 (4 GiB for a window
 * past 3 GiB, clear of the x86 MSI window).
 *
 * op=map: `iterations` times VFIO_IOMMU_MAP_DMA of the whole window in one
 *   call (map_ns; it pins the pages and writes the IOPTEs) and
 *   VFIO_IOMMU_UNMAP_DMA (unmap_ns; unpin, IOTLB flush).  A window of N GiB
 *   is the "VM start" case.  On an edu device each repetition then maps
 *   once more and lets the edu read at IOVA 0, 4 KiB and 2 MiB + 4 KiB
 *   (untimed): the lab's vIOMMU trace shows which IOPTE (4 KiB, 2 MiB or
 *   1 GiB leaf) served them.
 * op=bench (edu only): edu DMAs of xfer_size (<= 4095) at seq/rand
 *   offsets of the window, programmed through the mmapped BAR0 (the
 *   registers of iommubench_edu.h, shared with the module), each
 *   completion an MSI (or INTx) eventfd: dma_latency_ns per DMA, bandwidth.
 *   verify=1 checks every DMA's data with an untimed DMA back.
 * op=isolation (edu only): a legitimate DMA into the mapping (verified),
 *   then an edu write to the IOVA just past the mapping, where the buffer's
 *   next page (the canary, never mapped) would be: blocked if the canary is
 *   intact; io_page_faults counts the kernel's DMAR fault lines for the
 *   device (/dev/kmsg), the lab adds vtd_dmar_fault.
 *
 * vfio_backend=iommufd (IOMMU_IOAS_MAP) is a skipped row with the reason:
 * not in Debian's 6.1 or 6.12 kernels (CONFIG_IOMMUFD unset), so not
 * implemented or testable here yet.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_engine.h"
#include "ib_fileio.h"
#include "ib_iommu_mode.h"
#include "ib_run.h"
#include "iommubench.h"
#include "iommubench_edu.h" /* the edu's registers, shared with the module */

#pragma GCC diagnostic ignored "-Wformat-truncation"

struct vfio_opts {
	uint64_t window, xfer_size, iterations, seed;
	uint32_t op, pattern, direction, backend;
	uint8_t verify;
};

/* vfio's own parameter (ib_engine.h: struct ib_engine_opt .param) */
static const struct ib_option vfio_backend = {
	"vfio_backend", IB_OPT_ENUM, 0, 0, 0, "", "type1,iommufd",
	"VFIO container kind (vfio; default type1)",
};

#define O(field, id, ...) IB_EOPT(struct vfio_opts, field, id, __VA_ARGS__)
/* not const: the registry writes vfio_backend's id into its entry at start-up */
static struct ib_engine_opt vfio_opt_table[] = {
	O(op, IB_O_OP, .allowed = "bench,isolation,map"),
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE),
	O(pattern, IB_O_PATTERN),
	O(direction, IB_O_DIRECTION, .allowed = "to_device,from_device"),
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	{ .id = IB_O_DEVICE },
	O(iterations, IB_O_ITERATIONS),
	O(seed, IB_O_SEED),
	O(verify, IB_O_VERIFY),
	{ .id = IB_O_BUF_SIZE },
	O(backend, 0, .param = &vfio_backend),
};
#undef O

/* QEMU edu (hw/misc/edu.c), as the module's engine_edu.c drives it */
#define EDU_DMA_LIMIT (1ULL << IB_EDU_DMA_BITS) /* QEMU's default edu dma_mask */
#define VM_START_IOVA (1ULL << 32) /* above the x86 MSI window at 0xfee00000 */
#define DMA_TIMEOUT_MS 10000

static int vfio_validate(const struct ib_params *p, char *err, size_t errlen)
{
	uint64_t op = p->u[IB_O_OP];

	if (op != IB_OP_MAP && p->u[IB_O_XFER_SIZE] > IB_EDU_MAX_XFER) {
		snprintf(err, errlen, "xfer_size=%s: edu DMAs (op=%s) take at most 4095",
			 p->raw[IB_O_XFER_SIZE], p->raw[IB_O_OP]);
		return -1;
	}
	if (op != IB_OP_MAP && p->u[IB_O_WINDOW] > EDU_DMA_LIMIT - 4096) {
		snprintf(err, errlen, "window=%s: edu DMAs (op=%s) reach at most 256 MiB - 4 KiB of IOVA",
			 p->raw[IB_O_WINDOW], p->raw[IB_O_OP]);
		return -1;
	}
	if (op == IOMMUBENCH_OP_ISOLATION && ib_params_buf_size(p) < p->u[IB_O_WINDOW] + 4096) {
		snprintf(err, errlen,
			 "buf_size=%s: op=isolation needs window + 4k (the canary page past the mapping)",
			 p->raw[IB_O_BUF_SIZE][0] ? p->raw[IB_O_BUF_SIZE] : "(window)");
		return -1;
	}
	return 0;
}

static const char *vfio_supported(const struct ib_point *pt, char *buf, size_t len)
{
	int o_backend = ib_opt_find(vfio_backend.name);

	if (o_backend >= 0 && pt->p.u[o_backend] == 1) { /* iommufd */
		if (access("/dev/iommu", F_OK))
			snprintf(buf, len, "unavailable: vfio_backend=iommufd: no /dev/iommu "
				 "(kernel without CONFIG_IOMMUFD; Debian 6.1 and 6.12 lack it)");
		else
			snprintf(buf, len, "unavailable: vfio_backend=iommufd: IOMMU_IOAS_MAP is not "
				 "implemented in this engine yet (type1 is)");
		return buf;
	}
	if (access("/dev/vfio/vfio", F_OK)) {
		snprintf(buf, len, "unavailable: no /dev/vfio/vfio (load vfio-pci and vfio_iommu_type1)");
		return buf;
	}
	return NULL;
}

/* device=auto: the first QEMU edu that no host driver but ours holds. */
static bool find_edu(char *out, size_t len)
{
	char path[512], id[32], drv[256];
	struct dirent **ents;
	int n, i;
	bool found = false;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", ib_sysfs_root);
	n = scandir(path, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *d = ents[i]->d_name;
		ssize_t l;

		if (!found && d[0] != '.' && strlen(d) == 12) {
			snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/vendor", ib_sysfs_root, d);
			if (!ib_read_file(path, id, sizeof(id)) && !strcmp(id, "0x1234")) {
				snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/device",
					 ib_sysfs_root, d);
				snprintf(drv, sizeof(drv), "%s", "");
				if (!ib_read_file(path, id, sizeof(id)) && !strcmp(id, "0x11e8")) {
					snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver",
						 ib_sysfs_root, d);
					l = readlink(path, drv, sizeof(drv) - 1);
					drv[l > 0 ? l : 0] = '\0';
					if (l <= 0 || strstr(drv, "/iommubench") || strstr(drv, "/vfio-pci")) {
						snprintf(out, len, "%s", d);
						found = true;
					}
				}
			}
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return found;
}

static int vfio_pci_device(const struct ib_point *pt, char *bdf, size_t bdflen, char *why,
			   size_t whylen)
{
	const char *dev = pt->p.raw[IB_O_DEVICE];
	char path[256], target[256], edu[16];
	const char *drv;
	ssize_t n;

	if (!strcmp(dev, "auto")) {
		if (!find_edu(edu, sizeof(edu))) {
			snprintf(why, whylen, "device=auto: no QEMU edu device here; name the device "
				 "for engine vfio (device=BDF: it is rebound to vfio-pci)");
			return IB_EXIT_SKIPPED;
		}
		dev = edu;
	}

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", ib_sysfs_root, dev);
	if (access(path, F_OK)) {
		snprintf(why, whylen, "device=%s: no such PCI device", dev);
		return IB_EXIT_SKIPPED;
	}
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", ib_sysfs_root, dev);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	drv = n > 0 ? strrchr(target, '/') : NULL;
	drv = drv ? drv + 1 : target;
	if (drv[0] && strcmp(drv, "vfio-pci") && strcmp(drv, "iommubench") &&
	    strcmp(drv, "pci-stub")) {
		snprintf(why, whylen,
			 "device=%s: bound to %s; refusing to take a device from a live driver "
			 "(unbind it first, docs/engines-nvme-vfio.md)", dev, drv);
		return IB_EXIT_SKIPPED;
	}
	snprintf(bdf, bdflen, "%s", dev);
	return IB_EXIT_OK;
}

/* One VFIO session: container, group, device, BAR0, config, eventfd. */
struct vs {
	int container, group, device, efd;
	volatile uint8_t *bar;
	size_t bar_len;
	uint64_t cfg_off;
	bool edu, irq_intx;
};

/* The session open now, for the signal handler (ib_signal_release): a
 * device held open keeps vfio-pci's unbind waiting, so the restores let go
 * of it first. */
static struct vs *volatile held;

/* Closes the session's fds (close only: the signal handler calls it). */
static void vs_close_fds(struct vs *v)
{
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	if (v->efd >= 0)
		close(v->efd);
	v->device = v->group = v->container = v->efd = -1;
}

static void vs_release_fds(struct vs *v)
{
	if (v->bar)
		munmap((void *)v->bar, v->bar_len);
	v->bar = NULL;
	vs_close_fds(v);
}

/* The handler's part: anonymous memory replaces the BAR (its mapping holds
 * the device file; later register accesses land there harmlessly and the
 * engine stops at ib_interrupted), and the fds are closed. */
static void release_signal(void)
{
	struct vs *v = held;

	held = NULL;
	if (!v)
		return;
	if (v->bar)
		mmap((void *)v->bar, v->bar_len, PROT_READ | PROT_WRITE,
		     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vs_close_fds(v);
}

static void vs_close(struct vs *v)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	held = NULL;
	ib_signal_release = NULL;
	vs_release_fds(v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int vs_open(struct vs *v, const char *bdf, bool need_edu, char *err, size_t errlen)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	char path[256], target[256];
	uint16_t ids[2], cmd;
	ssize_t n;

	v->container = v->group = v->device = v->efd = -1;
	v->bar = NULL;
	held = v;
	ib_signal_release = release_signal;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(err, errlen, "device=%s: no IOMMU group (VFIO needs an IOMMU)", bdf);
		return IB_EXIT_SKIPPED;
	}
	target[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->container < 0 || v->group < 0) {
		snprintf(err, errlen, "device=%s: open %s: %s", bdf,
			 v->container < 0 ? "/dev/vfio/vfio" : path, strerror(errno));
		return IB_EXIT_FAILED;
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    !ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU)) {
		snprintf(err, errlen, "VFIO: no type1 v2 IOMMU support");
		return IB_EXIT_SKIPPED;
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs) || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(err, errlen, "device=%s: VFIO group %s not viable (another device of the group is bound to a host driver)",
			 bdf, path);
		return IB_EXIT_SKIPPED;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		snprintf(err, errlen, "VFIO: set container/IOMMU: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->device < 0) {
		snprintf(err, errlen, "VFIO_GROUP_GET_DEVICE_FD %s: %s", bdf, strerror(errno));
		return IB_EXIT_FAILED;
	}
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &ri) ||
	    pread(v->device, ids, sizeof(ids), (off_t)ri.offset) != sizeof(ids)) {
		snprintf(err, errlen, "VFIO: config space: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	v->cfg_off = ri.offset;
	v->edu = ids[0] == IB_EDU_VENDOR && ids[1] == IB_EDU_DEVICE;
	if (!v->edu) {
		if (need_edu) {
			snprintf(err, errlen, "device=%s: op=bench and op=isolation need a QEMU edu device (%04x:%04x here); op=map works on any",
				 bdf, ids[0], ids[1]);
			return IB_EXIT_SKIPPED;
		}
		return IB_EXIT_OK;
	}
	/* memory space + bus master */
	if (pread(v->device, &cmd, 2, (off_t)(v->cfg_off + 4)) != 2)
		cmd = 0;
	cmd |= 0x6;
	if (pwrite(v->device, &cmd, 2, (off_t)(v->cfg_off + 4)) != 2) {
		snprintf(err, errlen, "VFIO: enabling bus mastering: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri);
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &ri) || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    ri.size < 0x100) {
		snprintf(err, errlen, "VFIO: BAR0 cannot be mmapped");
		return IB_EXIT_FAILED;
	}
	v->bar_len = ri.size;
	v->bar = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->device, (off_t)ri.offset);
	if (v->bar == MAP_FAILED) {
		v->bar = NULL;
		snprintf(err, errlen, "VFIO: mmap BAR0: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	/* completion interrupt: MSI if the device has it, else INTx */
	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (int idx = VFIO_PCI_MSI_IRQ_INDEX; v->efd >= 0 && idx >= VFIO_PCI_INTX_IRQ_INDEX; idx--) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = (uint32_t)idx };
		char b[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
		struct vfio_irq_set *is = (struct vfio_irq_set *)b;

		if (ioctl(v->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || !ii.count)
			continue;
		is->argsz = sizeof(b);
		is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->index = (uint32_t)idx;
		is->start = 0;
		is->count = 1;
		memcpy(is->data, &v->efd, sizeof(int32_t));
		if (!ioctl(v->device, VFIO_DEVICE_SET_IRQS, is)) {
			v->irq_intx = idx == VFIO_PCI_INTX_IRQ_INDEX;
			return IB_EXIT_OK;
		}
	}
	snprintf(err, errlen, "VFIO: no MSI or INTx eventfd: %s", strerror(errno));
	return IB_EXIT_FAILED;
}

static int dma_map(struct vs *v, void *vaddr, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uint64_t)(uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m);
}

static int dma_unmap(struct vs *v, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	return ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u);
}

static void w64(struct vs *v, unsigned int off, uint64_t val)
{
	*(volatile uint64_t *)(v->bar + off) = val;
}

static uint32_t r32(struct vs *v, unsigned int off)
{
	return *(volatile uint32_t *)(v->bar + off);
}

/* One edu DMA: RAM (iova) <-> edu buffer offset 0, count bytes.  irq:
 * wait for the eventfd, else poll the command register.  0, or -1 with
 * err (timeout). */
static int edu_dma(struct vs *v, uint64_t iova, uint64_t count, bool to_ram, bool irq, char *err,
		   size_t errlen)
{
	uint64_t t0 = ib_now_ns(), cnt;

	if (ib_interrupted || v->device < 0) {
		snprintf(err, errlen, "interrupted");
		return -1;
	}
	w64(v, IB_EDU_DMA_SRC, to_ram ? IB_EDU_BUF_ADDR : iova);
	w64(v, IB_EDU_DMA_DST, to_ram ? iova : IB_EDU_BUF_ADDR);
	w64(v, IB_EDU_DMA_CNT, count);
	w64(v, IB_EDU_DMA_CMD,
	    IB_EDU_CMD_RUN | (irq ? IB_EDU_CMD_IRQ : 0) | (to_ram ? IB_EDU_CMD_TO_RAM : 0));
	if (irq) {
		struct pollfd pfd = { .fd = v->efd, .events = POLLIN };
		int rc;

		do
			rc = poll(&pfd, 1, DMA_TIMEOUT_MS);
		while (rc < 0 && errno == EINTR && !ib_interrupted);
		if (rc <= 0 || read(v->efd, &cnt, sizeof(cnt)) != sizeof(cnt)) {
			snprintf(err, errlen, "edu DMA: no interrupt within %d ms", DMA_TIMEOUT_MS);
			return -1;
		}
		*(volatile uint32_t *)(v->bar + IB_EDU_IRQ_ACK) = r32(v, IB_EDU_IRQ_STATUS);
		if (v->irq_intx) {
			char b[sizeof(struct vfio_irq_set)];
			struct vfio_irq_set *is = (struct vfio_irq_set *)b;

			is->argsz = sizeof(b);
			is->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
			is->index = VFIO_PCI_INTX_IRQ_INDEX;
			is->start = 0;
			is->count = 1;
			ioctl(v->device, VFIO_DEVICE_SET_IRQS, is);
		}
		return 0;
	}
	while (r32(v, IB_EDU_DMA_CMD) & IB_EDU_CMD_RUN) {
		struct timespec ts = { 0, 100000 };

		if (ib_now_ns() - t0 > DMA_TIMEOUT_MS * 1000000ULL) {
			snprintf(err, errlen, "edu DMA: still running after %d ms", DMA_TIMEOUT_MS);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

static uint64_t base_iova(uint64_t window)
{
	return window > (3ULL << 30) ? VM_START_IOVA : 0;
}

/* op=map */
static int run_map(struct ib_run_ctx *ctx, struct vs *v, struct ib_rep *rep, char *err,
		   size_t errlen)
{
	const struct vfio_opts *o = ctx->opts;
	uint64_t i, a, b, c, iova = base_iova(o->window);
	static const uint64_t probe[] = { 0, 4096, (2ULL << 20) + 4096 };

	for (i = 0; i < o->iterations && !ib_interrupted; i++) {
		a = ib_now_ns();
		if (dma_map(v, ctx->buf->addr, iova, o->window)) {
			snprintf(err, errlen, "VFIO_IOMMU_MAP_DMA of %llu bytes: %s",
				 (unsigned long long)o->window, strerror(errno));
			return errno == ENOMEM || errno == ENOSPC ? IB_EXIT_RESOURCE : IB_EXIT_FAILED;
		}
		b = ib_now_ns();
		if (dma_unmap(v, iova, o->window)) {
			snprintf(err, errlen, "VFIO_IOMMU_UNMAP_DMA: %s", strerror(errno));
			return IB_EXIT_FAILED;
		}
		c = ib_now_ns();
		if (ib_metric_push(&rep->m[IB_M_MAP], (double)(b - a)) ||
		    ib_metric_push(&rep->m[IB_M_UNMAP], (double)(c - b))) {
			snprintf(err, errlen, "out of memory");
			return IB_EXIT_FAILED;
		}
	}
	/* the IOPTE probe: edu reads at 0, 4 KiB, 2 MiB + 4 KiB (lab trace) */
	if (v->edu && !iova && !dma_map(v, ctx->buf->addr, 0, o->window)) {
		for (i = 0; i < 3 && probe[i] + 8 <= o->window && probe[i] + 8 <= EDU_DMA_LIMIT; i++)
			if (edu_dma(v, probe[i], 8, false, false, err, errlen))
				break;
		dma_unmap(v, 0, o->window);
		if (i < 3 && err[0])
			return IB_EXIT_FAILED;
	}
	return IB_EXIT_OK;
}

/* op=bench: edu DMAs within the window, mapped at IOVA 0 */
static int run_dma(struct ib_run_ctx *ctx, struct vs *v, struct ib_rep *rep, char *err,
		   size_t errlen)
{
	const struct vfio_opts *o = ctx->opts;
	uint64_t xfer = o->xfer_size, slots = o->window / xfer, i, a, b, t0, off;
	uint64_t seed = (o->seed + 1) * 0x9E3779B97F4A7C15ULL ^ ctx->rep * 0xD1B54A32D192ED03ULL;
	bool to_ram = o->direction == 1;
	unsigned char *buf = ctx->buf->addr;
	unsigned char pat[IB_EDU_MAX_XFER];
	int rc = IB_EXIT_OK;

	if (dma_map(v, buf, 0, o->window)) {
		snprintf(err, errlen, "VFIO_IOMMU_MAP_DMA: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	if (!seed)
		seed = 1;
	t0 = ib_now_ns();
	for (i = 0; i < o->iterations && !ib_interrupted && rc == IB_EXIT_OK; i++) {
		off = o->pattern ? (iommubench_xorshift64s((__u64 *)&seed) % slots) * xfer :
				   ((ctx->rep * o->iterations + i) % slots) * xfer;
		if (o->verify) { /* a fresh pattern on the source side */
			for (uint64_t k = 0; k < xfer; k++)
				pat[k] = (unsigned char)(i * 31 + k * 7 + ctx->rep);
			memcpy(buf + off, pat, xfer);
			if (to_ram) { /* the edu's buffer gets pat first (untimed) */
				if (edu_dma(v, off, xfer, false, true, err, errlen)) {
					rc = IB_EXIT_FAILED;
					break;
				}
				memset(buf + off, 0, xfer);
			}
		}
		a = ib_now_ns();
		if (edu_dma(v, off, xfer, to_ram, true, err, errlen)) {
			rc = IB_EXIT_FAILED;
			break;
		}
		b = ib_now_ns();
		if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY], (double)(b - a))) {
			snprintf(err, errlen, "out of memory");
			rc = IB_EXIT_FAILED;
			break;
		}
		rep->bytes_moved += xfer;
		if (o->verify && !to_ram) { /* back from the edu into the next slot */
			uint64_t back = ((off / xfer + 1) % slots) * xfer;

			if (slots < 2 || edu_dma(v, back, xfer, true, true, err, errlen)) {
				if (!err[0])
					snprintf(err, errlen, "verify=1 needs window >= 2 x xfer_size");
				rc = IB_EXIT_FAILED;
				break;
			}
			if (memcmp(buf + back, pat, xfer))
				rep->verify_errors++;
		} else if (o->verify && memcmp(buf + off, pat, xfer)) {
			rep->verify_errors++;
		}
	}
	rep->elapsed_ns = ib_now_ns() - t0;
	if (dma_unmap(v, 0, o->window) && rc == IB_EXIT_OK) {
		snprintf(err, errlen, "VFIO_IOMMU_UNMAP_DMA: %s", strerror(errno));
		rc = IB_EXIT_FAILED;
	}
	if (rc == IB_EXIT_OK && rep->verify_errors) {
		snprintf(err, errlen, "verify: %u DMAs did not carry the data", rep->verify_errors);
		rc = IB_EXIT_FAILED;
	}
	return rc;
}

/* DMAR fault lines for bdf in /dev/kmsg after position fd (-1: none). */
static int kmsg_faults(int fd, const char *bdf)
{
	char line[2048];
	ssize_t n;
	int count = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, line, sizeof(line) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		line[n] = '\0';
		/* "DMAR: [DMA Write ...] Request device [00:03.0] fault addr ..." */
		if (strstr(line, "DMAR") && strstr(line, "fault") && strstr(line, bdf + 5))
			count++;
	}
	return count;
}

/* op=isolation */
static int run_isolation(struct ib_run_ctx *ctx, struct vs *v, struct ib_rep *rep, char *err,
			 size_t errlen)
{
	const struct vfio_opts *o = ctx->opts;
	unsigned char *buf = ctx->buf->addr, *canary = buf + o->window;
	unsigned char pat[64], can[4096];
	int kfd, faults;
	bool legit, intact;
	struct timespec ts = { 0, 200 * 1000000L };

	memset(can, 0xA5, sizeof(can));
	memcpy(canary, can, sizeof(can));
	for (int k = 0; k < 64; k++)
		pat[k] = (unsigned char)(0x3C ^ k);
	/* the edu buffer holds pat: RAM -> edu through the mapping first */
	memcpy(buf, pat, sizeof(pat));
	if (dma_map(v, buf, 0, o->window)) {
		snprintf(err, errlen, "VFIO_IOMMU_MAP_DMA: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	if (edu_dma(v, 0, sizeof(pat), false, true, err, errlen))
		goto fail;
	memset(buf + 4096 < canary ? buf + 4096 : buf, 0, sizeof(pat));
	/* legitimate: edu -> RAM inside the mapping (page 1 when there is one) */
	if (edu_dma(v, o->window > 4096 ? 4096 : 0, sizeof(pat), true, true, err, errlen))
		goto fail;
	legit = !memcmp(o->window > 4096 ? buf + 4096 : buf, pat, sizeof(pat));
	/* stray: edu -> RAM at the IOVA just past the mapping (the canary's,
	 * were the buffer mapped one page further) */
	if (edu_dma(v, o->window, sizeof(pat), true, true, err, errlen))
		goto fail;
	nanosleep(&ts, NULL); /* the fault's log line */
	faults = kmsg_faults(kfd, ctx->device);
	if (kfd >= 0)
		close(kfd);
	dma_unmap(v, 0, o->window);
	intact = !memcmp(canary, can, sizeof(can));
	rep->have_facts = true;
	rep->domain_type = IOMMUBENCH_DOMAIN_UNMANAGED;
	rep->canary_intact = intact;
	rep->io_page_faults = faults > 0 ? (uint32_t)faults : 0;
	rep->verdict = intact && legit ? IOMMUBENCH_VERDICT_ISOLATED : IOMMUBENCH_VERDICT_NOT_ISOLATED;
	if (!legit) {
		snprintf(err, errlen, "isolation: the legitimate DMA did not carry its data");
		return IB_EXIT_FAILED;
	}
	return IB_EXIT_OK;
fail:
	if (kfd >= 0)
		close(kfd);
	dma_unmap(v, 0, o->window);
	return IB_EXIT_FAILED;
}

static int vfio_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct vfio_opts *o = ctx->opts;
	struct vs v;
	int rc;

	err[0] = '\0';
	rc = vs_open(&v, ctx->device, o->op != IB_OP_MAP, err, errlen);
	if (!rc)
		rc = o->op == IB_OP_MAP ? run_map(ctx, &v, rep, err, errlen) :
		     o->op == IOMMUBENCH_OP_ISOLATION ? run_isolation(ctx, &v, rep, err, errlen) :
						run_dma(ctx, &v, rep, err, errlen);
	vs_close(&v);
	return rc;
}

const struct ib_engine ib_engine_vfio = {
	.name = "vfio",
	.help = "user-space driver through VFIO (device bound to vfio-pci, restored after): "
		"op=map: VFIO_IOMMU_MAP_DMA/UNMAP_DMA of the window (map_ns, unmap_ns per call); "
		"op=bench: edu DMAs from user space (dma_latency_ns, bandwidth); op=isolation: "
		"a DMA past the mapping, verdict",
	.flags = IB_ENG_ISOLATION | IB_ENG_HOST_DEVICE | IB_ENG_NEEDS_IOMMU,
	.metrics = IB_MB(IB_M_MAP) | IB_MB(IB_M_UNMAP) | IB_MB(IB_M_DMA_LATENCY) | IB_MB_BANDWIDTH,
	.module_engine = -1,
	IB_ENGINE_OPTS(vfio_opt_table),
	.opts_size = sizeof(struct vfio_opts),
	.validate = vfio_validate,
	.supported = vfio_supported,
	.pci_device = vfio_pci_device,
	.bind_driver = "vfio-pci",
	.run = vfio_run,
};
