/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engines: what moves the bytes.  An engine is one file that defines a
 * `const struct ib_engine ib_engine_<name>` plus one line in engine.c's
 * registry.  run() performs one repetition of a point and returns raw
 * samples; the runner does warm-up, adaptive repetitions and statistics.
 */
#ifndef IB_ENGINE_H
#define IB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ib_buffer.h"
#include "ib_plan.h"
#include "ib_topology.h"

enum ib_metric_id {
	IB_M_MAP,	  /* map_ns */
	IB_M_UNMAP,	  /* unmap_ns */
	IB_M_DMA_LATENCY, /* dma_latency_ns (cpu: one memcpy) */
	IB_M_PIN,	  /* pin_ns */
	IB_M_REGISTER,	  /* register_ns */
	IB_M_OVERHEAD,	  /* overhead_ns (null engine: harness cost/sample) */
	IB_M_MAX,
};

extern const char *const ib_metric_names[IB_M_MAX];

/*
 * Raw results of one metric (one repetition, or a whole point): exact
 * samples, up to IB_SAMPLES_MAX of them (or .limit when set), and beyond
 * that the uapi log-linear histogram (the module's own, or samples folded
 * in by ib_metric_push).  So memory is fixed: at most IB_SAMPLES_MAX x 8
 * bytes + 9 KiB per container, and percentiles are exact order statistics
 * while h_count is 0, bucket resolution (<= 3.1 %) after (docs/harness.md).
 */
#define IB_SAMPLES_MAX 1000000

struct ib_metric_data {
	double *v;
	size_t n, cap;
	size_t limit;	/* exact samples kept at most; 0 = IB_SAMPLES_MAX */
	uint64_t *hist; /* IOMMUBENCH_HIST_BUCKETS, NULL = none */
	uint64_t h_count, h_sum, h_min, h_max; /* h_count 0 = hist empty */
};

struct ib_rep {
	struct ib_metric_data m[IB_M_MAX];
	uint64_t bytes_moved, elapsed_ns;
	/* facts reported by the module (have_facts) */
	bool have_facts;
	uint64_t iommu_pgsizes_used;
	uint32_t dma_segments, domain_type, verify_errors, verdict;
	uint32_t io_page_faults, timeouts, canary_intact;
	bool device_bound_checked;
};

struct ib_run_ctx {
	const struct ib_point *pt;
	struct ib_buffer *buf;
	const struct ib_topo *topo;
	uint64_t rep; /* repetition index (warm-up included): seq continues */
};

#define IB_ENG_MODULE (1U << 0) /* runs in the module via /dev/iommubench */
#define IB_ENG_DEVICE (1U << 1) /* needs a device bound to the module */

struct ib_engine {
	const char *name;
	const char *help;
	const char *params; /* comma list of the parameters it understands */
	unsigned int flags;
	/* NULL when it can run this point here, else "unavailable: reason". */
	const char *(*supported)(const struct ib_point *pt, char *buf, size_t len);
	/* One repetition.  0 ok; 4 = skip (err = reason); else error. */
	int (*run)(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		   size_t errlen);
};

const struct ib_engine *ib_engine_find(const char *name);
const struct ib_engine *const *ib_engines(void); /* NULL-terminated */

/* Adds one sample (ns): kept exactly under the limit, else folded into
 * the histogram.  -1 only when out of memory. */
int ib_metric_push(struct ib_metric_data *m, double v);
/* dst += src: samples (bounded as above) and histogram. */
int ib_metric_merge(struct ib_metric_data *dst, const struct ib_metric_data *src);
/* Whether every sample is still held exactly (no histogram in use). */
bool ib_metric_exact(const struct ib_metric_data *m);
/* Summary of all of m; with a histogram in use the exact samples are
 * folded into it first.  -1 when m is empty. */
struct ib_summary;
int ib_metric_summary(struct ib_metric_data *m, struct ib_summary *s);
/* Frees m's storage and clears it. */
void ib_metric_free(struct ib_metric_data *m);
void ib_rep_reset(struct ib_rep *rep);
void ib_rep_free(struct ib_rep *rep);

uint64_t ib_now_ns(void);

#endif
