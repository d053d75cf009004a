/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the run commands (harness/src/cli/run.c, run_loop.c,
 * rerun.c): the run's configuration from the command line and what the
 * files call in each other.
 */
#ifndef IB_RUN_INT_H
#define IB_RUN_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "ib_counters.h"
#include "ib_plan.h"
#include "ib_topology.h"

struct run_cfg {
	const char *results_dir;
	const char *run_id;
	bool run_id_claimed; /* --claimed-run-id: the caller made the directory */
	const char *platform;
	const char *lab_ctl;
	bool dry_run;
	const char *papi_events;     /* papi_events= */
	const char *counter_sources; /* counter_sources= */
	const char *counters_mode;   /* counters= of [global] or the command line */
	bool no_refine;		     /* --no-refine: no reach refinement */
	bool host_capable;	     /* --host-capable: which rows the host can run */
};

/* run_refine.c: what the reach refinement runs points with, and the
 * outcomes of those it added (the run loop's tallies). */
struct refine_ctx {
	struct ib_plan *plan;
	const struct ib_topo *topo;
	struct ib_counters *ctr;
	json_t *doc;
	int nok, nskip, nres, nerr;
};

/* After the job of plan points first..last (its rows from results index
 * row0 on): its knees refined (file comment); the points added. */
int run_refine_job(struct refine_ctx *rc, int first, int last, size_t row0);

/* run.c: one option run and rerun share (--results-dir, --run-id,
 * --claimed-run-id, --platform, --lab-ctl): 1 when key was one of them. */
int run_common_opt(struct run_cfg *cfg, const char *key, const char *val);
/* The shared options checked: IB_EXIT_OK, or IB_EXIT_USAGE after a message. */
int run_check_cfg(const struct run_cfg *cfg);
/* The topology ($IOMMUBENCH_TOPOLOGY_XML or hwloc) and the module's devices. */
int run_load_topology(struct ib_topo *topo);

/* run_hostcap.c: --host-capable's lines; IB_EXIT_OK when the host can run
 * a device row of the plan, IB_EXIT_SKIPPED when not. */
int run_host_capable(const struct ib_plan *plan);

/* run_loop.c: the plan run (or, with dry_run, listed); the exit code. */
int run_plan(const struct run_cfg *cfg, struct ib_plan *plan, const char *suite,
	     const struct ib_topo *topo, int argc, char **argv);

#endif
