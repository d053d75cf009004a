// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench derive RUNDIR`: derived rows ("run_type": "derived"), drawn
 * from the measured rows after their counters are final (in the lab, after
 * `iommubench lab-merge`).  Rewrites results.json and results.csv
 * atomically with the results.c writers; idempotent (the derived rows it
 * owns are replaced, never duplicated).
 *
 * IOTLB reach.  For each page size with a window sweep of DMA rows that
 * carry the iotlb_miss counter:
 *  1. DMAs counted: the counters of a point cover its warm-up repetitions
 *     as well as the measured ones (run.c starts them before the warm-up),
 *     so dmas = n(dma_latency_ns) x (warmup + repetitions) / repetitions.
 *  2. Compulsory misses: every repetition maps the buffer afresh (one
 *     IOMMUBENCH_RUN each) and unmapping invalidates its IOTLB entries, so
 *     each repetition misses once on every IOMMU page it touches: seq
 *     touches min(pages, DMAs per thread x xfer / page), rand the expected
 *     number of distinct pages P(1 - (1 - 1/P)^N).
 *  3. Capacity misses per DMA = max(0, misses - compulsory) / dmas: ~0 while
 *     the window's IOPTEs fit in the IOTLB, a plateau well above 0 past its
 *     reach.  Only windows whose repetitions revisit pages can show capacity
 *     misses (seq: a thread's DMAs cover >= 2 windows; rand: DMAs >= pages);
 *     the others are listed in params.windows_not_revisited and left out.
 *  4. The knee is the change point of a least-squares two-level step fit
 *     of that curve against the window (robust to one noisy point), accepted
 *     only when the level after it is >= 0.02 misses/DMA and >= 4x the level
 *     before it (ib_knee_find).
 *  5. Entries = the last window below the knee / IOMMU page size; the 95%
 *     bounds are the bracket [last window below, knee window] / page size.
 * Without a knee the row is skipped with "no knee up to <max window>"; with
 * capacity misses from the smallest window on, "reach below <min window>".
 *
 * Without iotlb_miss counters (any engine, op=chase rows always), the
 * timing method (timing_reach): the knee of the latency against the window,
 * less the same series on a larger page size at equal windows (whose
 * translations still fit: what is left is what the smaller pages' misses
 * cost), by the same step fit with an acceptance in time units.  The row
 * says which: params.source "counters" or "timing".  Chase rows of an
 * engine that is not a DMA engine (cpu: the CPU TLB) get rows of their own,
 * "iotlb_reach/page_size:<ps>/engine:<name>".
 *
 * This file: the knee (ib_knee_find) and the command; the reach rows are
 * built in derive_reach.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_derive.h"
#include "derive_int.h"
#include "ib_engine.h"
#include "ib_exit.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"
#include "ib_stats.h"

/* ---- the knee ---- */

double median_of(const double *v, size_t n)
{
	double *t, r;

	if (!n)
		return 0;
	t = malloc(n * sizeof(*t));
	if (!t)
		return v[0];
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), ib_cmp_double);
	r = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	free(t);
	return r;
}

static double sse_of(const double *v, size_t n)
{
	double mean = 0, s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	for (i = 0; i < n; i++)
		s += (v[i] - mean) * (v[i] - mean);
	return s;
}

bool ib_knee_sharp(const double *v, const struct ib_knee *k)
{
	return v[k->idx] >= k->before + 0.9 * (k->after - k->before);
}

int ib_knee_find(const double *m, size_t n, struct ib_knee *k)
{
	double best = INFINITY, e;
	size_t i, at = 1;

	memset(k, 0, sizeof(*k));
	if (n < 2)
		return -1;
	for (i = 1; i < n; i++) {
		e = sse_of(m, i) + sse_of(m + i, n - i);
		/* strictly better only: ties keep the smallest window */
		if (e < best - 1e-12) {
			best = e;
			at = i;
		}
	}
	k->idx = at;
	k->before = median_of(m, at);
	k->after = median_of(m + at, n - at);
	k->found = k->after >= IB_KNEE_MIN_MISSES &&
		   k->after >= IB_KNEE_MIN_RATIO * k->before &&
		   m[at] >= k->after / 2;
	return 0;
}

/* ---- the command ---- */



static void usage(FILE *f)
{
	fprintf(f, "usage: iommubench derive RUNDIR\n"
		   "  adds derived rows (iotlb_reach/page_size:<ps>, finding/...) to RUNDIR/results.json\n"
		   "  and results.csv; run it after the counters are final (lab-merge)\n");
}

int cmd_derive(int argc, char **argv)
{
	char path[4096], err[512];
	struct ib_run run = { 0 };
	json_t *doc;
	bool complete;
	struct stat st;
	int n, nf = 0;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return IB_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return IB_EXIT_USAGE;
	}
	if (stat(argv[1], &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iommubench: derive: RUNDIR %s: not a directory\n", argv[1]);
		return IB_EXIT_USAGE;
	}
	ib_tmp_signals(); /* a signal removes the results' temporaries */
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	doc = ib_results_load(path, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: derive: %s\n", err);
		return IB_EXIT_USAGE;
	}
	complete = json_is_true(json_object_get(doc, "complete"));
	/* one typed view, handed on (rebuilt only where rows change) */
	n = ib_run_view(&run, doc, err, sizeof(err));
	if (n >= 0)
		n = ib_derive_iotlb_reach_run(&run, err, sizeof(err));
	if (n >= 0 && (nf = ib_derive_findings_run(&run, err, sizeof(err))) >= 0)
		n += nf;
	if (n < 0 || nf < 0) {
		fprintf(stderr, "iommubench: derive: %s\n", err);
		goto fail;
	}
	if (ib_results_write(argv[1], doc, complete)) {
		fprintf(stderr, "iommubench: derive: writing %s: %s\n", path, strerror(errno));
		goto fail;
	}
	ib_derive_print(doc);
	ib_findings_print_run(&run, stdout);
	fprintf(stderr, "iommubench: derive: %d derived row(s) in %s\n", n, path);
	ib_run_free(&run);
	json_decref(doc);
	return IB_EXIT_OK;
fail:
	ib_run_free(&run);
	json_decref(doc);
	return IB_EXIT_FAILED;
}
