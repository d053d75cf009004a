/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plan: a suite (+ CLI overrides) expanded into concrete points, with
 * NUMA placement resolved on the topology (cpu/mem/dev node triples) and
 * the device picked.
 */
#ifndef IB_PLAN_H
#define IB_PLAN_H

#include "ib_options.h"
#include "ib_suite.h"
#include "ib_topology.h"

#define IB_NAME_LEN 512

struct ib_point {
	char name[IB_NAME_LEN]; /* job/param:value/... */
	char job[64];
	struct ib_params p;
	int cpu_node, mem_node, dev_node; /* resolved; dev_node -1 = none */
	char device[32];		   /* resolved BDF, "" = none */
	unsigned int numa_distance;	   /* mem<->dev, or cpu<->mem */
	unsigned int dist_cpu_mem, dist_dev_mem;
	char skip[1024];			   /* placement could not be satisfied */
	bool refined; /* added by the reach refinement (cli/run_refine.c) */
};

struct ib_plan {
	int n, cap;
	struct ib_point *pts;
};

/*
 * Expands every job of s (only the job called `only` when not NULL) with the
 * overrides in `cli` (a job whose set keys apply to all jobs; may be NULL).
 * adhoc = name rows after every given parameter.  -1 with a message.
 */
int ib_plan_expand(const struct ib_suite *s, const struct ib_job *cli,
		   const char *only, const struct ib_topo *t, bool adhoc,
		   struct ib_plan *plan, char *err, size_t errlen);
void ib_plan_free(struct ib_plan *plan);

/* Whether an engine needs a device (map, edu). */
bool ib_engine_uses_device(const char *engine);

#endif
