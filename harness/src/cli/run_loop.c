// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop over the plan (run and rerun): claim the run directory,
 * write the context, open the counters, one ib_point_run() per point
 * (core/point.c: placement, IOMMU mode, buffer, repetitions, the row),
 * results.json/.csv rewritten after every row so an interrupted run keeps
 * its finished rows, the console table and the exit code.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_console.h"
#include "ib_counters.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_lab_ctl.h"
#include "ib_module.h"
#include "ib_plan.h"
#include "ib_point.h"
#include "ib_ranks.h"
#include "ib_results.h"
#include "ib_run.h"
#include "ib_run_ranks.h"
#include "ib_sysinfo.h"
#include "ib_visibility.h"
#include "run_int.h"

/*
 * Claims results_dir/suite/<run-id> for this run (see ib_run_dir_claim):
 * the id and directory in run_id and dir, the suite directory in suite_dir.
 * 0, or the exit code after a one-line message.
 */
static int claim_run_dir(const struct run_cfg *cfg, const char *suite,
			 char *suite_dir, size_t sdlen, char *dir, size_t dlen,
			 char *run_id, size_t idlen)
{
	char want[IB_NAME_MAX + 1], host[256] = "", err[2 * PATH_MAX + 64];
	struct stat st;
	int rc;

	if (cfg->run_id) {
		snprintf(want, sizeof(want), "%s", cfg->run_id); /* checked: <= IB_NAME_MAX */
	} else {
		gethostname(host, sizeof(host) - 1);
		ib_run_id(want, sizeof(want), host, time(NULL));
	}
	if (ib_pathf(suite_dir, sdlen, "%s/%s", cfg->results_dir, suite) ||
	    ib_mkdir_p(suite_dir)) {
		fprintf(stderr, "iommubench: --results-dir: cannot create %s/%s: %s\n",
			cfg->results_dir, suite, strerror(errno));
		return IB_EXIT_RESOURCE;
	}
	/* suite is one validated name, but <dir>/<suite> may be a symlink */
	if (ib_results_confined(cfg->results_dir, suite_dir, err, sizeof(err))) {
		fprintf(stderr, "iommubench: --results-dir %s: %s\n", cfg->results_dir, err);
		return IB_EXIT_USAGE;
	}
	if (cfg->run_id_claimed) {
		/* made (mkdir, atomically) by the caller, e.g. scripts/run.sh */
		if (ib_pathf(run_id, idlen, "%s", want) ||
		    ib_pathf(dir, dlen, "%s/%s", suite_dir, want) ||
		    (mkdir(dir, 0755) && errno != EEXIST)) {
			fprintf(stderr, "iommubench: --results-dir: cannot create %s/%s: %s\n",
				suite_dir, want, strerror(errno));
			return IB_EXIT_RESOURCE;
		}
		if (lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "iommubench: --claimed-run-id=%s: %s is not a directory\n",
				want, dir);
			return IB_EXIT_USAGE;
		}
		if (ib_pathf(err, sizeof(err), "%s/results.json", dir) || !lstat(err, &st)) {
			fprintf(stderr, "iommubench: --claimed-run-id=%s: %s already holds a run\n",
				want, dir);
			return IB_EXIT_USAGE;
		}
		return IB_EXIT_OK;
	}
	rc = ib_run_dir_claim(suite_dir, want, cfg->run_id, dir, dlen, run_id, idlen);
	if (rc == 1) {
		fprintf(stderr,
			"iommubench: --run-id=%s: %s/%s already exists; give a new id, or none for an automatic one\n",
			want, suite_dir, want);
		return IB_EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "iommubench: --results-dir: cannot create %s/%s: %s\n",
			suite_dir, want, strerror(errno));
		return IB_EXIT_RESOURCE;
	}
	return IB_EXIT_OK;
}

/*
 * The run's counters: nothing opened when no point wants any.  Several
 * ranks on one host: only local rank 0 opens the system-wide sources
 * (tracefs, perf); the others count with papi (per thread) alone.
 * context.counter_sources, counters_mode and counters_unavailable go into
 * ctx.
 */
