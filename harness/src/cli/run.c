// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench run` and `iommubench rerun`: the command line (arguments,
 * suite lookup and listing, a rerun's rows back into jobs), then the run
 * loop over the plan: claim the run directory, write the context, open the
 * counters, one ib_point_run() per point (core/point.c: placement, IOMMU
 * mode, buffer, repetitions, the row), results.json/.csv rewritten after
 * every row so an interrupted run keeps its finished rows, the console
 * table and the exit code.
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
};

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

static int run_plan(const struct run_cfg *cfg, struct ib_plan *plan,
		    const char *suite, const struct ib_topo *topo, int argc,
		    char **argv)
{
	char dir[PATH_MAX], suite_dir[PATH_MAX], run_id[IB_NAME_MAX + 16];
	char failed[PATH_MAX + 16] = ""; /* a file in dir, or suite_dir/latest */
	struct ib_counters *ctr = NULL;
	json_t *ctx, *doc = NULL;
	int i, nok = 0, nskip = 0, nres = 0, nerr = 0, rc, werr = 0;
	uint64_t t0 = ib_now_ns();
	bool worker = ib_ranks.multi && ib_ranks.rank != 0;

	if (cfg->dry_run) {
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
		ib_console_progress(i + 1, plan->n, pt->name,
				    json_string_value(json_object_get(row, "status")),
				    brief, per);
		/* a run whose rows cannot be written stops at once */
		if (i + 1 < plan->n &&
		    ib_results_write_at(dir, doc, false, failed, sizeof(failed))) {
			werr = errno;
			goto out;
		}
	}
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
	/* rows from a test double: their figures are a model's, say so */
	{
		const char *what;
		int nsim = ib_results_simulated(doc, &what);

		if (nsim)
			printf("SIMULATED: %d row(s) ran on a %s; their figures are not measurements\n",
			       nsim, what);
	}
	json_decref(doc);
	if (ib_interrupted)
		return IB_EXIT_FAILED;
	if (nerr)
		return IB_EXIT_FAILED;
	if (nok || !plan->n)
		return IB_EXIT_OK;
	return nres ? IB_EXIT_RESOURCE : IB_EXIT_SKIPPED;
}

/* ---- argument parsing shared by run and rerun ---- */

static int common_opt(struct run_cfg *cfg, const char *key, const char *val)
{
	if (!strcmp(key, "results-dir")) {
		cfg->results_dir = val;
	} else if (!strcmp(key, "run-id") || !strcmp(key, "claimed-run-id")) {
		cfg->run_id = val;
		cfg->run_id_claimed = key[0] == 'c';
	} else if (!strcmp(key, "platform")) {
		cfg->platform = val;
	} else if (!strcmp(key, "lab-ctl")) {
		cfg->lab_ctl = val;
	} else {
		return 0;
	}
	return 1;
}

static int check_cfg(const struct run_cfg *cfg)
{
	char err[512];

	if (strcmp(cfg->platform, "host") && strcmp(cfg->platform, "qemu-lab")) {
		fprintf(stderr, "iommubench: --platform=%s: expected host or qemu-lab\n",
			cfg->platform);
		return IB_EXIT_USAGE;
	}
	if (cfg->run_id &&
	    ib_name_check(cfg->run_id_claimed ? "--claimed-run-id" : "--run-id", cfg->run_id,
			  err, sizeof(err))) {
		fprintf(stderr, "iommubench: %s\n", err);
		return IB_EXIT_USAGE;
	}
	if (!cfg->results_dir[0]) {
		fprintf(stderr, "iommubench: --results-dir: expected a directory\n");
		return IB_EXIT_USAGE;
	}
	return IB_EXIT_OK;
}

static int suite_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 6 && e->d_name[0] != '.' && !strcmp(e->d_name + n - 6, ".suite");
}

