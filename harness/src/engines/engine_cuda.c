// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `cuda`: GPU DMA through the CUDA driver API, loaded at run time
 * with dlopen (libcuda.so.1, or $IOMMUBENCH_LIBCUDA; no build dependency:
 * the few prototypes used are declared in cuda_driver.h and looked up by
 * cuda_driver.c).  A host without the driver or without a GPU gives skipped
 * rows with the driver's own reason.
 *
 * Every repetition registers the point's host buffer (the buffer layer's
 * page size, on mem_node) with cuMemHostRegister, timed as register_ns
 * (pinning plus the IOMMU mapping), runs, and unregisters it, so each
 * repetition starts with the buffer freshly mapped, as the module engines'
 * do.  Then, by op:
 *  - bench: copy-engine copies (cuMemcpy{HtoD,DtoH}Async) of xfer_size
 *    chunks at seq/rand offsets inside window, queued behind a spin-kernel
 *    latch (nvbandwidth's method) so that queueing costs nothing, with an
 *    event between chunks: dma_latency_ns = GPU time per chunk, bandwidth =
 *    bytes / GPU time.  bidir: to_device on one stream, from_device on
 *    another, at once.
 *  - sm_copy: the same, each chunk copied by an SM kernel through the
 *    buffer's device mapping (cuMemHostGetDevicePointer): SM bandwidth.
 *  - chase: a one-thread kernel follows a pointer chain with one element
 *    per 4 KiB over window (ib_chase.h; seq: page order, rand: one random
 *    cycle); after one untimed lap, dma_latency_ns = GPU time per access
 *    (%globaltimer), one sample per round.
 * The kernels (cuda_kernels.c) are PTX text (sm_50 and later), JIT-compiled
 * by the driver (cuModuleLoadDataEx: cuModuleLoadData with the JIT's error
 * log, which a failing row quotes).  docs/gpu.md says what each metric times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ib_chase.h"
#include "ib_engine.h"
#include "ib_run.h"
#include "iommubench.h"
#include "cuda_driver.h"

/* ---- state kept across points: the open device (the driver: cu_drv) ---- */

#define CU_BATCH 128		      /* chunks queued behind one latch */
#define CU_ROUNDS_MAX 32	      /* chase samples per repetition */
#define CU_WARM_MAX (1ULL << 20)      /* untimed chase steps at most */
#define CU_SPIN_TIMEOUT_NS 10000000000ULL
#define CU_COPY_THREADS 256
#define CU_COPY_BLOCKS_MAX 1024
#define CU_OUT_OFF 64 /* chase results in the latch page */

struct cuda_opts {
	uint64_t window, xfer_size, iterations, duration, seed;
	uint32_t op, direction, pattern;
	uint8_t verify;
};

#define O(field, id, ...) IB_EOPT(struct cuda_opts, field, id, __VA_ARGS__)
static const struct ib_engine_opt cuda_opt_table[] = {
	O(op, IB_O_OP, .allowed = "bench,chase,sm_copy"),
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE),
	O(pattern, IB_O_PATTERN),
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	{ .id = IB_O_DEVICE },
	O(direction, IB_O_DIRECTION),
	O(iterations, IB_O_ITERATIONS),
	O(duration, IB_O_DURATION),
	O(seed, IB_O_SEED),
	O(verify, IB_O_VERIFY),
	{ .id = IB_O_BUF_SIZE },
};
#undef O

static struct {
	/* the open device (ord >= 0) */
	int ord;
	CUcontext ctx;
	CUfunction spin, chase, copy;
	CUstream s[2];
	CUevent ev[2][CU_BATCH + 1];
	int nev;
	volatile uint32_t *latch; /* one registered page: latch, timed_out[2], out[] */
	CUdeviceptr latch_dev;
	CUdeviceptr dbuf;
	size_t dbuf_len;
	char bdf[32];
	int node;
} cu = { .ord = -1 };

/* The CUDA device a point names: device=auto (ordinal 0), an index, or a
 * PCI address.  -1 with "unavailable: ..." in why. */
