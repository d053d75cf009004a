// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench finish RUN_DIR [--link-latest] [--keep-trace]`: what follows
 * a run, in one process.  results.json is loaded once; the lab's counters
 * are merged (when RUN_DIR has marks.tsv, i.e. the run came from the lab),
 * the derived rows are drawn, results.json and results.csv are written
 * once (then the merged QEMU trace is compressed, unless --keep-trace), and
 * the report is drawn from the same document.  With --link-latest,
 * RUN_DIR/../latest then points at RUN_DIR and RUN_DIR/../../index.html
 * lists the runs (runindex.c; scripts/run.sh).
 *
 * `lab-merge`, `derive` and `report` stay as commands of their own (to redo
 * one step by hand); each runs the same functions as here.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_counters.h"
#include "ib_derive.h"
#include "ib_exit.h"
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_runindex.h"
#include "ib_tmpfiles.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: iommubench finish RUN_DIR [--link-latest] [--keep-trace] [--figure-format LIST]\n"
		   "  lab-merge (when RUN_DIR/marks.tsv exists), derive and report in one step;\n"
		   "  --link-latest: RUN_DIR/../latest -> RUN_DIR afterwards, and RUN_DIR/../../index.html rewritten\n"
		   "  --keep-trace: the lab's qemu-trace.log stays raw (else compressed once merged)\n"
		   "  --figure-format: svg, png, pdf, cairolatex, comma-separated (default svg,png,pdf)\n");
}

/* RUN_DIR/../latest -> basename(RUN_DIR), as a run that made the dir does. */
static int link_latest(const char *dir)
{
	char d[PATH_MAX], *slash;
	size_t n = strlen(dir);

	if (n >= sizeof(d)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(d, dir, n + 1);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = 0;
	slash = strrchr(d, '/');
	if (!slash)
		return ib_results_link_latest(".", d);
	*slash = 0;
	return ib_results_link_latest(slash == d ? "/" : d, slash + 1);
}

/*
 * A lab run without QEMU's trace (lab.py exec --no-trace): marks.tsv but no
 * qemu-trace.log, and qemu-cmdline.txt enables no trace event.
 */
static bool lab_trace_off(const char *dir)
{
	char p[PATH_MAX + 32], line[8192];
	bool off = true;
	FILE *f;

	snprintf(p, sizeof(p), "%s/" IB_LAB_TRACE, dir);
	if (!access(p, F_OK))
		return false;
	snprintf(p, sizeof(p), "%s/" IB_LAB_TRACE_ZST, dir);
	if (!access(p, F_OK))
		return false;
	snprintf(p, sizeof(p), "%s/qemu-cmdline.txt", dir);
	f = fopen(p, "r");
	if (!f)
		return false;
	while (off && fgets(line, sizeof(line), f))
		off = !strstr(line, " -trace ");
	fclose(f);
	return off;
}

int cmd_finish(int argc, char **argv)
{
	char path[PATH_MAX + 32], err[1024];
	const char *dir = NULL;
	bool latest = false, keep = false, merged = false;
	struct stat st;
	struct ib_run run = { 0 };
	json_t *doc;
	int i, n, nf = 0, ret = IB_EXIT_OK, rr;
	bool have_run;

	ib_tmp_signals(); /* a signal removes the results' and report's temporaries */

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return IB_EXIT_OK;
		} else if (!strcmp(argv[i], "--link-latest")) {
			latest = true;
		} else if (!strcmp(argv[i], "--keep-trace")) {
			keep = true;
		} else if (!strcmp(argv[i], "--figure-format") && i + 1 < argc) {
			unsigned int mask;

			if (ib_report_parse_formats(argv[++i], &mask, err, sizeof(err))) {
				fprintf(stderr, "iommubench: finish: %s\n", err);
				return IB_EXIT_USAGE;
			}
			ib_report_set_formats(mask);
		} else if (argv[i][0] == '-' || dir) {
			usage(stderr);
			return IB_EXIT_USAGE;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		usage(stderr);
		return IB_EXIT_USAGE;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iommubench: finish: RUN_DIR %s: not a directory\n", dir);
		return IB_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/results.json", dir);
	doc = ib_results_load(path, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: finish: %s\n", err);
		return IB_EXIT_USAGE;
	}

	snprintf(err, sizeof(err), "%s/marks.tsv", dir);
	/* trace off: an empty trace, so each lab counter is listed in
	 * context.counters_unavailable as "not enabled with -trace" */
	if (!access(err, F_OK) && lab_trace_off(dir))
		fprintf(stderr, "iommubench: finish: no QEMU trace in this lab run (lab.py exec --no-trace): "
				"lab counters unavailable\n");
	if (!access(err, F_OK)) {
		merged = ib_lab_merge(doc, dir, lab_trace_off(dir) ? "/dev/null" : NULL, NULL, path) >= 0;
		if (!merged) {
			fprintf(stderr, "iommubench: finish: lab-merge failed; counters not attributed\n");
			ret = IB_EXIT_FAILED;
		}
	}
	/* the typed view, built once after lab-merge (which may add counters
	 * objects) and handed to derive, findings and the report; derive and
	 * findings rebuild it only when they change the rows */
	have_run = !ib_run_view(&run, doc, err, sizeof(err));
	n = have_run ? ib_derive_iotlb_reach_run(&run, err, sizeof(err)) : -1;
	if (n >= 0 && (nf = ib_derive_findings_run(&run, err, sizeof(err))) >= 0)
		n += nf;
	if (n < 0 || nf < 0) {
		fprintf(stderr, "iommubench: finish: derive: %s; no derived rows\n", err);
		ret = IB_EXIT_FAILED;
	}
	if (ib_results_write(dir, doc, json_is_true(json_object_get(doc, "complete")))) {
		fprintf(stderr, "iommubench: finish: writing %s: %s\n", path, strerror(errno));
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	/* counted and written: the raw trace is no longer needed */
	if (merged && !keep)
		ib_lab_trace_compress(dir, "finish");
	if (n >= 0) {
		ib_derive_print(doc);
		fprintf(stderr, "iommubench: derive: %d derived row(s) in %s\n", n, path);
	}
	/* a derive that failed half-way leaves the view behind the rows */
	have_run = have_run && n >= 0 && nf >= 0;
	rr = have_run ? ib_report_draw_run(dir, &run, true) : ib_report_draw(dir, doc, true);
	if (rr != IB_EXIT_OK)
		ret = rr;
	/* the counts of the rows whose timing the console did not show */
	if (merged && have_run)
		ib_lab_counts_print(&run, stdout);
	/* last, so that `make run` ends with what the run found */
	if (n >= 0 && nf >= 0)
		ib_findings_print_run(&run, stdout);
out:
	if (latest && link_latest(dir))
		fprintf(stderr, "iommubench: finish: %s/../latest: %s\n", dir, strerror(errno));
	/* the runs' index beside the suites, with this run in it */
	if (latest && ib_runindex_write_for(dir, err, sizeof(err)) < 0)
		fprintf(stderr, "iommubench: finish: index of runs: %s\n", err);
	ib_run_free(&run);
	json_decref(doc);
	return ret;
}