static struct ib_counters *open_counters(const struct run_cfg *cfg,
					 const struct ib_plan *plan, json_t *ctx)
{
	struct ib_counter_unavail_list unavail = { 0 };
	struct ib_counters_cfg ccfg = { .papi_events = cfg->papi_events, .tracefs = 1,
					.sources = cfg->counter_sources };
	struct ib_counters *ctr = NULL;
	json_t *ua, *opened = json_array();
	int i;

	if (ib_ranks.multi && ib_ranks.local_rank != 0) {
		ccfg.sources = "papi";
		ccfg.tracefs = 0;
		ib_unavail_add(&unavail, "tracefs+perf",
			       "system-wide: opened by local rank 0 only (its counts include every rank on the host)");
	}
	/* no point wants counters: open nothing (tracefs stays untouched) */
	for (i = 0; i < plan->n; i++)
		if (plan->pts[i].p.u[IB_O_COUNTERS] != IB_CTRS_NONE)
			break;
	if (i < plan->n)
		ctr = ib_counters_open(&ccfg, &unavail);
	else
		ib_unavail_add(&unavail, "counters", "counters=none");
	ib_counters_names_json(ctr, ~0U, opened);
	json_object_set_new(ctx, "counter_sources", opened);
	json_object_set_new(ctx, "counters_mode", json_string(cfg->counters_mode ?: "auto"));
	ua = json_array();
	for (i = 0; i < unavail.n; i++) {
		json_t *u = json_object();

		json_object_set_new(u, "name", json_string(unavail.u[i].name));
		json_object_set_new(u, "reason", json_string(unavail.u[i].reason));
		json_array_append_new(ua, u);
	}
	json_object_set_new(ctx, "counters_unavailable", ua);
	return ctr;
}

/* A rank other than 0: its context to rank 0, then every point's steps;
 * rank 0 keeps the rows.  0, or 2 when rank 0 went away. */
static int follow_plan(const struct run_cfg *cfg, struct ib_plan *plan,
		       const char *suite, const struct ib_topo *topo, int argc,
		       char **argv)
{
	json_t *ctx = ib_sysinfo_context(cfg->platform, suite, "", argc, argv, topo);
	struct ib_counters *ctr = open_counters(cfg, plan, ctx);
	char brief[1024];
	int i, rc = ib_rankrun_hello(ctx, topo, plan->n);

	json_decref(ctx);
	for (i = 0; !rc && i < plan->n && !ib_interrupted && !ib_rankrun_failed(0); i++)
		ib_rankrun_point(&plan->pts[i], topo, ctr, NULL, brief, sizeof(brief));
	if (ctr)
		ib_counters_close(ctr);
	if (rc > 0)
		return IB_EXIT_USAGE; /* rank 0 said why */
	if (rc < 0 || ib_rankrun_failed(0)) {
		fprintf(stderr, "iommubench: rank %d: rank 0 went away; stopping\n", ib_ranks.rank);
		return IB_EXIT_FAILED;
	}
	return ib_interrupted ? IB_EXIT_FAILED : IB_EXIT_OK;
}

/* Whether points first..last sweep the window (two values or more): only
 * such a job can have a knee to refine. */
static bool window_sweep(const struct ib_plan *plan, int first, int last)
{
	int i;

	for (i = first + 1; i <= last; i++)
		if (plan->pts[i].p.u[IB_O_WINDOW] != plan->pts[first].p.u[IB_O_WINDOW])
			return true;
	return false;
}

/* --dry-run: the plan's points and their placement, nothing run. */
static int list_plan(const struct ib_plan *plan)
{
	int i;

	for (i = 0; i < plan->n; i++) {
		const struct ib_point *pt = &plan->pts[i];

		printf("%s\tcpu_node=%d mem_node=%d dev_node=%d device=%s distance=%u%s%s\n",
		       pt->name, pt->cpu_node, pt->mem_node, pt->dev_node,
		       pt->device[0] ? pt->device : "-", pt->numa_distance,
		       pt->skip[0] ? "\tskip: " : "", pt->skip);
	}
	printf("%d points\n", plan->n);
	return IB_EXIT_OK;
}