static int cu_pick(const struct ib_point *pt, char *why, size_t len)
{
	const char *d = pt->p.raw[IB_O_DEVICE];
	unsigned int idx = 0;
	CUdevice dev;
	CUresult r;

	cu_load();
	if (cu_drv.why[0]) {
		snprintf(why, len, "%s", cu_drv.why);
		return -1;
	}
	if (!strcmp(d, "auto") || ib_device_index(d, &idx)) {
		if ((int)idx >= cu_drv.ndev) {
			snprintf(why, len, "unavailable: device=%s: this host has %d CUDA device(s)",
				 d, cu_drv.ndev);
			return -1;
		}
		r = cu_drv.f.DeviceGet(&dev, (int)idx);
	} else {
		r = cu_drv.f.DeviceGetByPCIBusId(&dev, d);
	}
	if (r != CUDA_SUCCESS) {
		snprintf(why, len, "unavailable: device=%s: not a CUDA device (%s)", d, cu_err(r));
		return -1;
	}
	return dev;
}

static const char *cuda_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return cu_pick(pt, buf, len) < 0 ? buf : NULL;
}

static void cu_close(void)
{
	int k, i;

	if (cu.ord < 0)
		return;
	if (cu.latch)
		cu_drv.f.MemHostUnregister((void *)cu.latch);
	if (cu.dbuf)
		cu_drv.f.MemFree(cu.dbuf);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < cu.nev; i++)
			cu_drv.f.EventDestroy(cu.ev[k][i]);
		if (cu.s[k])
			cu_drv.f.StreamDestroy(cu.s[k]);
	}
	cu_drv.f.CtxDestroy(cu.ctx); /* unloads the module too */
	if (cu.latch)
		munmap((void *)cu.latch, 4096);
	cu.latch = NULL;
	cu.dbuf = 0;
	cu.dbuf_len = 0;
	cu.nev = 0;
	cu.s[0] = cu.s[1] = NULL;
	cu.ord = -1;
}

/* The PCI address CUDA gives, as sysfs spells it (0000:65:00.0), and its
 * NUMA node from sysfs (-1 when unknown). */
static void cu_locate(CUdevice dev)
{
	char raw[64] = "", path[256];
	unsigned int dom, bus, slot, fn;
	FILE *f;

	cu.bdf[0] = '\0';
	cu.node = -1;
	if (cu_drv.f.DeviceGetPCIBusId(raw, (int)sizeof(raw), dev) != CUDA_SUCCESS ||
	    sscanf(raw, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return;
	snprintf(cu.bdf, sizeof(cu.bdf), "%04x:%02x:%02x.%x", dom & 0xffff, bus, slot, fn);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/numa_node", ib_sysfs_root,
		 cu.bdf);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &cu.node) != 1 || cu.node < 0)
			cu.node = -1;
		fclose(f);
	}
}

#define CU_TRY(call, what)                                                    \
	do {                                                                  \
		CUresult r_ = (call);                                         \
		if (r_ != CUDA_SUCCESS) {                                     \
			snprintf(err, errlen, "%s: %s", what, cu_err(r_));    \
			goto fail;                                            \
		}                                                             \
	} while (0)

