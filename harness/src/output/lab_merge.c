// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench lab-merge RUNDIR`: loads RUNDIR/results.json, has the lab's
 * vIOMMU counters attributed to its rows (counters_lab.c counts the QEMU
 * trace between the marks of each point) and writes results.json and
 * results.csv again; then the trace, counted, is compressed (unless
 * --keep-trace; lab_trace_zst.c), and a later merge reads the .zst.
 * finish.c calls ib_lab_merge and ib_lab_trace_compress the same way, and
 * then prints the merged counts of the rows whose timing the console did
 * not show (ib_lab_counts_print).
 */
#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ib_commands.h"
#include "ib_counters.h"
#include "ib_exit.h"
#include "ib_findings.h"
#include "ib_plan.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"

int ib_lab_merge(json_t *doc, const char *dir, const char *trace, const char *marks_path,
		 const char *rpath)
{
	struct ib_run run = { 0 };
	struct ib_lab_rows R = { 0 };
	char err[512];
	size_t k;
	int ret = -1;

	R.ctx = json_object_get(doc, "context");
	if (!json_is_object(R.ctx) || ib_run_view(&run, doc, err, sizeof(err))) {
		fprintf(stderr, "iommubench: lab-merge: %s: no results array or context object\n", rpath);
		goto out;
	}
	R.n = run.nrows;
	R.row = calloc(run.nrows + 1, sizeof(*R.row));
	R.name = calloc(run.nrows + 1, sizeof(*R.name));
	if (!R.row || !R.name) {
		fprintf(stderr, "iommubench: lab-merge: out of memory\n");
		goto out;
	}
	for (k = 0; k < run.nrows; k++) {
		R.row[k] = run.rows[k].json;
		R.name[k] = run.rows[k].name;
	}
	ret = ib_lab_count_merge(&R, dir, trace, marks_path, rpath);
out:
	free(R.row);
	free(R.name);
	ib_run_free(&run);
	return ret;
}

/* Row r's lab: counter name: its value, or -1 when it has none. */
static long long lab_count(const struct ib_row *r, const char *name)
{
	json_t *c = json_object_get(r->counters, name);
	const char *src = json_string_value(json_object_get(c, "source"));

	return src && !strncmp(src, "lab:", 4) ? (long long)json_integer_value(json_object_get(c, "value")) : -1;
}

void ib_lab_counts_print(const struct ib_run *run, FILE *f)
{
	char name[IB_NAME_LEN + 1];
	size_t k, shown = 0;

	for (k = 0; k < run->nrows; k++) {
		const struct ib_row *r = &run->rows[k];
		long long miss = lab_count(r, "iotlb_miss"), inv, faults;
		double dmas;

		if (miss < 0 || !ib_row_flat_by_construction(run, k))
			continue;
		if (!shown++)
			fprintf(f, "lab counts (exact; these rows' DMA timing is flat by construction):\n");
		fprintf(f, "  %s: ", ib_text_safe(name, sizeof(name), r->name));
		dmas = ib_row_counted_dmas(r);
		if (dmas > 0)
			fprintf(f, "%.4g IOTLB misses per DMA (%lld in %.0f DMAs)", (double)miss / dmas,
				miss, dmas);
		else
			fprintf(f, "%lld IOTLB misses", miss);
		if ((inv = lab_count(r, "iommu_invalidations")) >= 0)
			fprintf(f, ", %lld invalidations", inv);
		if ((faults = lab_count(r, "io_page_faults")) > 0)
			fprintf(f, ", %lld IO page faults", faults);
		fputc('\n', f);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: iommubench lab-merge RUNDIR [--trace FILE] [--marks FILE] [--keep-trace]\n"
			"  merges QEMU vIOMMU trace counts per point (RUNDIR/qemu-trace.log, or\n"
			"  its .zst, and RUNDIR/marks.tsv) into RUNDIR/results.json and results.csv,\n"
			"  then compresses RUNDIR/qemu-trace.log into qemu-trace.log.zst\n"
			"  --keep-trace: leaves the trace raw (debugging)\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_lab_merge(int argc, char **argv)
{
	const char *dir = NULL, *trace = NULL, *marks_path = NULL;
	char rpath[4096], err[4096 + 512];
	json_t *doc = NULL;
	double t[4];
	bool keep = false;
	int i, ret = IB_EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace = argv[++i];
		else if (!strcmp(argv[i], "--marks") && i + 1 < argc)
			marks_path = argv[++i];
		else if (!strcmp(argv[i], "--keep-trace"))
			keep = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return IB_EXIT_OK;
		} else if (argv[i][0] == '-' || dir) {
			usage();
			return IB_EXIT_USAGE;
		} else
			dir = argv[i];
	}
	if (!dir) {
		usage();
		return IB_EXIT_USAGE;
	}
	snprintf(rpath, sizeof(rpath), "%s/results.json", dir);
	ib_tmp_signals(); /* a signal removes the results' temporaries */
	t[0] = now_s();
	doc = ib_results_load(rpath, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: lab-merge: %s\n", err);
		goto out;
	}
	t[1] = now_s();
	if (ib_lab_merge(doc, dir, trace, marks_path, rpath) < 0)
		goto out;
	t[2] = now_s();
	if (ib_results_write(dir, doc, json_is_true(json_object_get(doc, "complete")))) {
		fprintf(stderr, "iommubench: lab-merge: writing %s: %s\n", rpath, strerror(errno));
		ret = IB_EXIT_FAILED;
		goto out;
	}
	t[3] = now_s();
	/* the run directory's own trace, counted and its counts written */
	if (!keep && !trace)
		ib_lab_trace_compress(dir, "lab-merge");
	if (getenv("IOMMUBENCH_TIMING"))
		fprintf(stderr, "iommubench: lab-merge: timing: load %.3f s, merge %.3f s, write %.3f s\n",
			t[1] - t[0], t[2] - t[1], t[3] - t[2]);
	ret = IB_EXIT_OK;
out:
	json_decref(doc);
	return ret;
}