/* "a, b, c": the suite names in dir, sorted. */
static void list_suites(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	size_t off = 0;
	int n, i;

	out[0] = '\0';
	n = dir[0] ? scandir(dir, &ents, suite_file, alphasort) : -1;
	for (i = 0; i < n; i++) {
		int w = snprintf(out + off, len - off, "%s%.*s", off ? ", " : "",
				 (int)strlen(ents[i]->d_name) - 6, ents[i]->d_name);

		if (w > 0 && (size_t)w < len - off)
			off += (size_t)w;
		else
			out[off] = '\0'; /* a whole name or none */
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* The suite directories: bench/suites (cwd), then next to the binary:
 * ../bench/suites, ../suites.  dirs[i] is "" where there is none. */
static void suite_dirs(char dirs[3][PATH_MAX])
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	snprintf(dirs[0], PATH_MAX, "bench/suites");
	dirs[1][0] = dirs[2][0] = '\0';
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if (ib_pathf(dirs[1], PATH_MAX, "%s/../bench/suites", exe))
		dirs[1][0] = '\0';
	if (ib_pathf(dirs[2], PATH_MAX, "%s/../suites", exe))
		dirs[2][0] = '\0';
}

/* The directory whose suites are listed: bench/suites in the cwd, else
 * the one next to the binary ("" when neither). */
static void suites_dir(char *dir, size_t len)
{
	char dirs[3][PATH_MAX];

	suite_dirs(dirs);
	snprintf(dir, len, "%s", !access(dirs[0], F_OK) ? dirs[0] : dirs[1]);
}

/* Finds a suite by path or by name in the suite directories. */
static int find_suite(const char *arg, char *path, size_t len)
{
	char dirs[3][PATH_MAX], cand[PATH_MAX], dir[PATH_MAX];
	int i;

	if (!access(arg, R_OK)) {
		if (ib_pathf(path, len, "%s", arg)) {
			fprintf(stderr, "iommubench: --suite %s: path too long\n", arg);
			return IB_EXIT_USAGE;
		}
		return IB_EXIT_OK;
	}
	suite_dirs(dirs);
	for (i = 0; i < 3; i++) {
		if (!dirs[i][0] || ib_pathf(cand, sizeof(cand), "%s/%s%s", dirs[i], arg,
					    strstr(arg, ".suite") ? "" : ".suite"))
			continue;
		if (!access(cand, R_OK) && !ib_pathf(path, len, "%s", cand))
			return IB_EXIT_OK;
	}
	suites_dir(dir, sizeof(dir));
	list_suites(dir, cand, sizeof(cand));
	fprintf(stderr, "iommubench: --suite %s: no such suite file; available: %s\n",
		arg, cand[0] ? cand : "(none found in bench/suites)");
	return IB_EXIT_USAGE;
}

static int load_topology(struct ib_topo *topo)
{
	char err[512];
	struct iommubench_info info;

	if (ib_topo_load(topo, getenv("IOMMUBENCH_TOPOLOGY_XML"), err, sizeof(err))) {
		fprintf(stderr, "iommubench: %s\n", err);
		return IB_EXIT_RESOURCE;
	}
	if (!ib_module_info(&info, err, sizeof(err)))
		ib_module_add_devices(topo, &info);
	return IB_EXIT_OK;
}

/* A run-wide option: the command line's, else [global]'s, else its
 * default (NULL when that is empty). */
static const char *run_wide(const struct ib_job *cli, const struct ib_suite *suite,
			    int id)
{
	const char *v = cli->set[id]		? cli->value[id] :
			suite->global.set[id] ? suite->global.value[id] :
						  ib_options[id].def;

	return v && v[0] ? v : NULL;
}

static int run_ranked(struct run_cfg *cfg_, struct ib_job *cli_, const char *suite_arg,
		      const char *only, int argc, char **argv);

int cmd_run(int argc, char **argv)
{
	struct run_cfg cfg = { .results_dir = "results", .platform = "host" };
	static struct ib_job cli;
	const char *suite_arg = NULL, *only = NULL;
	char err[1200], where[140];
	int i, rc;

	memset(&cli, 0, sizeof(cli));
	for (i = 1; i < argc; i++) {
		char key[128], *eq;
		const char *val;

		if (strncmp(argv[i], "--", 2)) {
			fprintf(stderr, "iommubench: run: %s: unexpected argument; see iommubench help\n",
				argv[i]);
			return IB_EXIT_USAGE;
		}
		snprintf(key, sizeof(key), "%s", argv[i] + 2);
		eq = strchr(key, '=');
		if (!strcmp(key, "dry-run")) {
			cfg.dry_run = true;
			continue;
		}
		/* the one suite listing: scripts/run.sh asks for it too */
		if (!strcmp(key, "list-suites")) {
			char dir[PATH_MAX], names[PATH_MAX];

			suites_dir(dir, sizeof(dir));
			list_suites(dir, names, sizeof(names));
			printf("%s\n", names);
			return IB_EXIT_OK;
		}
		if (eq) {
			*eq = '\0';
			val = argv[i] + 2 + (eq - key) + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "iommubench: run: --%s: missing value\n", key);
			return IB_EXIT_USAGE;
		}
		if (common_opt(&cfg, key, val))
			continue;
		if (!strcmp(key, "suite")) {
			suite_arg = val;
			continue;
		}
		if (!strcmp(key, "only")) {
			only = val;
			continue;
		}
		if (ib_opt_find(key) < 0 || strchr(key, '_')) {
			fprintf(stderr, "iommubench: run: --%s: unknown option; see iommubench help\n",
				key);
			return IB_EXIT_USAGE;
		}
		snprintf(where, sizeof(where), "--%s", key);
		if (ib_job_set(&cli, key, val, where, 0, err, sizeof(err))) {
			fprintf(stderr, "iommubench: %s\n", err);
			return IB_EXIT_USAGE;
		}
	}
	if ((rc = check_cfg(&cfg)))
		return rc;
	/* mpirun -np N: N ranks (ib_ranks.h); otherwise nothing changes */
	if ((rc = ib_ranks_init()))
		return rc;
	rc = run_ranked(&cfg, &cli, suite_arg, only, argc, argv);
	ib_ranks_finalize();
	return rc;
}

