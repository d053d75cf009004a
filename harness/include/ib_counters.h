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

/* Helpers shared by sources. */
void ib_counter_set_add(struct ib_counter_set *set, const char *name,
			const char *source, uint64_t value);
void ib_unavail_add(struct ib_counter_unavail_list *l, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The lab's vIOMMU counters (QEMU trace + marks.tsv of RUNDIR; trace and
 * marks NULL: RUNDIR/qemu-trace.log, RUNDIR/marks.tsv) merged into doc, a
 * loaded results.json (rpath names it in messages).  Returns the rows
 * merged, or -1 after a one-line message (counters_lab.c).
 */
struct json_t;
int ib_lab_merge(struct json_t *doc, const char *dir, const char *trace,
		 const char *marks, const char *rpath);

#endif
