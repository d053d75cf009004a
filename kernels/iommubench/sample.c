// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench sample core: what the threads' timestamps become.  Per thread
 * and metric count/sum/min/max, a histogram shared by all threads (uapi
 * layout, iommubench_hist_bucket()) and optional raw samples in
 * completion order; after the run they are merged into struct
 * iommubench_run and copied out to the caller's arrays.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ib.h"

/* One timed value of metric m from thread t. */
void ib_record(struct ib_thread *t, enum iommubench_metric m, u64 ns)
{
	struct ib_thread_stat *st = &t->st[m];
	struct ib_metric_sink *sk = &t->ctx->sink[m];
	s64 idx;

	if (!st->count || ns < st->min)
		st->min = ns;
	if (ns > st->max)
		st->max = ns;
	st->count++;
	st->sum += ns;
	if (sk->hist)
		atomic64_inc(&sk->hist[iommubench_hist_bucket(ns)]);
	if (sk->samples) {
		idx = atomic64_inc_return(&sk->nsamples) - 1;
		if (idx < t->ctx->samples_cap)
			sk->samples[idx] = ns;
	}
}

/* Merge the threads' figures into the run and copy samples/histograms out. */
int ib_collect(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	u64 first = U64_MAX, last = 0;
	unsigned int i;
	int m;

	for (i = 0; i < ctx->nthreads; i++) {
		struct ib_thread *t = &ctx->threads[i];

		for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
			struct ib_thread_stat *st = &t->st[m];
			struct iommubench_stat *o = &r->stats[m];

			if (!st->count)
				continue;
			if (!o->count || st->min < o->ns_min)
				o->ns_min = st->min;
			o->ns_max = max(o->ns_max, st->max);
			o->count += st->count;
			o->ns_sum += st->sum;
		}
		r->bytes_moved += t->bytes;
		if (t->t_last) {
			first = min(first, t->t_first);
			last = max(last, t->t_last);
		}
	}
	if (last)
		r->elapsed_ns = last - first;

	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		struct ib_metric_sink *sk = &ctx->sink[m];

		if (sk->samples) {
			u64 n = min_t(u64, atomic64_read(&sk->nsamples),
				      ctx->samples_cap);

			if (copy_to_user(u64_to_user_ptr(r->samples_ptr[m]),
					 sk->samples, n * sizeof(u64)))
				return -EFAULT;
			r->stats[m].samples_written = n;
		}
		if (sk->hist) {
			u64 __user *uh = u64_to_user_ptr(r->hist_ptr[m]);
			u32 b;

			for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++)
				if (put_user((u64)atomic64_read(&sk->hist[b]),
					     uh + b))
					return -EFAULT;
		}
	}
	return 0;
}

int ib_alloc_sinks(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	u64 want;
	int m;

	want = r->samples_cap;
	if (r->iterations)
		want = min_t(u64, want, r->iterations * r->threads);
	if (r->op == IOMMUBENCH_OP_ISOLATION)
		want = min_t(u64, want, 64);
	ctx->samples_cap = max_t(u64, want, 1);
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		struct ib_metric_sink *sk = &ctx->sink[m];

		atomic64_set(&sk->nsamples, 0);
		if (r->samples_ptr[m]) {
			sk->samples = kvmalloc_array(ctx->samples_cap,
						     sizeof(u64), GFP_KERNEL);
			if (!sk->samples)
				return -ENOMEM;
		}
		if (r->hist_ptr[m]) {
			sk->hist = kvcalloc(IOMMUBENCH_HIST_BUCKETS,
					    sizeof(atomic64_t), GFP_KERNEL);
			if (!sk->hist)
				return -ENOMEM;
		}
	}
	return 0;
}

void ib_free_sinks(struct ib_run_ctx *ctx)
{
	int m;

	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		kvfree(ctx->sink[m].samples);
		kvfree(ctx->sink[m].hist);
	}
}
