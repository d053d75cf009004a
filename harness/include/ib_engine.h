/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engines: what moves the bytes.  An engine is one file that defines a
 * `const struct ib_engine ib_engine_<name>` (name, class flags, metrics,
 * the parameters it takes with their place in its typed options struct,
 * validate/supported/run) plus one line in engine.c's registry.  Options,
 * plan, derive, info and help read the descriptor; no engine name is
 * compared outside its own file.  run() performs one repetition of a point
 * and returns raw samples; the runner does warm-up, adaptive repetitions
 * and statistics.
 */
#ifndef IB_ENGINE_H
#define IB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ib_buffer.h"
#include "ib_exit.h"
#include "ib_options.h"
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
	uint64_t ios; /* I/Os completed in elapsed_ns (iops), 0 = none */
	/* I/Os the repetition caused outside elapsed_ns (a rank pair's
	 * handshake waiting for the other side): not in iops, but in the
	 * divisor of per-I/O counts (params.ios_timing_pass, counting_pass.ios),
	 * since counters see them */
	uint64_t ios_untimed;
	/* facts reported by the module (have_facts) */
	bool have_facts;
	uint64_t iommu_pgsizes_used;
	uint32_t dma_segments, domain_type, verify_errors, verdict;
	uint32_t io_page_faults, timeouts, canary_intact;
	uint32_t phys_pieces; /* of the pinned buffer; 0 = not reported */
	bool device_bound_checked;
};

struct ib_engine;

struct ib_run_ctx {
	const struct ib_engine *engine;
	const struct ib_point *pt;
	const void *opts; /* the engine's typed options (ib_engine_opts_load) */
	struct ib_buffer *buf;
	const struct ib_topo *topo;
	uint64_t rep; /* repetition index (warm-up included): seq continues */
	/* set by an engine that resolves its own device (IB_ENG_DEVICE_INDEX):
	 * the row's params.device and params.dev_node; "" = not resolved */
	char device[32];
	int dev_node;
	/* set by an engine whose device is a test double (the fake CUDA
	 * driver): what it is, as the row's params.simulated; NULL = real */
	const char *simulated;
	uint64_t ios; /* rep->ios + rep->ios_untimed summed over every repetition run */
	uint64_t ios_untimed; /* rep->ios_untimed summed (runner) */
};

/* Class flags: what an engine is and what it needs. */
#define IB_ENG_NEEDS_MODULE (1U << 0) /* runs in the module via /dev/iommubench */
#define IB_ENG_NEEDS_DEVICE (1U << 1) /* needs a device bound to the module: the
				       * planner picks one, the runner sets its
				       * IOMMU mode */
#define IB_ENG_DMA (1U << 2) /* a device moves the bytes (derive: IOTLB reach) */
/* (1U << 3) and (1U << 4), once "maps only" and "the CPU moves the bytes",
 * were read by nothing: free */
#define IB_ENG_ISOLATION (1U << 5) /* runs op=isolation (the isolation check) */
#define IB_ENG_NEEDS_DMA_CHAN (1U << 6) /* a free dmaengine DMA_MEMCPY channel */
/* Its timed path maps and unmaps through the IOMMU (map; a driver's
 * register): counter sources that cost time on every map (tracefs) count
 * in a separate pass under counters=auto (ib_counters.h). */
#define IB_ENG_TIMES_MAPS (1U << 7)
#define IB_ENG_DEVICE_INDEX (1U << 8) /* device= may be an index (its own
				       * ordinal); the engine resolves the
				       * device and reports it in ctx */
#define IB_ENG_DEVICE_PATH (1U << 9) /* device= is a /dev/NAME node (nvme) */
/* In the QEMU lab its device completes every DMA after a fixed timer
 * (edu): flat timings there are by construction, not a finding. */
#define IB_ENG_LAB_FIXED_TIMER (1U << 10)
/* A device the harness drives without the module (cuda, nvme, vfio): a
 * suite with such a row the host can run makes TARGET=auto run on the
 * host (run --host-capable, cli/run_hostcap.c); cpu baselines do not. */