static int run_ranked(struct run_cfg *cfg_, struct ib_job *cli_, const char *suite_arg,
		      const char *only, int argc, char **argv)
{
	struct run_cfg cfg = *cfg_;
	static struct ib_suite suite;
	static struct ib_job cli;
	struct ib_topo topo;
	struct ib_plan plan;
	char err[1200], path[PATH_MAX];
	int rc;
	bool adhoc;

	cli = *cli_;
	adhoc = !suite_arg;
	if (suite_arg) {
		if (find_suite(suite_arg, path, sizeof(path)))
			return IB_EXIT_USAGE;
		if (ib_suite_load(path, &suite, err, sizeof(err))) {
			fprintf(stderr, "iommubench: %s\n", err);
			return IB_EXIT_USAGE;
		}
		/* the suite's name names its results directory */
		if (ib_name_check("suite", suite.name, err, sizeof(err))) {
			fprintf(stderr, "iommubench: --suite %s: %s\n", suite_arg, err);
			return IB_EXIT_USAGE;
		}
	} else {
		const char *eng = cli.set[IB_O_ENGINE] ? cli.value[IB_O_ENGINE] :
							 ib_options[IB_O_ENGINE].def;

		memset(&suite, 0, sizeof(suite));
		snprintf(suite.name, sizeof(suite.name), "adhoc");
		snprintf(suite.file, sizeof(suite.file), "command line");
		suite.njobs = 1;
		snprintf(suite.jobs[0].name, sizeof(suite.jobs[0].name), "%.63s",
			 strchr(eng, ',') ? "adhoc" : eng);
		if (only && strcmp(only, suite.jobs[0].name)) {
			fprintf(stderr, "iommubench: --only %s: no suite given\n", only);
			return IB_EXIT_USAGE;
		}
	}
	if ((rc = load_topology(&topo)))
		return rc;
	ib_ranks_pick_device(&topo);
	if (ib_plan_expand(&suite, &cli, only, &topo, adhoc, &plan, err, sizeof(err))) {
		fprintf(stderr, "iommubench: %s\n", err);
		ib_topo_free(&topo);
		return IB_EXIT_USAGE;
	}
	cfg.papi_events = run_wide(&cli, &suite, IB_O_PAPI_EVENTS);
	cfg.counter_sources = run_wide(&cli, &suite, IB_O_COUNTER_SOURCES);
	cfg.counters_mode = run_wide(&cli, &suite, IB_O_COUNTERS);
	if (cfg.counter_sources &&
	    ib_counters_sources_check(cfg.counter_sources, err, sizeof(err))) {
		fprintf(stderr, "iommubench: counter_sources=%s: unknown source %s; expected %s\n",
			cfg.counter_sources, err, ib_counters_source_list());
		ib_plan_free(&plan);
		ib_topo_free(&topo);
		return IB_EXIT_USAGE;
	}
	rc = run_plan(&cfg, &plan, suite.name, &topo, argc, argv);
	ib_plan_free(&plan);
	ib_topo_free(&topo);
	return rc;
}

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
		json_t *v = json_object_get(params, ib_options[id].name);
		char val[IB_LIST_VAL_LEN];

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
			else if (!common_opt(&cfg, argv[k] + 2, argv[k + 1])) {
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
	if ((rc = check_cfg(&cfg)))
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
	if ((rc = load_topology(&topo))) {
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
