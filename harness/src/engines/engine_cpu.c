// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `cpu`: memcpy with the same window/xfer_size/pattern/direction
 * semantics as the DMA engines, from worker threads bound to cpu_node.  The
 * baseline and the calibration: what moving the bytes costs without a
 * device or an IOMMU.  to_device reads the buffer into a per-thread scratch
 * block, from_device writes it, bidir alternates.
 *
 * Samples are bounded: the workers share IB_SAMPLES_MAX exact samples per
 * repetition (each keeps IB_SAMPLES_MAX / threads) and fold the rest into
 * the histogram, so a 300 s repetition of 20 ns copies costs 8 MB, not GBs.
 * A signal (ib_interrupted) ends a repetition early; run.c discards it.
 *
 * op=chase: one thread follows the ib_chase.h pointer chain over the window
 * (one element per 4 KiB), one untimed lap first, then dma_latency_ns = ns
 * per access, one sample per round: the CPU TLB plays the IOTLB, the same
 * method as the cuda engine's GPU chase (derive's timing method).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "ib_chase.h"
#include "ib_engine.h"
#include "ib_run.h"
#include "iommubench.h"

/* The typed options of the cpu engine (cpu_opts[] fills them by offset). */
struct cpu_opts {
	uint64_t window, xfer_size, iterations, duration, seed;
	uint32_t op, threads, direction, pattern;
	uint8_t verify;
};

#define O(field, id) IB_EOPT(struct cpu_opts, field, id)
static const struct ib_engine_opt cpu_opt_table[] = {
	IB_EOPT(struct cpu_opts, op, IB_O_OP, .allowed = "bench,chase"),
	{ .id = IB_O_PAGE_SIZE },
	O(window, IB_O_WINDOW),
	O(xfer_size, IB_O_XFER_SIZE),
	O(pattern, IB_O_PATTERN),
	O(threads, IB_O_THREADS),
	O(direction, IB_O_DIRECTION),
	{ .id = IB_O_CPU_NODE },
	{ .id = IB_O_MEM_NODE },
	O(iterations, IB_O_ITERATIONS),
	O(duration, IB_O_DURATION),
	O(seed, IB_O_SEED),
	O(verify, IB_O_VERIFY),
	{ .id = IB_O_BUF_SIZE },
};
#undef O

struct worker {
	struct ib_run_ctx *ctx;
	int tid;
	int *go; /* 0 wait, 1 run, -1 abort */
	struct ib_metric_data lat;
	uint64_t copies, verify_errors;
	uint64_t t_start, t_end;
	int failed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct cpu_opts *o = w->ctx->opts;
	char *base = w->ctx->buf->addr;
	uint64_t xfer = o->xfer_size, window = o->window;
	uint64_t slots = window / xfer, n = o->iterations;
	uint64_t dur = o->duration, i, slot;
	__u64 seed; /* iommubench_xorshift64s() state */
	int dir = (int)o->direction, rand = (int)o->pattern;
	bool verify = o->verify;
	char *scratch;

	ib_topo_bind_thread(w->ctx->topo, w->ctx->pt->cpu_node);
	scratch = aligned_alloc(4096, (xfer + 4095) / 4096 * 4096);
	if (!scratch) {
		w->failed = 1;
		return NULL;
	}
	memset(scratch, w->tid, xfer);
	seed = (o->seed + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)w->tid;
	if (!seed)
		seed = 1;
	/* threads start spread over the window; seq continues where the
	 * previous repetition stopped, so repetitions sweep the whole window */
	slot = (uint64_t)w->tid * (slots / (uint64_t)o->threads ?: 1) +
	       w->ctx->rep * n;
	seed ^= w->ctx->rep * 0xD1B54A32D192ED03ULL;
	while (!__atomic_load_n(w->go, __ATOMIC_ACQUIRE))
		sched_yield();
	if (__atomic_load_n(w->go, __ATOMIC_ACQUIRE) < 0) {
		free(scratch);
		return NULL;
	}
	w->t_start = ib_now_ns();
	for (i = 0; dur ? 1 : i < n; i++) {
		uint64_t a, b, off;
		bool to_dev = dir == 0 || (dir == 2 && !(i & 1));

		off = rand ? (iommubench_xorshift64s(&seed) % slots) * xfer :
			     ((slot + i) % slots) * xfer;
		a = ib_now_ns();
		if (to_dev)
			memcpy(scratch, base + off, xfer);
		else
			memcpy(base + off, scratch, xfer);
		__asm__ __volatile__("" ::: "memory");
		b = ib_now_ns();
		if (verify && memcmp(scratch, base + off, xfer))
			w->verify_errors++;
		if (ib_metric_push(&w->lat, (double)(b - a))) {
			w->failed = 1;
			break;
		}
		w->copies++;
		if ((dur && b - w->t_start >= dur) || ib_interrupted)
			break;
	}
	w->t_end = ib_now_ns();
	free(scratch);
	return NULL;
}

static const char *cpu_supported(const struct ib_point *pt, char *buf, size_t len)
{
	return NULL;
}

#define CHASE_ROUNDS_MAX 32
#define CHASE_WARM_MAX (1ULL << 20)

