/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interface between counters.c (the session) and the counter
 * sources (counters_papi.c, counters_perf.c, counters_tracefs.c), plus the
 * parsers the unit tests exercise on recorded sysfs trees and trace text.
 */
#ifndef IB_COUNTERS_SOURCES_H
#define IB_COUNTERS_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "ib_counters.h"

/* What a live source costs the timed path (struct ib_counter_source.costs). */
#define IB_CTR_COSTS_MAPS (1U << 0) /* time on every IOMMU map and unmap */

struct ib_counter_source {
	const char *name; /* "papi", "perf", "tracefs" */
	unsigned int costs; /* IB_CTR_COSTS_*; 0: reads at start/stop only */
	/* NULL when nothing could be opened (reasons appended to *u). */
	void *(*open)(const struct ib_counters_cfg *cfg,
		      struct ib_counter_unavail_list *u);
	int (*start)(void *priv);
	int (*stop)(void *priv, struct ib_counter_set *out);
	void (*close)(void *priv);
};

extern const struct ib_counter_source ib_counters_papi;
extern const struct ib_counter_source ib_counters_perf;
extern const struct ib_counter_source ib_counters_tracefs;

/* ---- perf PMU sysfs parsing (counters_perf.c) ---- */
#define IB_PMU_NAME_LEN 64
#define IB_PMU_MAX_FORMATS 32
#define IB_PMU_MAX_EVENTS 64

struct ib_pmu_format {
	char name[48];
	int field;	/* 0 = config, 1 = config1, 2 = config2 */
	uint64_t mask;	/* bits of that field, e.g. config:0-7 -> 0xff */
};

struct ib_pmu_event {
	char name[64];
	char terms[160]; /* the events/ file, e.g. "event_group=0x3,event=0x001" */
};

struct ib_pmu {
	char name[IB_PMU_NAME_LEN];
	int type;
	int cpu; /* first CPU of cpumask, 0 when absent */
	int nformats, nevents;
	struct ib_pmu_format fmt[IB_PMU_MAX_FORMATS];
	struct ib_pmu_event ev[IB_PMU_MAX_EVENTS];
};

/* "config:0-7", "config1:16-31", "config:0-3,8-11", "config2:5". */
int ib_pmu_parse_format(const char *s, int *field, uint64_t *mask);
/* Reads <dir>/type, cpumask, format/ and events/.  0, or -1 with err. */
int ib_pmu_load(const char *dir, const char *name, struct ib_pmu *pmu,
		char *err, size_t errlen);
/* Encodes an event term string into attr.config/config1/config2, the way
 * perf does (each value's bits scattered into the format's mask). */
int ib_pmu_encode(const struct ib_pmu *pmu, const char *terms,
		  uint64_t cfg[3], char *err, size_t errlen);
const struct ib_pmu_event *ib_pmu_event(const struct ib_pmu *pmu,
					const char *name);

/* ---- tracefs iommu events (counters_tracefs.c) ---- */
#define IB_TRACE_PGSIZE_BUCKETS 4 /* 4K, 2M, 1G, other */

struct ib_trace_counts {
	uint64_t maps, map_bytes, unmaps, unmap_bytes, faults;
	/* map events by size: exactly 4 KiB, 2 MiB, 1 GiB, anything else */
	uint64_t map_by_size[IB_TRACE_PGSIZE_BUCKETS];
};

/* Accounts one line of trace/trace_pipe text; returns 1 if it was an
 * iommu event, 0 otherwise. */
int ib_trace_parse_line(const char *line, struct ib_trace_counts *c);

#endif