/* Rows from a test double: their figures are a model's, say so. */
static void print_simulated(json_t *doc)
{
	const char *what;
	int nsim = ib_results_simulated(doc, &what);

	if (nsim)
		printf("SIMULATED: %d row(s) ran on a %s; their figures are not measurements\n",
		       nsim, what);
}

/* A point that would touch what must not be touched (ib_engine.refuse):
 * refused before the run directory exists.  Ranks refuse per row instead
 * (one rank leaving early would stall the others). */
static int refuse_plan(const struct ib_plan *plan)
{
	char why[640], buf[256];
	int i;

	for (i = 0; i < plan->n && !ib_ranks.multi; i++) {
		const struct ib_point *pt = &plan->pts[i];
		const struct ib_engine *e = ib_engine_of(&pt->p);

		if (!e || !e->refuse || pt->skip[0] || (e->supported && e->supported(pt, buf, sizeof(buf))))
			continue;
		if (e->refuse(pt, why, sizeof(why))) {
			fprintf(stderr, "iommubench: %s\n", why);
			return IB_EXIT_USAGE;
		}
	}
	return IB_EXIT_OK;
}

int run_plan(const struct run_cfg *cfg, struct ib_plan *plan,
	     const char *suite, const struct ib_topo *topo, int argc,
	     char **argv)
{
	char dir[PATH_MAX], suite_dir[PATH_MAX], run_id[IB_NAME_MAX + 16];
	char failed[PATH_MAX + 16] = ""; /* a file in dir, or suite_dir/latest */
	struct ib_counters *ctr = NULL;
	json_t *ctx, *doc = NULL;
	int i, nok = 0, nskip = 0, nres = 0, nerr = 0, rc, werr = 0, job_first = 0;
	size_t job_row0 = 0;
	uint64_t t0 = ib_now_ns();
	bool worker = ib_ranks.multi && ib_ranks.rank != 0;

	ib_visibility_platform(cfg->platform); /* qemu-lab: a VM (iommu_visibility) */
	if (cfg->dry_run)
		return list_plan(plan);
	if ((rc = refuse_plan(plan)))
		return rc;
	if (worker) /* rank 0 writes the one run directory */
		return follow_plan(cfg, plan, suite, topo, argc, argv);
	rc = claim_run_dir(cfg, suite, suite_dir, sizeof(suite_dir), dir, sizeof(dir),
			   run_id, sizeof(run_id));
	if (rc)
		return rc;
	if (cfg->lab_ctl) {
		if (ib_lab_open(cfg->lab_ctl)) {
			fprintf(stderr, "iommubench: --lab-ctl %s: %s\n", cfg->lab_ctl,
				strerror(errno));
			return IB_EXIT_RESOURCE;
		}
	}
	ctx = ib_sysinfo_context(cfg->platform, suite, run_id, argc, argv, topo);
	ib_sysinfo_capture(dir, topo);
	ctr = open_counters(cfg, plan, ctx);
	if (ib_ranks.multi && ib_rankrun_contexts(ctx, topo, plan->n)) {
		if (ctr)
			ib_counters_close(ctr);
		ib_lab_close();
		json_decref(ctx);
		return IB_EXIT_USAGE;
	}
	doc = ib_results_new(ctx);
	/* nothing is measured unless its results can be kept */
	if (ib_results_write_at(dir, doc, false, failed, sizeof(failed))) {
		werr = errno;
		goto out;
	}

	for (i = 0; i < plan->n && !ib_interrupted; i++) {
		const struct ib_point *pt = &plan->pts[i];
		json_t *row = json_object();
		char brief[1024]; /* brief holds a row's whole reason */
		uint64_t lab_ns;
		double per;

		if (i == 0 || strcmp(pt->job, plan->pts[i - 1].job)) {
			job_first = i;
			job_row0 = json_array_size(json_object_get(doc, "results"));
		}
		if (ib_ranks.multi) {
			/* every rank's rows of the point (gathered by rank 0) */
			json_t *rows = json_array(), *r;
			size_t k;

			json_decref(row);
			ib_rankrun_point(pt, topo, ctr, rows, brief, sizeof(brief));
			json_array_foreach(rows, k, r) {
				const char *st = json_string_value(json_object_get(r, "status")) ?: "";

				nok += !strcmp(st, "ok");
				nskip += !strcmp(st, "skipped");
				nerr += !strcmp(st, "error");
				if (!k)
					row = r;
			}
			json_array_extend(json_object_get(doc, "results"), rows);
			json_decref(rows);
		} else {
			rc = ib_point_run(pt, topo, ctr, row, brief, sizeof(brief));
			/* the device it used, described once (context.devices) */
			ib_sysinfo_add_device(json_object_get(doc, "context"), row);
			json_array_append_new(json_object_get(doc, "results"), row);
			nok += rc == IB_POINT_OK;
			nskip += rc == IB_POINT_SKIPPED;
			nres += rc == IB_POINT_SKIPPED_RESOURCE;
			nerr += rc == IB_POINT_ERROR;
		}
		if (ib_lab_host_elapsed(&lab_ns))
			per = (double)lab_ns / 1e9 / (i + 1);
		else
			per = (double)(ib_now_ns() - t0) / 1e9 / (i + 1);
		/* lab rows: emulated timings marked, flat ones not shown */
		ib_console_brief(json_object_get(doc, "context"), row, brief, sizeof(brief));
		ib_console_progress(i + 1, plan->n, pt->name,
				    json_string_value(json_object_get(row, "status")),
				    brief, per);
		/* the job's last point: its knees refined (run_refine.c) */
		if (!cfg->no_refine && !ib_ranks.multi &&
		    (i + 1 == plan->n || strcmp(pt->job, plan->pts[i + 1].job)) &&
		    window_sweep(plan, job_first, i)) {
			struct refine_ctx rc = { .plan = plan, .topo = topo, .ctr = ctr, .doc = doc };

			run_refine_job(&rc, job_first, i, job_row0);
			nok += rc.nok;
			nskip += rc.nskip;
			nres += rc.nres;
			nerr += rc.nerr;
		}
		/* a run whose rows cannot be written stops at once */
		if (i + 1 < plan->n &&
		    ib_results_write_at(dir, doc, false, failed, sizeof(failed))) {
			werr = errno;
			goto out;
		}
	}
	ib_point_release(); /* the last point's buffer, kept for a next one */
	if (ib_results_write_at(dir, doc, !ib_interrupted, failed, sizeof(failed))) {
		werr = errno;
		goto out;
	}
	if (ib_results_link_latest(suite_dir, run_id)) {
		werr = errno;
		snprintf(failed, sizeof(failed), "%s/latest", suite_dir);
		goto out;
	}
out:
	if (ctr)
		ib_counters_close(ctr);
	ib_lab_close();
	if (werr) {
		/* never "ok": the rows measured are not all on disk */
		fprintf(stderr, "iommubench: writing %s: %s\n", failed, strerror(werr));
		json_decref(doc);
		return IB_EXIT_RESOURCE;
	}
	ib_console_table(doc);
	printf("%s: %d ok, %d skipped, %d errors%s; results in %s\n", suite, nok,
	       nskip + nres, nerr, ib_interrupted ? " (interrupted)" : "", dir);
	print_simulated(doc);
	json_decref(doc);
	if (ib_interrupted)
		return IB_EXIT_FAILED;
	if (nerr)
		return IB_EXIT_FAILED;
	if (nok || !plan->n)
		return IB_EXIT_OK;
	return nres ? IB_EXIT_RESOURCE : IB_EXIT_SKIPPED;
}