static int cpu_chase(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct cpu_opts *o = ctx->opts;
	char *base = ctx->buf->addr;
	uint64_t *walk, n, warm, steps, i, r, rounds, a, b;
	uint64_t seed = (o->seed + 1) * 0x9E3779B97F4A7C15ULL ^ ctx->rep * 0xD1B54A32D192ED03ULL;
	void *const *p;

	ib_topo_bind_thread(ctx->topo, ctx->pt->cpu_node);
	n = ib_chase_build(base, o->window, (uint64_t)(uintptr_t)base, o->pattern, seed, &walk);
	if (!n) {
		snprintf(err, errlen, "out of memory for the chain");
		return IB_EXIT_FAILED;
	}
	rounds = o->iterations < CHASE_ROUNDS_MAX ? o->iterations : CHASE_ROUNDS_MAX;
	steps = o->iterations / rounds;
	warm = n < CHASE_WARM_MAX ? n : CHASE_WARM_MAX;
	p = (void *const *)(base + walk[0]);
	for (i = 0; i < warm; i++)
		p = *(void *const *volatile *)p;
	for (r = 0; r < rounds && !ib_interrupted; r++) {
		a = ib_now_ns();
		for (i = 0; i < steps; i++)
			p = *(void *const *volatile *)p;
		b = ib_now_ns();
		if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY], (double)(b - a) / (double)steps)) {
			free(walk);
			snprintf(err, errlen, "out of memory");
			return IB_EXIT_FAILED;
		}
	}
	i = (uint64_t)((const char *)p - base);
	r = walk[(warm + rounds * steps) % n];
	free(walk);
	if (o->verify && i != r) {
		snprintf(err, errlen, "verify: the chase ended at offset %llu, expected %llu",
			 (unsigned long long)i, (unsigned long long)r);
		return IB_EXIT_FAILED;
	}
	return IB_EXIT_OK;
}

static int cpu_validate(const struct ib_params *p, char *err, size_t errlen)
{
	if (p->u[IB_O_OP] != IB_OP_CHASE)
		return 0;
	if (p->u[IB_O_THREADS] != 1 || p->u[IB_O_DURATION]) {
		snprintf(err, errlen, "%s: op=chase runs one thread for iterations accesses",
			 p->u[IB_O_DURATION] ? "duration" : "threads");
		return -1;
	}
	if (p->u[IB_O_WINDOW] < 2 * IB_CHASE_STRIDE) {
		snprintf(err, errlen, "window=%s: op=chase needs at least 8k (two 4 KiB elements)",
			 p->raw[IB_O_WINDOW]);
		return -1;
	}
	return 0;
}

static int cpu_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		   size_t errlen)
{
	const struct cpu_opts *o = ctx->opts;
	int nt = (int)o->threads, i, rc = IB_EXIT_OK, started = 0;
	struct worker *w = calloc((size_t)nt, sizeof(*w));
	pthread_t *th = calloc((size_t)nt, sizeof(*th));
	int go = 0;
	uint64_t t0 = UINT64_MAX, t1 = 0;

	if (o->op == IB_OP_CHASE) {
		free(w);
		free(th);
		return cpu_chase(ctx, rep, err, errlen);
	}
	if (!w || !th) {
		free(w);
		free(th);
		snprintf(err, errlen, "out of memory");
		return IB_EXIT_FAILED;
	}
	for (i = 0; i < nt; i++) {
		w[i].ctx = ctx;
		w[i].tid = i;
		w[i].go = &go;
		w[i].lat.limit = IB_SAMPLES_MAX / (size_t)nt ?: 1;
		if (pthread_create(&th[i], NULL, worker_main, &w[i])) {
			snprintf(err, errlen, "threads=%d: cannot start thread %d",
				 nt, i);
			rc = IB_EXIT_FAILED;
			break;
		}
		started++;
	}
	__atomic_store_n(&go, rc ? -1 : 1, __ATOMIC_RELEASE);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < started; i++) {
		if ((w[i].failed ||
		     ib_metric_merge(&rep->m[IB_M_DMA_LATENCY], &w[i].lat)) && !rc) {
			snprintf(err, errlen, "worker %d failed (out of memory)", i);
			rc = IB_EXIT_FAILED;
		}
		ib_metric_free(&w[i].lat);
		rep->bytes_moved += w[i].copies * o->xfer_size;
		rep->verify_errors += (uint32_t)w[i].verify_errors;
		if (!w[i].copies)
			continue;
		if (w[i].t_start < t0)
			t0 = w[i].t_start;
		if (w[i].t_end > t1)
			t1 = w[i].t_end;
	}
	rep->elapsed_ns = t1 > t0 ? t1 - t0 : 0;
	free(w);
	free(th);
	if (!rc && rep->verify_errors) {
		snprintf(err, errlen, "verify: %u copies did not match",
			 rep->verify_errors);
		rc = IB_EXIT_FAILED;
	}
	return rc;
}

const struct ib_engine ib_engine_cpu = {
	.name = "cpu",
	.help = "memcpy baseline: bandwidth and per-copy latency (dma_latency_ns) "
		"within the window, same pattern semantics as the DMA engines; op=chase: "
		"page-stride pointer chase, dma_latency_ns per access (the CPU TLB's knee)",
	.flags = 0, /* the CPU moves the bytes: no module, no device */
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB_BANDWIDTH,
	.module_engine = -1,
	IB_ENGINE_OPTS(cpu_opt_table),
	.opts_size = sizeof(struct cpu_opts),
	.validate = cpu_validate,
	.supported = cpu_supported,
	.run = cpu_run,
};
