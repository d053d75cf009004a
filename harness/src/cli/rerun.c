// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench rerun`: a results file's rows back into jobs (a multi-rank
 * point as one job, without what its ranks chose each), expanded and run
 * through run_loop.c's run_plan().
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
#include "run_int.h"

/* A job reproducing one row's parameters exactly: the keys its engine
 * takes in the job, the others (recorded values it ignored) in [global]. */
static int job_from_row(json_t *row, struct ib_job *j, struct ib_job *global,
			char *err, size_t errlen)
{
	json_t *params = json_object_get(row, "params");
	const struct ib_engine *e;
	int id;

	memset(j, 0, sizeof(*j));
	memset(global, 0, sizeof(*global));
	snprintf(j->name, sizeof(j->name), "%s",
		 json_string_value(json_object_get(row, "bench")) ?:
			 json_string_value(json_object_get(row, "engine")));
	e = ib_engine_find(json_string_value(json_object_get(params, "engine")));
	for (id = 0; id < IB_O_MAX; id++) {
		json_t *v;
		char val[IB_LIST_VAL_LEN];

		if (!ib_opt_used(id))
			continue; /* an unused engine-parameter slot */
		v = json_object_get(params, ib_options[id].name);
		/* an engine that resolved its device itself (nvme: the BDF of
		 * /dev/nvme0n1) recorded what was asked: ask for that again */
		if (id == IB_O_DEVICE && json_is_string(json_object_get(params, "device_requested")))
			v = json_object_get(params, "device_requested");
		if (!v || json_is_null(v))
			continue;
		if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else
			continue;
		if (ib_job_set(e && !ib_engine_takes(e, id) ? global : j,
			       ib_options[id].name, val, "results.json", 0, err, errlen))
			return -1;
	}
	return 0;
}

/* Where name's trailing "/rank:<digits>" begins, or NULL. */
static const char *strrstr_rank(const char *name)
{
	const char *r = strrchr(name, '/');

	if (!r || strncmp(r, "/rank:", 6) || !r[6] || strspn(r + 6, "0123456789") != strlen(r + 6))
		return NULL;
	return r;
}

/* A row of a multi-rank run (params.rank): its name without the trailing
 * "/rank:<N>" into base; false for a row of one process. */
static bool rank_row_base(json_t *row, const char *name, char *base, size_t len)
{
	const char *r;

	if (!json_is_integer(json_object_get(json_object_get(row, "params"), "rank")))
		return false;
	r = strrstr_rank(name);
	snprintf(base, len, "%.*s", (int)(r ? (size_t)(r - name) : strlen(name)), name);
	return true;
}

/*
 * The one job a point of a multi-rank run reruns as: the lowest rank's row
 * with every parameter the ranks' rows of that point disagree on left out
 * (device, nodes: each rank chose its own, so each chooses again), named
 * without the rank.  NULL when an earlier row of the point was taken.
 */
static json_t *rank_point_row(json_t *rows, size_t at, const char *base)
{
	json_t *row = json_array_get(rows, at), *out, *params, *o, *v;
	char b[sizeof(((struct ib_point *)0)->name)];
	const char *key;
	size_t i;
	void *tmp;

	for (i = 0; i < at; i++) {
		o = json_array_get(rows, i);
		if (rank_row_base(o, json_string_value(json_object_get(o, "name")) ?: "", b,
				  sizeof(b)) &&
		    !strcmp(b, base))
			return NULL;
	}
	out = json_deep_copy(row);
	params = json_object_get(out, "params");
	json_array_foreach(rows, i, o) {
		if (i == at || !rank_row_base(o, json_string_value(json_object_get(o, "name")) ?: "",
					      b, sizeof(b)) ||
		    strcmp(b, base))
			continue;
		json_object_foreach_safe(params, tmp, key, v) {
			if (!json_equal(v, json_object_get(json_object_get(o, "params"), key)))
				json_object_del(params, key);
		}
	}
	return out;
}

