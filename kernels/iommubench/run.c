// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: IOMMUBENCH_RUN.  Reads and validates the request, claims the
 * device, pins the buffer (buffer.c), lets the engine prepare, runs its
 * iterations on kthreads bound to the requested CPUs (DMA engines through
 * the core's dma_iter.c) or its isolation check, and hands the threads'
 * figures to the sample core (sample.c) for the caller.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dispatch.h"

static const enum dma_data_direction ib_dirs[IOMMUBENCH_DIR_MAX] = {
	[IOMMUBENCH_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[IOMMUBENCH_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
	[IOMMUBENCH_DIR_BIDIR] = DMA_BIDIRECTIONAL,
};

/* Read the leading size field and the struct with copy_struct_from_user(). */
int ib_copy_in(void *dst, size_t ksize, size_t v1size, const void __user *uarg,
	       u32 *usize, const char *what)
{
	int ret;

	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < v1size) {
		pr_err_ratelimited("%s: size=%u: below the v1 size %zu\n", what,
				   *usize, v1size);
		return -EINVAL;
	}
	ret = copy_struct_from_user(dst, ksize, uarg, *usize);
	if (ret == -E2BIG)
		pr_err_ratelimited("%s: size=%u: unknown non-zero bytes after "
				   "offset %zu\n",
				   what, *usize, ksize);
	return ret;
}

/* ---- validation ---- */

#define IB_EINVAL(fmt, ...)                                                    \
	({                                                                     \
		pr_err_ratelimited(fmt "\n", ##__VA_ARGS__);                   \
		-EINVAL;                                                       \
	})

static bool ib_str_ok(const char *s, size_t len)
{
	return strnlen(s, len) < len;
}

/*
 * The core's checks, then the engine's (ops->validate).  engine is checked
 * first: everything after it may index the ops table.
 */
static int ib_validate(struct iommubench_run *r)
{
	const struct ib_engine_ops *ops;
	bool dma;
	u64 end;
	int m;

	if (r->engine >= IOMMUBENCH_ENGINE_MAX)
		return IB_EINVAL("engine=%u: expected < %u", r->engine,
				 IOMMUBENCH_ENGINE_MAX);
	ops = ib_engines[r->engine];
	dma = ops->xfer;
	if (r->op >= IOMMUBENCH_OP_MAX)
		return IB_EINVAL("op=%u: expected < %u", r->op,
				 IOMMUBENCH_OP_MAX);
	if (r->op == IOMMUBENCH_OP_ISOLATION && !ops->isolation)
		return IB_EINVAL("op=isolation: not supported by engine %s",
				 ops->name);
	if (r->direction >= IOMMUBENCH_DIR_MAX)
		return IB_EINVAL("direction=%u: expected < %u", r->direction,
				 IOMMUBENCH_DIR_MAX);
	if (r->pattern >= IOMMUBENCH_PATTERN_MAX)
		return IB_EINVAL("pattern=%u: expected < %u", r->pattern,
				 IOMMUBENCH_PATTERN_MAX);
	if (r->flags & ~IOMMUBENCH_F_FLAGS_ALL)
		return IB_EINVAL("flags=0x%x: unknown bits 0x%x", r->flags,
				 r->flags & ~IOMMUBENCH_F_FLAGS_ALL);
	if (!ib_str_ok(r->device, sizeof(r->device)))
		return IB_EINVAL("device: not NUL-terminated");
	if (!ib_str_ok(r->chan, sizeof(r->chan)))
		return IB_EINVAL("chan: not NUL-terminated");
	if (!r->buf_addr || !PAGE_ALIGNED(r->buf_addr))
		return IB_EINVAL(
			"buf_addr=0x%llx: must be non-zero and page aligned",
			r->buf_addr);
	if (!r->buf_len || !PAGE_ALIGNED(r->buf_len) ||
	    r->buf_len > IOMMUBENCH_MAX_BUF_BYTES)
		return IB_EINVAL("buf_len=%llu: must be a non-zero multiple of "
				 "%lu up to %llu",
				 r->buf_len, PAGE_SIZE,
				 IOMMUBENCH_MAX_BUF_BYTES);
	if (check_add_overflow(r->buf_addr, r->buf_len, &end) ||
	    !access_ok(u64_to_user_ptr(r->buf_addr), r->buf_len))
		return IB_EINVAL("buf_addr=0x%llx buf_len=%llu: not a user "
				 "address range",
				 r->buf_addr, r->buf_len);
	if (r->op == IOMMUBENCH_OP_ISOLATION && r->buf_len < 2 * PAGE_SIZE)
		return IB_EINVAL(
			"buf_len=%llu: isolation needs at least 2 pages",
			r->buf_len);
	if (r->window > r->buf_len)
		return IB_EINVAL("window=%llu: larger than buf_len=%llu",
				 r->window, r->buf_len);
	if (dma && r->op == IOMMUBENCH_OP_BENCH) {
		if (!r->window)
			return IB_EINVAL("window=0: must be > 0");
		if (!r->xfer_size || r->xfer_size > IOMMUBENCH_MAX_XFER_BYTES)
			return IB_EINVAL("xfer_size=%llu: must be 1..%llu",
					 r->xfer_size,
					 IOMMUBENCH_MAX_XFER_BYTES);
	}
	if (r->xfer_size > IOMMUBENCH_MAX_XFER_BYTES)
		return IB_EINVAL("xfer_size=%llu: above %llu", r->xfer_size,
				 IOMMUBENCH_MAX_XFER_BYTES);
	if (r->xfer_size > (r->window ? r->window : r->buf_len))
		return IB_EINVAL("xfer_size=%llu: larger than window=%llu",
				 r->xfer_size, r->window);
	if (r->granule > IOMMUBENCH_MAX_GRANULE)
		return IB_EINVAL("granule=%u: above %d", r->granule,
				 IOMMUBENCH_MAX_GRANULE);
	if (!r->threads || r->threads > IOMMUBENCH_MAX_THREADS)
		return IB_EINVAL("threads=%u: must be 1..%d", r->threads,
				 IOMMUBENCH_MAX_THREADS);
	if (r->batch > IOMMUBENCH_MAX_BATCH)
		return IB_EINVAL("batch=%u: must be 0..%d", r->batch,
				 IOMMUBENCH_MAX_BATCH);
	if (r->batch > 1 && !(ops->flags & IB_ENGINE_F_BATCH))
		return IB_EINVAL("batch=%u: engine %s maps no batches",
				 r->batch, ops->name);
	if (r->reserved0 || r->reserved1)
		return IB_EINVAL("reserved0=%u reserved1=%u: must be zero",
				 r->reserved0, r->reserved1);
	if (r->warmup > IOMMUBENCH_MAX_ITERATIONS)
		return IB_EINVAL("warmup=%u: too large", r->warmup);
	if (r->iterations > IOMMUBENCH_MAX_ITERATIONS)
		return IB_EINVAL("iterations=%llu: above %llu", r->iterations,
				 IOMMUBENCH_MAX_ITERATIONS);
	if (r->duration_ns > (u64)IOMMUBENCH_MAX_SECONDS * NSEC_PER_SEC)
		return IB_EINVAL("duration_ns=%llu: above %d s", r->duration_ns,
				 IOMMUBENCH_MAX_SECONDS);
	if (r->op == IOMMUBENCH_OP_BENCH && !r->iterations && !r->duration_ns)
		return IB_EINVAL(
			"iterations=0 and duration_ns=0: give one of them");
	if (r->cpus_ptr && !IS_ALIGNED(r->cpus_ptr, sizeof(u32)))
		return IB_EINVAL("cpus_ptr=0x%llx: misaligned", r->cpus_ptr);
	if (r->samples_cap > IOMMUBENCH_MAX_SAMPLES)
		return IB_EINVAL("samples_cap=%u: above %u", r->samples_cap,
				 IOMMUBENCH_MAX_SAMPLES);
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		if (r->samples_ptr[m] &&
		    (!IS_ALIGNED(r->samples_ptr[m], sizeof(u64)) ||
		     !r->samples_cap ||
		     !access_ok(u64_to_user_ptr(r->samples_ptr[m]),
				(u64)r->samples_cap * sizeof(u64))))
			return IB_EINVAL("samples_ptr[%d]=0x%llx: misaligned, "
					 "samples_cap=0 or not user memory",
					 m, r->samples_ptr[m]);
		if (r->hist_ptr[m] &&
		    (!IS_ALIGNED(r->hist_ptr[m], sizeof(u64)) ||
		     !access_ok(u64_to_user_ptr(r->hist_ptr[m]),
				IOMMUBENCH_HIST_BUCKETS * sizeof(u64))))
			return IB_EINVAL("hist_ptr[%d]=0x%llx: misaligned or "
					 "not user memory",
					 m, r->hist_ptr[m]);
	}
	return ops->validate ? ops->validate(r) : 0;
}

/* ---- threads ---- */

static int ib_thread_fn(void *data)
{
	struct ib_thread *t = data;
	struct ib_run_ctx *ctx = t->ctx;
	const struct ib_engine_ops *ops = ctx->ops;
	const struct iommubench_run *r = ctx->run;
	/* DMA engines are timed by the core, the others time themselves */
	ib_iter_fn *iter = ops->xfer ? ib_dma_iter : ops->iter;
	u64 i;
	int ret = 0;

	for (i = 0; i < r->warmup && !ib_should_stop(ctx); i++) {
		ret = iter(t, false);
		if (ret)
			goto out;
		cond_resched();
	}
	t->t_first = ktime_get_ns();
	for (i = 0; !ib_should_stop(ctx); i++) {
		if (r->iterations ? i >= r->iterations
				  : ktime_get_ns() >= ctx->deadline_ns)
			break;
		ret = iter(t, true);
		if (ret)
			break;
		cond_resched();
	}
	t->t_last = ktime_get_ns();
out:
	t->err = ret;
	if (ret)
		WRITE_ONCE(ctx->stop, true);
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->all_done);
	/* stay until kthread_stop() so the task outlives our last access */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

static int ib_run_threads(struct ib_run_ctx *ctx, const u32 *cpus)
{
	const struct ib_engine_ops *ops = ctx->ops;
	unsigned int i, inited = 0;
	int ret = 0;

	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		t->ctx = ctx;
		t->idx = i;
		t->cpu = cpus ? (int)cpus[i] : -1;
		t->rng = ctx->run->seed ^ (0x9E3779B97F4A7C15ULL * (i + 1));
		if (!t->rng)
			t->rng = 1;
		if (ops->thread_init) {
			ret = ops->thread_init(t);
			if (ret)
				goto out;
		}
		inited++;
		t->task = kthread_create_on_node(
			ib_thread_fn, t,
			t->cpu >= 0 ? cpu_to_node(t->cpu) : NUMA_NO_NODE,
			"iommubench/%u", i);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
			goto out;
		}
		get_task_struct(t->task);
		if (t->cpu >= 0)
			kthread_bind(t->task, t->cpu);
	}

	atomic_set(&ctx->running, ctx->nthreads);
	reinit_completion(&ctx->all_done);
	if (!ctx->run->iterations)
		ctx->deadline_ns = ktime_get_ns() + ctx->run->duration_ns;
	for (i = 0; i < ctx->nthreads; i++)
		wake_up_process(ctx->threads[i].task);
	if (wait_for_completion_killable(&ctx->all_done)) {
		WRITE_ONCE(ctx->stop, true);
		wait_for_completion(&ctx->all_done);
		ret = -EINTR;
	}
	for (i = 0; i < ctx->nthreads; i++)
		if (!ret && ctx->threads[i].err)
			ret = ctx->threads[i].err;
out:
	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		if (t->task) {
			kthread_stop(t->task);
			put_task_struct(t->task);
			t->task = NULL;
		}
	}
	for (i = 0; i < inited; i++)
		if (ops->thread_exit)
			ops->thread_exit(&ctx->threads[i]);
	return ret;
}

