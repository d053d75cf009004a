/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The repetition controller: runs one point's repetitions (warm-up first,
 * discarded), accumulates their samples, and decides when to stop: the 95%
 * CI of the median of the primary metric, and of the bandwidth, within
 * target_ci of it (after min_reps), or max_reps, or max_time, or a signal.
 * It knows nothing of engines, buffers or rows: run.c hands it a callback
 * for one repetition, tests hand it a fake one and a fake clock.
 */
#ifndef IB_REPCTL_H
#define IB_REPCTL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "ib_engine.h"

/* Why the controller stopped. */
enum ib_repctl_stop {
	IB_REPCTL_CONVERGED,   /* every reported figure's CI is tight enough */
	IB_REPCTL_MAX_REPS,    /* max_reps reached first */
	IB_REPCTL_MAX_TIME,    /* max_time spent first */
	IB_REPCTL_INTERRUPTED, /* *interrupted set (the cut repetition is not counted) */
	IB_REPCTL_ERROR,       /* a repetition failed or skipped: see the return */
};

/* One repetition into rep (reset before each call): IB_EXIT_* as run(). */
typedef int (*ib_repctl_fn)(void *arg, struct ib_rep *rep, char *err,
			    size_t errlen);

struct ib_repctl {
	/* configuration (ib_repctl_init from a point's params) */
	uint64_t warmup, min_reps, max_reps, max_time_ns;
	double target_ci;		    /* fraction of the median: 0.01 = 1 % */
	/* each repetition runs on a fresh buffer (layout=): the CI (and the
	 * convergence) is that of the median of the repetitions' medians, so
	 * it covers the spread between buffers, not only within one */
	bool per_buffer;
	uint64_t (*now)(void);		    /* ib_now_ns; tests inject a clock */
	volatile sig_atomic_t *interrupted; /* &ib_interrupted */
	/* results: every metric bounded as ib_metric_data is; bandwidth one
	 * value a repetition */
	struct ib_metric_data m[IB_M_MAX];
	struct ib_metric_data bw;
	struct ib_metric_data iops; /* one value a repetition (rep->ios) */
	uint64_t reps; /* counted repetitions (warm-up excluded) */
	bool converged;
	enum ib_repctl_stop stop;
	bool have_facts;     /* some repetition reported module facts */
	struct ib_rep facts; /* the last such repetition (facts fields only) */
	/* per_buffer: each counted repetition's median per metric, and the
	 * physically contiguous pieces of each repetition's buffer */
	double *rep_median[IB_M_MAX];
	double *pieces;
	size_t nrep_median[IB_M_MAX], npieces;
};

/* Configuration from warmup, min_reps, max_reps, max_time, target_ci. */
void ib_repctl_init(struct ib_repctl *c, const struct ib_params *p);

/*
 * Runs warm-up and counted repetitions of fn until a stop condition.
 * IB_EXIT_OK, or the first failing repetition's code (why says it);
 * IB_EXIT_FAILED when the samples do not fit in memory.
 */
int ib_repctl_run(struct ib_repctl *c, ib_repctl_fn fn, void *arg,
		  struct ib_rep *rep, char *why, size_t whylen);

/* The metric convergence is judged on: the first present of dma_latency,
 * map, unmap, overhead, pin, register; -1 when none has samples. */
int ib_repctl_primary(const struct ib_repctl *c);

/* per_buffer: the summary of metric k's per-repetition medians (its CI is
 * the between-buffer CI); -1 when there are none. */
int ib_repctl_between(const struct ib_repctl *c, int k, struct ib_summary *s);

void ib_repctl_free(struct ib_repctl *c);

#endif