int cmd_rerun(int argc, char **argv)
{
	struct run_cfg cfg = { .results_dir = "results", .platform = "host" };
	static struct ib_suite suite;
	const char *file = NULL, *only_row = NULL, *sname;
	struct ib_topo topo;
	struct ib_plan plan = { 0 }, one;
	char err[1200], base[sizeof(one.pts[0].name)], only_base[sizeof(base)];
	json_t *doc, *row, *rows, *merged = NULL;
	size_t i;
	int k, rc, nranked = 0;

	for (k = 1; k < argc; k++) {
		if (!strncmp(argv[k], "--", 2)) {
			if (k + 1 >= argc) {
				fprintf(stderr, "iommubench: rerun: %s: missing value\n", argv[k]);
				return IB_EXIT_USAGE;
			}
			if (!strcmp(argv[k], "--row"))
				only_row = argv[++k];
			else if (!run_common_opt(&cfg, argv[k] + 2, argv[k + 1])) {
				fprintf(stderr,
					"iommubench: rerun: %s: unknown option; expected --row, --results-dir, --run-id, --claimed-run-id, --platform or --lab-ctl\n",
					argv[k]);
				return IB_EXIT_USAGE;
			} else
				k++;
		} else if (!file) {
			file = argv[k];
		} else {
			fprintf(stderr, "iommubench: rerun: %s: unexpected argument\n", argv[k]);
			return IB_EXIT_USAGE;
		}
	}
	if (!file) {
		fprintf(stderr, "iommubench: rerun: usage: iommubench rerun results.json [--row NAME]\n");
		return IB_EXIT_USAGE;
	}
	if ((rc = run_check_cfg(&cfg)))
		return rc;
	doc = ib_results_load(file, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: rerun: %s\n", err);
		return IB_EXIT_USAGE;
	}
	sname = json_string_value(json_object_get(json_object_get(doc, "context"), "suite"));
	/* a results file can come from anyone: its suite names a directory */
	if (sname && ib_name_check("context.suite", sname, err, sizeof(err))) {
		fprintf(stderr, "iommubench: rerun: %s: %s\n", file, err);
		json_decref(doc);
		return IB_EXIT_USAGE;
	}
	if (sname && strlen(sname) >= sizeof(suite.name)) {
		fprintf(stderr, "iommubench: rerun: %s: context.suite: %zu characters; expected at most %zu\n",
			file, strlen(sname), sizeof(suite.name) - 1);
		json_decref(doc);
		return IB_EXIT_USAGE;
	}
	memset(&suite, 0, sizeof(suite));
	snprintf(suite.name, sizeof(suite.name), "%s", sname ? sname : "rerun");
	snprintf(suite.file, sizeof(suite.file), "%s", file);
	/* mpirun -np N: N ranks, as run (ib_ranks.h); otherwise nothing changes */
	if ((rc = ib_ranks_init())) {
		json_decref(doc);
		return rc;
	}
	if ((rc = run_load_topology(&topo))) {
		json_decref(doc);
		ib_ranks_finalize();
		return rc;
	}
	ib_ranks_pick_device(&topo);
	rows = json_object_get(doc, "results");
	/* --row NAME/rank:N: that point of the multi-rank run, all its ranks */
	if (only_row && strrstr_rank(only_row)) {
		snprintf(only_base, sizeof(only_base), "%.*s",
			 (int)(strrstr_rank(only_row) - only_row), only_row);
		only_row = only_base;
	}
	json_array_foreach(rows, i, row) {
		const char *name = json_string_value(json_object_get(row, "name")) ?: "";
		json_t *rt = json_object_get(row, "run_type");
		bool ranked = rank_row_base(row, name, base, sizeof(base));

		/* --row: a row's name, or a multi-rank point's name without /rank */
		if (only_row && strcmp(only_row, name) && !(ranked && !strcmp(only_row, base)))
			continue;
		if (rt && !strcmp(json_string_value(rt) ?: "", "derived"))
			continue;
		/* a multi-rank run: one job per point, named without the rank
		 * (the ranks of this rerun, if any, add their own) */
		json_decref(merged);
		merged = NULL;
		if (ranked) {
			merged = rank_point_row(rows, i, base);
			if (!merged)
				continue;
			nranked++;
			row = merged;
			name = base;
		}
		suite.njobs = 1;
		if (job_from_row(row, &suite.jobs[0], &suite.global, err, sizeof(err)) ||
		    ib_plan_expand(&suite, NULL, NULL, &topo, false, &one, err, sizeof(err))) {
			fprintf(stderr, "iommubench: rerun: row %s: %s\n", name, err);
			rc = IB_EXIT_USAGE;
			goto out;
		}
		for (k = 0; k < one.n; k++) {
			snprintf(one.pts[k].name, sizeof(one.pts[k].name), "%s", name);
			if (plan.n == plan.cap) {
				plan.cap = plan.cap ? plan.cap * 2 : 64;
				plan.pts = realloc(plan.pts, (size_t)plan.cap * sizeof(*plan.pts));
				if (!plan.pts) {
					rc = IB_EXIT_FAILED;
					goto out;
				}
			}
			plan.pts[plan.n++] = one.pts[k];
		}
		ib_plan_free(&one);
	}
	if (only_row && !plan.n) {
		fprintf(stderr, "iommubench: rerun: --row %s: no such row in %s\n", only_row, file);
		rc = IB_EXIT_USAGE;
		goto out;
	}
	if (nranked && !ib_ranks.multi)
		fprintf(stderr,
			"iommubench: rerun: %s: rows of %lld ranks; rerunning each of its %d point(s) once in this process (under mpirun -np N, rerun runs them as N ranks)\n",
			file,
			(long long)json_integer_value(json_object_get(json_object_get(doc, "context"),
								      "rank_count")),
			nranked);
	rc = run_plan(&cfg, &plan, suite.name, &topo, argc, argv);
out:
	json_decref(merged);
	ib_plan_free(&plan);
	ib_topo_free(&topo);
	json_decref(doc);
	ib_ranks_finalize();
	return rc;
}