/* Context, kernels, streams, events and the latch page on dev. */
static int cu_open(CUdevice dev, char *err, size_t errlen)
{
	CUmodule mod;
	CUresult r;
	void *page;
	int k, i;

	if (cu.ord == dev)
		return 0;
	cu_close();
	cu_locate(dev);
	CU_TRY(cu_drv.f.CtxCreate(&cu.ctx, CU_CTX_SCHED_SPIN | CU_CTX_MAP_HOST, dev), "cuCtxCreate");
	cu.ord = dev;
	if (cu_load_ptx(&mod, err, errlen))
		goto fail;
	CU_TRY(cu_drv.f.ModuleGetFunction(&cu.spin, mod, "ib_spin"), "cuModuleGetFunction ib_spin");
	CU_TRY(cu_drv.f.ModuleGetFunction(&cu.chase, mod, "ib_chase"), "cuModuleGetFunction ib_chase");
	CU_TRY(cu_drv.f.ModuleGetFunction(&cu.copy, mod, "ib_copy"), "cuModuleGetFunction ib_copy");
	for (k = 0; k < 2; k++)
		CU_TRY(cu_drv.f.StreamCreate(&cu.s[k], CU_STREAM_NON_BLOCKING), "cuStreamCreate");
	for (i = 0; i <= CU_BATCH; i++, cu.nev++)
		for (k = 0; k < 2; k++)
			CU_TRY(cu_drv.f.EventCreate(&cu.ev[k][i], CU_EVENT_DEFAULT), "cuEventCreate");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		snprintf(err, errlen, "latch page: out of memory");
		goto fail;
	}
	memset(page, 0, 4096);
	r = cu_drv.f.MemHostRegister(page, 4096, CU_MEMHOSTREGISTER_DEVICEMAP);
	if (r != CUDA_SUCCESS) {
		snprintf(err, errlen, "cuMemHostRegister (latch page): %s", cu_err(r));
		munmap(page, 4096);
		goto fail;
	}
	cu.latch = page;
	CU_TRY(cu_drv.f.MemHostGetDevicePointer(&cu.latch_dev, page, 0),
	       "cuMemHostGetDevicePointer (latch page)");
	return 0;
fail:
	if (cu.ord < 0) /* no context: nothing else to undo */
		return -1;
	cu_close();
	return -1;
}

/* A device buffer of at least len bytes (kept across points). */
static int cu_dbuf(size_t len, char *err, size_t errlen)
{
	if (cu.dbuf_len >= len)
		return 0;
	if (cu.dbuf)
		cu_drv.f.MemFree(cu.dbuf);
	cu.dbuf = 0;
	cu.dbuf_len = 0;
	CU_TRY(cu_drv.f.MemAlloc(&cu.dbuf, len), "cuMemAlloc");
	cu.dbuf_len = len;
	return 0;
fail:
	return -1;
}

/* ---- one repetition ---- */

struct cu_rep {
	const struct cuda_opts *o;
	char *host;	   /* the buffer */
	CUdeviceptr hdev;  /* its device mapping (sm_copy, chase) */
	uint64_t slots, slot;
	__u64 seed; /* iommubench_xorshift64s() state */
	uint64_t last_off[2]; /* the last chunk of each stream (verify) */
	bool moved[2];
};

static uint64_t next_off(struct cu_rep *c)
{
	uint64_t s = c->o->pattern ? iommubench_xorshift64s(&c->seed) % c->slots :
				     c->slot++ % c->slots;

	return s * c->o->xfer_size;
}

/* Queues one chunk on stream k: a copy-engine copy or an SM copy kernel. */
static CUresult enqueue_chunk(struct cu_rep *c, int k, bool to_dev, uint64_t off)
{
	size_t n = c->o->xfer_size;
	CUdeviceptr d = cu.dbuf + (CUdeviceptr)k * n, h = c->hdev + off;
	CUdeviceptr dst = to_dev ? d : h, src = to_dev ? h : d;
	unsigned long long words = n / 8;
	unsigned int blocks;
	void *args[] = { &dst, &src, &words };

	if (c->o->op != IB_OP_SM_COPY)
		return to_dev ? cu_drv.f.MemcpyHtoDAsync(d, c->host + off, n, cu.s[k]) :
				cu_drv.f.MemcpyDtoHAsync(c->host + off, d, n, cu.s[k]);
	blocks = (unsigned int)((words + CU_COPY_THREADS - 1) / CU_COPY_THREADS);
	if (blocks > CU_COPY_BLOCKS_MAX)
		blocks = CU_COPY_BLOCKS_MAX;
	return cu_drv.f.LaunchKernel(cu.copy, blocks, 1, 1, CU_COPY_THREADS, 1, 1, 0, cu.s[k], args,
				 NULL);
}

/* One latch batch of nb chunks: per-chunk GPU times into dma_latency_ns,
 * the batch's GPU time into *gpu_ns. */