#define IB_ENG_HOST_DEVICE (1U << 11)
/* Its device needs an IOMMU this kernel sees (vfio): --host-capable counts
 * it only where /sys/class/iommu has units. */
#define IB_ENG_NEEDS_IOMMU (1U << 12)
/* Across MPI ranks, ranks 2k and 2k+1 drive the two ends of one transfer
 * (net: sender, receiver): both run exactly max_reps repetitions (no
 * stopping on the CI or max_time, which could differ between them). */
#define IB_ENG_RANK_PAIRS (1U << 13)

/* Metrics an engine produces: IB_MB(IB_M_x) bits, plus bandwidth. */
#define IB_MB(m) (1U << (m))
#define IB_MB_BANDWIDTH (1U << 31) /* bandwidth_bytes_per_s */
#define IB_MB_IOPS (1U << 30)	   /* iops: rep->ios per second of elapsed_ns */
/* With IB_MB_IOPS: rep->ios are packets, the rate is `pps` (unit
 * packets_per_s) instead of iops (net). */
#define IB_MB_PPS (1U << 29)

/*
 * One parameter an engine takes: type, help text and default are the
 * contract parameter's (ib_options[id]); the value lands at `off` in the
 * engine's typed options struct (fio's engine options), an unsigned
 * integer of `size` bytes: 1, 2, 4 or 8 (ENUM: the index in .allowed).
 * size 0 (no field): taken, but used by the runner or the planner for the
 * engine (buffer, placement), not by run().  A suite job key outside this
 * table is refused, naming key and engine.
 *
 * Optional limits of the engine's own, narrowing the contract's (0 / NULL
 * = the contract's): min and max for SIZE, UINT and DURATION parameters,
 * allowed (a comma list, a subset of the contract's) for ENUM ones.  They
 * are checked generically on every point (ib_engine_check: "xfer_size=8k:
 * engine edu takes at most 4095") and shown by `help ENGINE`; validate()
 * is left with the cross-field checks.
 */
struct ib_row_field;

struct ib_engine_opt {
	enum ib_opt_id id;
	size_t off, size;
	uint64_t min, max;
	const char *allowed;
	/*
	 * A parameter of the engine's own (fio's engine options): name, type,
	 * range, default and help declared here, not in core/options.c.  At
	 * start-up the registry gives it an engine-parameter id
	 * (ib_opt_register, IB_O_EPARAM_FIRST on) and writes it into .id, so
	 * a table with such an entry is not const; the engine reads its id
	 * back with ib_opt_find(name).  It is written to rows like any other
	 * parameter (params.<name>).
	 */
	const struct ib_option *param;
	/*
	 * Optional, with .param: the parameter's row-schema entry (struct
	 * ib_row_field, ib_rowschema.h; .off is assigned), registered at
	 * start-up too (ib_row_field_register), so the typed view (ib_row_int),
	 * series keys and CSV see the field as its flags say.
	 */
	const struct ib_row_field *field;
};

/* IB_EOPT(struct, field, IB_O_x[, .max = N, .min = N, .allowed = "a,b"]) */
#define IB_EOPT(type, field, opt_id, ...)                                 \
	{ .id = (opt_id), .off = offsetof(type, field),                   \
	  .size = sizeof(((type *)0)->field), __VA_ARGS__ }

