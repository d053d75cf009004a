// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench run`: the command line (arguments, the options shared with
 * rerun, suite lookup and listing), the suite or the ad hoc job expanded
 * into the plan; the run loop over the plan is run_loop.c's run_plan(),
 * `iommubench rerun` is rerun.c.
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

/* ---- argument parsing shared by run and rerun ---- */

int run_common_opt(struct run_cfg *cfg, const char *key, const char *val)
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

int run_check_cfg(const struct run_cfg *cfg)
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
 * ../bench/suites, ../suites, ../share/iommubench/suites (make install).
 * dirs[i] is "" where there is none. */
#define NSUITE_DIRS 4
static void suite_dirs(char dirs[NSUITE_DIRS][PATH_MAX])
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	snprintf(dirs[0], PATH_MAX, "bench/suites");
	dirs[1][0] = dirs[2][0] = dirs[3][0] = '\0';
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
	if (ib_pathf(dirs[3], PATH_MAX, "%s/../share/iommubench/suites", exe))
		dirs[3][0] = '\0';
}

/* The directory whose suites are listed: bench/suites in the cwd, else
 * the first one next to the binary that exists (else ../bench/suites). */
static void suites_dir(char *dir, size_t len)
{
	char dirs[NSUITE_DIRS][PATH_MAX];
	int i;

	suite_dirs(dirs);
	for (i = 0; i < NSUITE_DIRS; i++)
		if (dirs[i][0] && !access(dirs[i], F_OK))
			break;
	if (ib_pathf(dir, len, "%s", dirs[i < NSUITE_DIRS ? i : 1]))
		dir[0] = '\0';
}

/* Finds a suite by path or by name in the suite directories. */
static int find_suite(const char *arg, char *path, size_t len)
{
	char dirs[NSUITE_DIRS][PATH_MAX], cand[PATH_MAX], dir[PATH_MAX];
	int i;

	if (!access(arg, R_OK)) {
		if (ib_pathf(path, len, "%s", arg)) {
			fprintf(stderr, "iommubench: --suite %s: path too long\n", arg);
			return IB_EXIT_USAGE;
		}
		return IB_EXIT_OK;
	}
	suite_dirs(dirs);
	for (i = 0; i < NSUITE_DIRS; i++) {
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

int run_load_topology(struct ib_topo *topo)
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
		if (!strcmp(key, "host-capable")) {
			cfg.host_capable = true;
			continue;
		}
		if (!strcmp(key, "no-refine")) {
			cfg.no_refine = true;
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
		if (run_common_opt(&cfg, key, val))
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
	if ((rc = run_check_cfg(&cfg)))
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
	if ((rc = run_load_topology(&topo)))
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
	rc = cfg.host_capable ? run_host_capable(&plan) :
				run_plan(&cfg, &plan, suite.name, &topo, argc, argv);
	ib_plan_free(&plan);
	ib_topo_free(&topo);
	return rc;
}