static int copy_batch(struct cu_rep *c, struct ib_rep *rep, uint64_t nb, uint64_t *gpu_ns,
		      char *err, size_t errlen)
{
	const struct cuda_opts *o = c->o;
	int nk = o->direction == 2 ? 2 : 1, k;
	unsigned long long timeout = CU_SPIN_TIMEOUT_NS;
	unsigned int cnt[2] = { 0, 0 };
	uint64_t j, span = 0;
	float ms;

	cu.latch[0] = 0;
	cu.latch[1] = cu.latch[2] = 0;
	for (k = 0; k < nk; k++) {
		CUdeviceptr l = cu.latch_dev, to = cu.latch_dev + 4 + 4 * (CUdeviceptr)k;
		void *args[] = { &l, &timeout, &to };

		CU_TRY(cu_drv.f.LaunchKernel(cu.spin, 1, 1, 1, 1, 1, 1, 0, cu.s[k], args, NULL),
		       "cuLaunchKernel ib_spin");
		CU_TRY(cu_drv.f.EventRecord(cu.ev[k][0], cu.s[k]), "cuEventRecord");
	}
	for (j = 0; j < nb; j++) {
		bool to_dev = o->direction == 0 || (o->direction == 2 && !(j & 1));
		uint64_t off = next_off(c);

		k = o->direction == 2 ? (int)(j & 1) : 0;
		CU_TRY(enqueue_chunk(c, k, to_dev, off),
		       o->op == IB_OP_SM_COPY ? "cuLaunchKernel ib_copy" :
		       to_dev ? "cuMemcpyHtoDAsync" : "cuMemcpyDtoHAsync");
		CU_TRY(cu_drv.f.EventRecord(cu.ev[k][++cnt[k]], cu.s[k]), "cuEventRecord");
		c->last_off[k] = off;
		c->moved[k] = true;
	}
	__atomic_store_n(&cu.latch[0], 1, __ATOMIC_RELEASE);
	for (k = 0; k < nk; k++) {
		uint64_t t = 0;

		CU_TRY(cu_drv.f.EventSynchronize(cu.ev[k][cnt[k]]), "cuEventSynchronize");
		if (cu.latch[1 + k]) {
			snprintf(err, errlen,
				 "the latch timed out (the queue filled before it was released)");
			return -1;
		}
		for (j = 0; j < cnt[k]; j++) {
			CU_TRY(cu_drv.f.EventElapsedTime(&ms, cu.ev[k][j], cu.ev[k][j + 1]),
			       "cuEventElapsedTime");
			if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY], (double)ms * 1e6)) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		if (cnt[k]) {
			CU_TRY(cu_drv.f.EventElapsedTime(&ms, cu.ev[k][0], cu.ev[k][cnt[k]]),
			       "cuEventElapsedTime");
			t = (uint64_t)((double)ms * 1e6);
		}
		if (t > span)
			span = t;
	}
	*gpu_ns = span;
	return 0;
fail:
	/* release whatever waits, so the streams drain */
	__atomic_store_n(&cu.latch[0], 1, __ATOMIC_RELEASE);
	cu_drv.f.StreamSynchronize(cu.s[0]);
	cu_drv.f.StreamSynchronize(cu.s[1]);
	return -1;
}

/* verify=1: the last chunk each stream moved, read back and compared. */
static int copy_verify(struct cu_rep *c, char *err, size_t errlen)
{
	size_t n = c->o->xfer_size;
	unsigned char *tmp = malloc(n);
	int k, bad = 0;

	if (!tmp) {
		snprintf(err, errlen, "verify: out of memory");
		return -1;
	}
	for (k = 0; k < 2; k++) {
		bool to_dev = c->o->direction == 0 || (c->o->direction == 2 && k == 0);

		if (!c->moved[k])
			continue;
		CU_TRY(cu_drv.f.MemcpyDtoH(tmp, cu.dbuf + (CUdeviceptr)k * n, n), "verify: cuMemcpyDtoH");
		if (to_dev ? memcmp(tmp, c->host + c->last_off[k], n) :
			     memcmp(c->host + c->last_off[k], tmp, n))
			bad++;
	}
	free(tmp);
	if (bad) {
		snprintf(err, errlen, "verify: the last chunk moved does not match (%d stream(s))",
			 bad);
		return -1;
	}
	return 0;
fail:
	free(tmp);
	return -1;
}

