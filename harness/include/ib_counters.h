/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters: one name schema (docs/architecture.md: iotlb_lookup, iotlb_hit,
 * iotlb_miss, ctx_cache_hit, ctx_cache_miss, iommu_invalidations,
 * io_page_faults, iommu_maps, iommu_map_bytes, cpu_cycles, dtlb_misses),
 * several sources: PAPI (counters_papi.c), perf IOMMU PMUs
 * (counters_perf.c), tracefs (counters_tracefs.c) and, host-side after a lab
 * run, QEMU vIOMMU trace events (counters_lab.c).
 */
#ifndef IB_COUNTERS_H
#define IB_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IB_COUNTER_NAME_LEN 32
#define IB_COUNTER_SOURCE_LEN 96
#define IB_COUNTER_REASON_LEN 160
#define IB_COUNTERS_MAX 48

struct ib_counter {
	char name[IB_COUNTER_NAME_LEN];	    /* common name, e.g. "iotlb_miss" */
	char source[IB_COUNTER_SOURCE_LEN]; /* e.g. "perf:dmar0/iotlb_lookup" */
	uint64_t value;
};

struct ib_counter_set {
	int n;
	struct ib_counter c[IB_COUNTERS_MAX];
};

/* A counter that could not be read, for context.counters_unavailable. */
struct ib_counter_unavail {
	char name[IB_COUNTER_SOURCE_LEN]; /* e.g. "papi:PAPI_TLB_DM" */
	char reason[IB_COUNTER_REASON_LEN];
};

struct ib_counter_unavail_list {
	int n;
	struct ib_counter_unavail u[IB_COUNTERS_MAX];
};

struct ib_counters_cfg {
	const char *papi_events; /* comma list, e.g. "PAPI_TOT_CYC,PAPI_TLB_DM"; NULL = default */
	const char *perf_pmus;	 /* comma list of PMU names, NULL = all dmar* / amd_iommu_* */
	int tracefs;		 /* 1 = use iommu:map/unmap/io_page_fault */
	const char *sysfs_root;	 /* "" or NULL = "/"; fixtures set a recorded tree */
	/* comma list of the sources to open (papi, perf, tracefs); NULL or
	 * "" = all (--counter-sources) */
	const char *sources;
};

/*
 * --counters=: which counter sources are live while a point is timed.
 *  auto      sources that cost the timed path nothing stay live; one that
 *            does (tracefs costs every IOMMU map/unmap) counts in a
 *            separate counting pass for engines whose timed path maps
 *            (IB_ENG_TIMES_MAPS), and stays live for the others, where its
 *            events fire only outside the timed samples;
 *  separate  every source counts in the counting pass: timing runs with none;
 *  inline    every source live while timing, one pass (the old behaviour:
 *            timings include the probes' cost; for measuring that cost);
 *  none      no counters at all, no counting pass.
 * The counting pass repeats the timing pass's repetitions (warm-up
 * included) with the same parameters, and its timings are discarded.
 */
enum ib_counters_mode {
	IB_CTRS_AUTO,
	IB_CTRS_SEPARATE,
	IB_CTRS_INLINE,
	IB_CTRS_NONE,
	IB_CTRS_MODES
};
extern const char *const ib_counters_mode_names[IB_CTRS_MODES];
/* 0 when every name of the comma list s is a source ("papi", "perf",
 * "tracefs"), else -1 with the first bad name in bad. */
int ib_counters_sources_check(const char *s, char *bad, size_t badlen);
/* "papi, perf or tracefs" */
const char *ib_counters_source_list(void);

/* Bit masks of a session's sources (bit i: the i-th source). */
struct ib_counters_split {
	unsigned int timing;   /* live while timing */
	unsigned int counting; /* counted in a separate pass */
};

struct ib_counters; /* opaque session */

/* Opens every available source; whatever cannot be opened is appended to
 * *unavail with its reason. Never fails: returns a session (possibly with no
 * sources). */
struct ib_counters *ib_counters_open(const struct ib_counters_cfg *cfg,
				     struct ib_counter_unavail_list *unavail);
int ib_counters_start(struct ib_counters *ctr);
/* Appends the deltas since start to *out (common names). */
int ib_counters_stop(struct ib_counters *ctr, struct ib_counter_set *out);
void ib_counters_close(struct ib_counters *ctr);

/* The opened sources split by mode, for an engine whose timed path does
 * (times_maps) or does not map. */
struct ib_counters_split ib_counters_plan(const struct ib_counters *ctr,
					  enum ib_counters_mode mode,
					  bool times_maps);
/* start/stop of the sources in mask only. */
int ib_counters_start_set(struct ib_counters *ctr, unsigned int mask);
int ib_counters_stop_set(struct ib_counters *ctr, unsigned int mask,
			 struct ib_counter_set *out);
/* The names of the sources in mask, appended to the JSON array arr. */
struct json_t;
void ib_counters_names_json(const struct ib_counters *ctr, unsigned int mask,
			    struct json_t *arr);

/* For signal handlers: removes this process's private tracefs instance
 * now (rmdir; async-signal-safe).  The counts of a point it cuts are
 * dropped; close and the ledger record are settled on the exit path, or
 * by `iommubench restore` if the process dies first. */
void ib_counters_restore_signal(void);

/* Helpers shared by sources. */
void ib_counter_set_add(struct ib_counter_set *set, const char *name,
			const char *source, uint64_t value);
void ib_unavail_add(struct ib_counter_unavail_list *l, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The rows of a loaded results.json that lab-merge attributes counts to:
 * row[k] the row objects, name[k] their names (NULL: none), ctx the
 * context object (counters_unavailable and counter_attribution land there). */
struct ib_lab_rows {
	struct json_t *ctx;
	struct json_t **row;
	const char **name;
	size_t n;
};

/*
 * The lab's vIOMMU counters (QEMU trace + marks.tsv of RUNDIR; trace and
 * marks NULL: RUNDIR's trace (ib_lab_trace_path), RUNDIR/marks.tsv; a
 * trace may be zstd-compressed) merged into R's rows
 * (rpath names the results file in messages).  Returns the rows merged, or
 * -1 after a one-line message (counters_lab.c; output/lab_merge.c loads
 * and writes the results file around it).
 */
int ib_lab_count_merge(const struct ib_lab_rows *R, const char *dir, const char *trace,
		       const char *marks, const char *rpath);

/* A lab run's QEMU trace, as QEMU wrote it and as lab-merge keeps it once
 * counted (compressed: output/lab_trace_zst.c). */
#define IB_LAB_TRACE "qemu-trace.log"
#define IB_LAB_TRACE_ZST "qemu-trace.log.zst"
/* RUNDIR's trace into buf: qemu-trace.log, else (when only that exists)
 * qemu-trace.log.zst; returns buf.  lab-merge reads either. */
const char *ib_lab_trace_path(const char *dir, char *buf, size_t len);

#endif