struct ib_engine {
	const char *name;
	const char *help;
	unsigned int flags;   /* IB_ENG_* */
	unsigned int metrics; /* IB_MB() bits of what run() produces: `help
			       * ENGINE` lists them; a point with samples of
			       * any other metric is an error row naming it */
	int module_engine;    /* IOMMUBENCH_ENGINE_* for module engines, else -1 */
	const struct ib_engine_opt *opts; /* the parameters it takes */
	size_t nopts;
	size_t opts_size; /* sizeof its typed options struct */
	/* Engine-specific checks of a complete point; -1 with one line naming
	 * the field(s) in err.  NULL = none. */
	int (*validate)(const struct ib_params *p, char *err, size_t errlen);
	/* NULL when it can run this point here, else "unavailable: reason". */
	const char *(*supported)(const struct ib_point *pt, char *buf, size_t len);
	/*
	 * Engines that drive a PCI device through a kernel driver other than
	 * the module (nvme: its own driver; vfio: vfio-pci).  pci_device()
	 * names the device behind the point (bdf, IB_EXIT_OK) or says why not
	 * (IB_EXIT_SKIPPED, IB_EXIT_USAGE); the runner then sets the point's
	 * iommu_mode on its group (rebinding bind_driver, NULL = the driver it
	 * had) and restores it all afterwards (ledger, signals: iommu_mode.c);
	 * settle(), when set, waits for the device to be usable again after a
	 * rebind.  ctx->device gets the BDF.  NULL = none.
	 */
	int (*pci_device)(const struct ib_point *pt, char *bdf, size_t bdflen,
			  char *why, size_t whylen);
	const char *bind_driver;
	int (*settle)(const struct ib_point *pt, const char *bdf, char *why,
		      size_t whylen);
	/*
	 * Optional: before anything runs or is written (a run of one process,
	 * cli/run_loop.c): nonzero with one line in why when the point names
	 * a device that must not be touched (net: a port with a default
	 * route or an address).  The run stops there, exit 1.
	 */
	int (*refuse)(const struct ib_point *pt, char *why, size_t whylen);
	/* One repetition: IB_EXIT_OK, IB_EXIT_SKIPPED (err = reason),
	 * IB_EXIT_RESOURCE, or IB_EXIT_FAILED. */
	int (*run)(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err,
		   size_t errlen);
};

#define IB_ENGINE_OPTS(table) .opts = (table), .nopts = sizeof(table) / sizeof((table)[0])

const struct ib_engine *ib_engine_find(const char *name);
const struct ib_engine *const *ib_engines(void); /* NULL-terminated */
/* The engine named by a point's `engine` parameter. */
const struct ib_engine *ib_engine_of(const struct ib_params *p);
/* Whether e takes parameter id: its own table, or a runner option
 * (IB_OPT_F_RUNNER: warm-up, repetitions, counters, ...) every engine takes. */
bool ib_engine_takes(const struct ib_engine *e, int id);
/* ib_options[eo->id] narrowed by the engine's own limits in eo. */
void ib_engine_option(const struct ib_engine_opt *eo, struct ib_option *out);
/* `help ENGINE`'s parameter list: the parameters e takes, in option-table
 * order, with e's own limits. */
void ib_engine_print_params(FILE *f, const struct ib_engine *e);
/* The engine's own limits (struct ib_engine_opt min/max/allowed) on a
 * complete point: -1 with "key=value: engine E takes at most N" (at least
 * N, or the allowed values) in err. */
int ib_engine_check(const struct ib_engine *e, const struct ib_params *p,
		    char *err, size_t errlen);
/* A complete point: the core fields' checks (ib_params_check_fields), then
 * op=, device= against the engine's flags, its limits (ib_engine_check) and
 * its validate(); -1 with a message naming the fields on error. */
int ib_params_validate(const struct ib_params *p, char *err, size_t errlen);
/* Fills e's typed options struct (opts_size bytes) from p by offset. */
void ib_engine_opts_load(const struct ib_engine *e, const struct ib_params *p,
			 void *opts);
/* "a, b, c": the names of the metrics in mask (IB_MB() bits, plus
 * IB_MB_BANDWIDTH), in ib_metric_names order, bandwidth last; "" for 0. */
void ib_engine_metric_names(unsigned int mask, char *buf, size_t len);
/* The IB_MB() bits of the metrics that hold samples in m[IB_M_MAX] (plus
 * IB_MB_BANDWIDTH when bw, if given, does). */
unsigned int ib_metrics_present(const struct ib_metric_data *m,
				const struct ib_metric_data *bw);
/* "e1, e2 or e3": the engines with all of flags set. */
void ib_engines_with(unsigned int flags, char *buf, size_t len);

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