static int run_copies(struct cu_rep *c, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct cuda_opts *o = c->o;
	uint64_t done = 0, t0 = ib_now_ns(), gpu, k;

	if (cu_dbuf(2 * o->xfer_size, err, errlen))
		return -1;
	if (o->verify) {
		/* recognisable bytes on both sides, outside the timed part */
		uint64_t salt = ib_now_ns();

		for (k = 0; k + 8 <= o->window; k += 8) {
			uint64_t v = (k ^ salt) * 0x9E3779B97F4A7C15ULL;

			memcpy(c->host + k, &v, 8);
		}
		CU_TRY(cu_drv.f.MemsetD8(cu.dbuf, 0xa5, 2 * o->xfer_size), "verify: cuMemsetD8");
	}
	while (o->duration ? ib_now_ns() - t0 < o->duration : done < o->iterations) {
		uint64_t nb = o->duration ? CU_BATCH : o->iterations - done;

		if (nb > CU_BATCH)
			nb = CU_BATCH;
		if (copy_batch(c, rep, nb, &gpu, err, errlen))
			return -1;
		done += nb;
		rep->elapsed_ns += gpu;
		rep->bytes_moved += nb * o->xfer_size;
		if (ib_interrupted)
			break;
	}
	return o->verify ? copy_verify(c, err, errlen) : 0;
fail:
	return -1;
}

/* The chain over the window (ib_chase.h), walked once untimed, then timed
 * in rounds. */
static int run_chase(struct cu_rep *c, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct cuda_opts *o = c->o;
	uint64_t pages, warm, steps, i, *walk = NULL;
	volatile uint64_t *out = (volatile uint64_t *)((volatile char *)cu.latch + CU_OUT_OFF);
	unsigned int rounds = o->iterations < CU_ROUNDS_MAX ? (unsigned int)o->iterations :
							      CU_ROUNDS_MAX;
	CUdeviceptr start, outd = cu.latch_dev + CU_OUT_OFF;
	void *args[] = { &start, &warm, &steps, &rounds, &outd };

	pages = ib_chase_build(c->host, o->window, c->hdev, o->pattern, c->seed, &walk);
	if (!pages) {
		snprintf(err, errlen, "out of memory for the chain");
		return -1;
	}
	start = c->hdev + walk[0];
	warm = pages < CU_WARM_MAX ? pages : CU_WARM_MAX;
	steps = o->iterations / rounds;
	memset((void *)out, 0, (rounds + 1) * sizeof(*out));
	CU_TRY(cu_drv.f.LaunchKernel(cu.chase, 1, 1, 1, 1, 1, 1, 0, cu.s[0], args, NULL),
	       "cuLaunchKernel ib_chase");
	CU_TRY(cu_drv.f.StreamSynchronize(cu.s[0]), "cuStreamSynchronize (chase)");
	for (i = 0; i < rounds; i++)
		if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY], (double)out[i] / (double)steps)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	if (o->verify) {
		/* where the walk must end: warm + rounds x steps steps on */
		uint64_t want = c->hdev + walk[(warm + (uint64_t)rounds * steps) % pages];

		if (out[rounds] != want) {
			snprintf(err, errlen, "verify: the chase ended at 0x%llx, expected 0x%llx",
				 (unsigned long long)out[rounds], (unsigned long long)want);
			goto fail;
		}
	}
	free(walk);
	return 0;
fail:
	free(walk);
	return -1;
}