/* ---- the ioctl ---- */

long ib_ioctl_run(void __user *uarg)
{
	const struct ib_engine_ops *ops;
	struct iommubench_run *r;
	struct ib_run_ctx *ctx;
	u32 *cpus = NULL;
	u64 faults0 = 0;
	u32 usize, batch;
	long ret;
	unsigned int i;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!ctx || !r) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = ib_copy_in(r, sizeof(*r), IOMMUBENCH_RUN_SIZE_V1, uarg, &usize,
			 "run");
	if (ret)
		goto out_free;
	ret = ib_validate(r);
	if (ret)
		goto out_free;
	/*
	 * outputs start from zero whatever the caller left there; batch, an
	 * input appended after them (v2), is kept
	 */
	batch = r->batch;
	memset_startat(r, 0, stats);
	r->batch = batch;
	ops = ib_engines[r->engine];
	ctx->run = r;
	ctx->ops = ops;
	ctx->nthreads = r->threads;
	init_completion(&ctx->all_done);
	mutex_init(&ctx->xfer_lock);
	ctx->dir = ib_dirs[r->direction];

	if (r->cpus_ptr) {
		cpus = memdup_user(u64_to_user_ptr(r->cpus_ptr),
				   r->threads * sizeof(u32));
		if (IS_ERR(cpus)) {
			ret = PTR_ERR(cpus);
			cpus = NULL;
			goto out_free;
		}
		for (i = 0; i < r->threads; i++) {
			if (cpus[i] >= nr_cpu_ids || !cpu_online(cpus[i])) {
				pr_err_ratelimited(
					"cpus_ptr[%u]=%u: not an online CPU\n",
					i, cpus[i]);
				ret = -EINVAL;
				goto out_free;
			}
		}
	}
	ctx->threads = kvcalloc(r->threads, sizeof(*ctx->threads), GFP_KERNEL);
	if (!ctx->threads) {
		ret = -ENOMEM;
		goto out_free;
	}
	ctx->threads[0].ctx = ctx;

	if (!(ops->flags & IB_ENGINE_F_NO_DEVICE)) {
		int err;

		ctx->ibd = ib_dev_claim(r->device,
					IOMMUBENCH_ENGINE_BIT(r->engine), &err);
		if (!ctx->ibd) {
			ret = err;
			goto out_free;
		}
		ctx->dev = &ctx->ibd->pdev->dev;
		snprintf(ctx->target, sizeof(ctx->target), "device=%s",
			 ctx->ibd->name);
		r->domain_type = ib_domain_type(ctx->dev);
		faults0 = ib_fault_count(ctx->ibd->fault_slot);
	}

	ret = ib_alloc_sinks(ctx);
	if (ret)
		goto out_release;
	ret = ib_pin(ctx);
	if (ret)
		goto out_unpin;
	ret = ops->prepare ? ops->prepare(ctx) : 0;
	if (ret)
		goto out_unprepare;
	if (r->op == IOMMUBENCH_OP_ISOLATION)
		ret = ops->isolation(ctx);
	else
		ret = ib_run_threads(ctx, cpus);

out_unprepare:
	if (ops->unprepare)
		ops->unprepare(ctx);
	/*
	 * A device that may still write the buffer must not see it unmapped
	 * and reused: leaking it is the only safe choice.
	 */
	if (!ctx->leak_dma)
		ib_unmap_buffer(ctx);
out_unpin:
	ib_unpin(ctx);
	r->verify_errors = atomic_read(&ctx->verify_errors);
	r->timeouts = atomic_read(&ctx->timeouts);
	if (ctx->ibd)
		r->io_page_faults =
			ib_fault_count(ctx->ibd->fault_slot) - faults0;
	if (!ret)
		ret = ib_collect(ctx);
	if (!ret && copy_to_user(uarg, r, min_t(size_t, usize, sizeof(*r))))
		ret = -EFAULT;
out_release:
	ib_free_sinks(ctx);
	if (ctx->ibd)
		ib_dev_release(ctx->ibd);
out_free:
	kfree(cpus);
	if (ctx)
		kvfree(ctx->threads);
	kfree(ctx);
	kfree(r);
	return ret;
}
