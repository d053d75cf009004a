// SPDX-License-Identifier: GPL-2.0
/*
 * The harness side of the module ABI (kernels/include/uapi/iommubench.h):
 * GET_INFO, RUN, and the shared supported()/run() of the module engines.
 * Limits are checked here before the ioctl; the module checks them again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ib_exit.h"
#include "ib_module.h"

const char *ib_module_dev_path = IOMMUBENCH_DEV_PATH;

const char *ib_domain_type_name(uint32_t type)
{
	static const char *const n[IOMMUBENCH_DOMAIN_MAX] = {
		"none", "identity", "DMA", "DMA-FQ", "blocked", "unmanaged", "other"
	};

	return type < IOMMUBENCH_DOMAIN_MAX ? n[type] : "unknown";
}

const char *ib_domain_type_mode(uint32_t type)
{
	switch (type) {
	case IOMMUBENCH_DOMAIN_NONE:
		return "off";
	case IOMMUBENCH_DOMAIN_IDENTITY:
		return "identity";
	case IOMMUBENCH_DOMAIN_DMA:
		return "dma-strict";
	case IOMMUBENCH_DOMAIN_DMA_FQ:
		return "dma-lazy";
	default:
		return ib_domain_type_name(type);
	}
}

static int dev_open(char *why, size_t whylen)
{
	int fd = open(ib_module_dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		snprintf(why, whylen, "%s: %s%s", ib_module_dev_path,
			 strerror(errno),
			 errno == ENOENT ? " (module iommubench not loaded)" : "");
	return fd;
}

int ib_module_info(struct iommubench_info *info, char *why, size_t whylen)
{
	int fd = dev_open(why, whylen), rc = IB_EXIT_OK;

	if (fd < 0)
		return errno == ENOENT ? IB_EXIT_SKIPPED : IB_EXIT_RESOURCE;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, IOMMUBENCH_GET_INFO, info)) {
		snprintf(why, whylen, "%s: GET_INFO: %s", ib_module_dev_path,
			 strerror(errno));
		rc = IB_EXIT_RESOURCE;
	} else if (info->abi_version != IOMMUBENCH_ABI_VERSION) {
		snprintf(why, whylen,
			 "module ABI version %u, harness expects %u: rebuild both",
			 info->abi_version, IOMMUBENCH_ABI_VERSION);
		rc = IB_EXIT_RESOURCE;
	}
	close(fd);
	return rc;
}

void ib_module_add_devices(struct ib_topo *t, const struct iommubench_info *info)
{
	uint32_t i;

	for (i = 0; i < info->ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
		const struct iommubench_dev_info *d = &info->devices[i];
		const struct ib_topo_dev *old = ib_topo_find_dev(t, d->name);
		struct ib_topo_dev n;

		memset(&n, 0, sizeof(n));
		if (old)
			n = *old;
		snprintf(n.bdf, sizeof(n.bdf), "%.15s", d->name);
		n.vendor = d->vendor;
		n.device = d->device;
		n.node = d->numa_node;
		n.engines = d->engines;
		n.iommu_group = d->iommu_group;
		n.domain_type = d->domain_type;
		if (!n.kind[0])
			snprintf(n.kind, sizeof(n.kind), "other");
		ib_topo_add_dev(t, &n);
	}
}

const char *ib_module_supported(const struct ib_engine *e,
				const struct ib_point *pt, char *buf, size_t len)
{
	int engine = e->module_engine;
	struct iommubench_info info;
	char why[256];
	uint32_t i;

	if (ib_module_info(&info, why, sizeof(why))) {
		snprintf(buf, len, "unavailable: %s", why);
		return buf;
	}
	if (e->flags & IB_ENG_NEEDS_DMA_CHAN) {
		if (!info.ndma_chans) {
			snprintf(buf, len,
				 "unavailable: no free DMA_MEMCPY dmaengine channel");
			return buf;
		}
		return NULL;
	}
	for (i = 0; i < info.ndevices; i++) {
		const struct iommubench_dev_info *d = &info.devices[i];

		if (pt->device[0] && strcmp(pt->device, d->name))
			continue;
		if (!(d->engines & IOMMUBENCH_ENGINE_BIT(engine))) {
			if (pt->device[0]) {
				snprintf(buf, len,
					 "unavailable: device %s does not offer engine %s",
					 pt->device, e->name);
				return buf;
			}
			continue;
		}
		return NULL;
	}
	if (pt->device[0])
		snprintf(buf, len,
			 "unavailable: device %s is not bound to iommubench",
			 pt->device);
	else
		snprintf(buf, len,
			 "unavailable: no device bound to iommubench offers engine %s",
			 e->name);
	return buf;
}

static const int metric_map[IOMMUBENCH_METRIC_MAX] = {
	[IOMMUBENCH_METRIC_MAP] = IB_M_MAP,
	[IOMMUBENCH_METRIC_UNMAP] = IB_M_UNMAP,
	[IOMMUBENCH_METRIC_DMA] = IB_M_DMA_LATENCY,
	[IOMMUBENCH_METRIC_PIN] = IB_M_PIN,
};

int ib_module_run_point(struct ib_run_ctx *ctx, struct ib_rep *rep,
			char *err, size_t errlen)
{
	const struct ib_engine *e = ctx->engine;
	const struct ib_module_opts *o = ctx->opts;
	struct iommubench_run r;
	uint64_t *samples[IOMMUBENCH_METRIC_MAX] = { 0 };
	uint64_t *hist[IOMMUBENCH_METRIC_MAX] = { 0 };
	uint32_t *cpus = NULL, ncpu_node[IOMMUBENCH_MAX_THREADS];
	uint64_t cap, threads = o->threads;
	int fd = -1, rc = IB_EXIT_OK, i, nc;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.engine = (uint32_t)e->module_engine;
	r.op = o->op;
	r.direction = o->direction;
	if (e->flags & IB_ENG_NEEDS_DEVICE)
		snprintf(r.device, sizeof(r.device), "%s", ctx->pt->device);
	r.buf_addr = (uintptr_t)ctx->buf->addr;
	r.buf_len = ctx->buf->len;
	r.window = o->window;
	r.xfer_size = o->xfer_size;
	r.seed = o->seed;
	r.pattern = o->pattern;
	r.granule = o->granule;
	r.threads = o->threads;
	/* 1 is today's pairs: sent as 0, so a module without the field runs it */
	r.batch = o->batch > 1 ? o->batch : 0;
	r.iterations = o->duration ? 0 : o->iterations;
	r.duration_ns = o->duration;
	r.flags = o->verify ? IOMMUBENCH_F_VERIFY : 0;
	if (r.buf_len > IOMMUBENCH_MAX_BUF_BYTES || r.threads > IOMMUBENCH_MAX_THREADS) {
		snprintf(err, errlen, "buf_size/threads above the module limits");
		return IB_EXIT_FAILED;
	}

	nc = ib_topo_node_cpus(ctx->topo, ctx->pt->cpu_node, ncpu_node,
			       IOMMUBENCH_MAX_THREADS);
	if (nc > 0) {
		cpus = calloc(threads, sizeof(*cpus));
		if (!cpus)
			goto oom;
		for (i = 0; i < (int)threads; i++)
			cpus[i] = ncpu_node[i % nc];
		r.cpus_ptr = (uintptr_t)cpus;
	}
	cap = r.iterations ? r.iterations * threads * (r.batch ? r.batch : 1) :
			     IOMMUBENCH_MAX_SAMPLES / 16;
	if (cap > IOMMUBENCH_MAX_SAMPLES / 16)
		cap = IOMMUBENCH_MAX_SAMPLES / 16;
	r.samples_cap = (uint32_t)cap;
	for (i = 0; i < IOMMUBENCH_METRIC_MAX; i++) {
		samples[i] = calloc(cap, sizeof(uint64_t));
		hist[i] = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(uint64_t));
		if (!samples[i] || !hist[i])
			goto oom;
		r.samples_ptr[i] = (uintptr_t)samples[i];
		r.hist_ptr[i] = (uintptr_t)hist[i];
	}

	fd = dev_open(err, errlen);
	if (fd < 0) {
		rc = IB_EXIT_SKIPPED;
		goto out;
	}
	if (ioctl(fd, IOMMUBENCH_RUN, &r)) {
		int en = errno;

		snprintf(err, errlen, "IOMMUBENCH_RUN (engine %s): %s%s",
			 e->name, strerror(en),
			 en == ENODEV ? " (no usable device or channel)" :
			 en == EINVAL ? " (see dmesg for the field)" :
			 en == E2BIG ? " (the module is older than a field this point sets, "
				       "such as batch: rebuild it)" :
			 en == EADDRNOTAVAIL ? " (the device's DMA mask does not reach the "
					      "buffer and nothing translates it)" :
			 en == ENOSPC ? " (no IOVA space left under the device's DMA mask)" : "");
		/* docs/abi.md: these say the point cannot run here */
		rc = en == ENODEV || en == EADDRNOTAVAIL ? IB_EXIT_SKIPPED :
		     en == ENOSPC ? IB_EXIT_RESOURCE : IB_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < IOMMUBENCH_METRIC_MAX; i++) {
		struct iommubench_stat *st = &r.stats[i];
		struct ib_metric_data *m = &rep->m[metric_map[i]];
		uint64_t k;

		if (!st->count)
			continue;
		if (st->samples_written == st->count) {
			for (k = 0; k < st->samples_written; k++)
				if (ib_metric_push(m, (double)samples[i][k]))
					goto oom;
		} else {
			if (m->hist) { /* reused across repetitions */
				memcpy(m->hist, hist[i],
				       IOMMUBENCH_HIST_BUCKETS * sizeof(uint64_t));
			} else {
				m->hist = hist[i];
				hist[i] = NULL;
			}
			m->h_count = st->count;
			m->h_sum = st->ns_sum;
			m->h_min = st->ns_min;
			m->h_max = st->ns_max;
		}
	}
	rep->bytes_moved = r.bytes_moved;
	rep->elapsed_ns = r.elapsed_ns;
	rep->have_facts = true;
	rep->iommu_pgsizes_used = r.iommu_pgsizes_used;
	rep->dma_segments = r.dma_segments;
	rep->domain_type = r.domain_type;
	rep->verify_errors = r.verify_errors;
	rep->verdict = r.verdict;
	rep->io_page_faults = r.io_page_faults;
	rep->timeouts = r.timeouts;
	rep->canary_intact = r.canary_intact;
	rep->phys_pieces = r.phys_pieces;
	if (r.verify_errors || r.timeouts) {
		snprintf(err, errlen, "%u DMAs failed verification, %u timed out",
			 r.verify_errors, r.timeouts);
		rc = IB_EXIT_FAILED;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory for samples");
	rc = IB_EXIT_FAILED;
out:
	if (fd >= 0)
		close(fd);
	for (i = 0; i < IOMMUBENCH_METRIC_MAX; i++) {
		free(samples[i]);
		free(hist[i]);
	}
	free(cpus);
	return rc;
}