static int cuda_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct cuda_opts *o = ctx->opts;
	struct cu_rep c = { .o = o, .host = ctx->buf->addr };
	uint64_t t0;
	int dev, ret = IB_EXIT_FAILED;
	bool registered = false;

	dev = cu_pick(ctx->pt, err, errlen);
	if (dev < 0)
		return IB_EXIT_SKIPPED;
	if (cu_open(dev, err, errlen))
		return IB_EXIT_FAILED;
	ib_topo_bind_thread(ctx->topo, ctx->pt->cpu_node); /* the thread that queues */
	snprintf(ctx->device, sizeof(ctx->device), "%s", cu.bdf[0] ? cu.bdf : "unknown");
	ctx->dev_node = cu.node;
	ctx->simulated = cu_drv.fake;

	c.slots = o->window / o->xfer_size ?: 1;
	/* seq continues where the previous repetition stopped */
	c.slot = ctx->rep * o->iterations;
	c.seed = ((o->seed + 1) * 0x9E3779B97F4A7C15ULL) ^ (ctx->rep * 0xD1B54A32D192ED03ULL);
	if (!c.seed)
		c.seed = 1;

	t0 = ib_now_ns();
	CU_TRY(cu_drv.f.MemHostRegister(ctx->buf->addr, ctx->buf->len,
				    CU_MEMHOSTREGISTER_DEVICEMAP | CU_MEMHOSTREGISTER_PORTABLE),
	       "cuMemHostRegister");
	if (ib_metric_push(&rep->m[IB_M_REGISTER], (double)(ib_now_ns() - t0))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	registered = true;
	if (o->op != IOMMUBENCH_OP_BENCH)
		CU_TRY(cu_drv.f.MemHostGetDevicePointer(&c.hdev, ctx->buf->addr, 0),
		       "cuMemHostGetDevicePointer");
	if (o->op == IB_OP_CHASE ? run_chase(&c, rep, err, errlen) :
				   run_copies(&c, rep, err, errlen))
		goto fail;
	ret = IB_EXIT_OK;
fail:
	if (registered) {
		CUresult r = cu_drv.f.MemHostUnregister(ctx->buf->addr);

		if (r != CUDA_SUCCESS && ret == IB_EXIT_OK) {
			snprintf(err, errlen, "cuMemHostUnregister: %s", cu_err(r));
			ret = IB_EXIT_FAILED;
		}
	}
	return ret;
}

static int cuda_validate(const struct ib_params *p, char *err, size_t errlen)
{
	if (p->u[IB_O_OP] == IB_OP_SM_COPY && p->u[IB_O_XFER_SIZE] % 8) {
		snprintf(err, errlen, "xfer_size=%s: op=sm_copy copies 8-byte words: expected a multiple of 8",
			 p->raw[IB_O_XFER_SIZE]);
		return -1;
	}
	if (p->u[IB_O_OP] == IB_OP_CHASE && p->u[IB_O_WINDOW] < 2 * IB_CHASE_STRIDE) {
		snprintf(err, errlen, "window=%s: op=chase needs at least 8k (two 4 KiB elements)",
			 p->raw[IB_O_WINDOW]);
		return -1;
	}
	if (p->u[IB_O_OP] == IB_OP_CHASE && p->u[IB_O_DURATION]) {
		snprintf(err, errlen, "duration=%s: op=chase takes iterations (accesses), not duration",
			 p->raw[IB_O_DURATION]);
		return -1;
	}
	return 0;
}

const struct ib_engine ib_engine_cuda = {
	.name = "cuda",
	.help = "GPU DMA via the CUDA driver API (dlopen libcuda.so.1 or $IOMMUBENCH_LIBCUDA): "
		"op=bench copy-engine copies, op=sm_copy SM kernel copies (dma_latency_ns per "
		"chunk, bandwidth), op=chase GPU pointer chase through mapped host memory "
		"(dma_latency_ns per access); register_ns every repetition",
	/* TIMES_MAPS: register_ns times cuMemHostRegister */
	.flags = IB_ENG_DMA | IB_ENG_DEVICE_INDEX | IB_ENG_TIMES_MAPS | IB_ENG_HOST_DEVICE,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB(IB_M_REGISTER) | IB_MB_BANDWIDTH,
	.module_engine = -1,
	IB_ENGINE_OPTS(cuda_opt_table),
	.opts_size = sizeof(struct cuda_opts),
	.validate = cuda_validate,
	.supported = cuda_supported,
	.run = cuda_run,
};
