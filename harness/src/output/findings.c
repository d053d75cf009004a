// SPDX-License-Identifier: GPL-2.0
/*
 * Findings: a sentence per conclusion the run supports, each with its
 * number, its 95 % CI (or the reach's bracket) and the rows it comes from.
 * They are derived rows, "finding/<kind>/...", with a "finding" text, a
 * metric carrying the number (so that `compare` diffs them across machines
 * by name) and params.source_rows.  `derive` and `finish` write them after
 * the iotlb_reach rows; finish prints them at the end of `make run`; the
 * report puts the same lines at the top of report.html.
 *
 * Kinds (docs/report.md, "Findings"):
 *  - iotlb_reach: an ok iotlb_reach row, restated: entries, bracket, knee.
 *  - misses_per_dma: a larger page size against 4k at the largest window
 *    both measured with iotlb_miss (rand preferred): the ratio of misses
 *    per DMA, CI from Poisson bounds on the two counts.
 *  - unmap_strict_vs_lazy: rows equal but for the mode, effective
 *    dma-strict and dma-lazy: ratio of unmap_ns medians, the range their
 *    95 % CIs allow (as compare computes it).
 *  - numa_penalty: dma_latency_ns with memory off the device's node against
 *    local memory, same cpu (not when the timing is flat by construction).
 *  - isolation: the verdicts per effective mode against what each mode
 *    must give (identity and off: not_isolated; the others: isolated).
 * A ratio whose CI includes 1 says that no effect is distinguishable.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_engine.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "findings_int.h"

/* ---- shared with the report ---- */

static bool timing_row(const struct ib_row *r, const char *metric)
{
	double v;
	struct ib_summary s;

	if (r->derived || r->status != IB_ROW_OK || !ib_row_metric(r, metric, &s, NULL))
		return false;
	if (r->p.op && (!strcmp(r->p.op, "chase") || !strcmp(r->p.op, "isolation")))
		return false;
	v = s.median;
	return isfinite(v) && v > 0;
}

void ib_timing_flatness(const struct ib_run *run, const char *metric, struct ib_flat *f)
{
	double lo = INFINITY, hi = 0;
	bool all_fixed = true;
	const struct ib_engine *e;
	struct ib_summary s;
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < run->nrows; i++) {
		const struct ib_row *r = &run->rows[i];

		if (!timing_row(r, metric))
			continue;
		ib_row_metric(r, metric, &s, NULL);
		lo = fmin(lo, s.median);
		hi = fmax(hi, s.median);
		e = r->engine ? ib_engine_find(r->engine) : NULL;
		all_fixed &= e && (e->flags & IB_ENG_LAB_FIXED_TIMER);
		f->rows++;
	}
	if (!f->rows)
		return;
	f->spread = (hi - lo) / hi;
	f->flat = f->rows >= 2 && f->spread <= IB_FLAT_SPREAD;
	f->by_construction = (f->flat || f->rows == 1) && all_fixed && run->platform &&
			     !strcmp(run->platform, "qemu-lab");
}

bool ib_row_flat_by_construction(const struct ib_run *run, size_t k)
{
	const struct ib_row *r = &run->rows[k];
	struct ib_run sub = *run;
	struct ib_flat f;
	size_t i;

	if (!r->engine || !timing_row(r, "dma_latency_ns"))
		return false;
	sub.rows = calloc(run->nrows, sizeof(*sub.rows));
	if (!sub.rows)
		return false;
	sub.nrows = 0;
	for (i = 0; i < run->nrows; i++)
		if (run->rows[i].engine && !strcmp(run->rows[i].engine, r->engine))
			sub.rows[sub.nrows++] = run->rows[i];
	ib_timing_flatness(&sub, "dma_latency_ns", &f);
	free(sub.rows);
	return f.by_construction;
}

double ib_row_counted_dmas(const struct ib_row *r)
{
	struct ib_summary s;
	double n;

	if (!ib_row_metric(r, "dma_latency_ns", &s, NULL))
		return NAN;
	n = (double)s.n;
	if (r->repetitions > 0 && r->p.warmup >= 0)
		n *= (r->repetitions + r->p.warmup) / r->repetitions;
	return n;
}

json_t *ib_findings_build_run(const struct ib_run *run)
{
	struct out o = { 0 };
	struct ib_flat f;

	o.rows = json_array();
	o.names = json_object();
	o.run = run;
	o.lab = run->platform && !strcmp(run->platform, "qemu-lab");
	reach_findings(&o);
	penalty_findings(&o);
	misses_findings(&o);
	unmap_findings(&o);
	net_findings(&o);
	ib_timing_flatness(run, "dma_latency_ns", &f);
	if (!f.by_construction)
		numa_findings(&o);
	isolation_finding(&o);
	json_decref(o.names);
	return o.rows;
}

json_t *ib_findings_build(json_t *doc, char *err, size_t errlen)
{
	struct ib_run run;
	json_t *rows;

	if (ib_run_view(&run, doc, err, errlen))
		return NULL;
	rows = ib_findings_build_run(&run);
	ib_run_free(&run);
	return rows;
}

static bool finding_name(json_t *row)
{
	const char *n = json_string_value(json_object_get(row, "name"));
	const char *rt = json_string_value(json_object_get(row, "run_type"));

	return n && rt && !strcmp(rt, "derived") &&
	       !strncmp(n, IB_FINDING_PREFIX, strlen(IB_FINDING_PREFIX));
}

int ib_derive_findings(json_t *doc, char *err, size_t errlen)
{
	return ib_run_view_apply(doc, ib_derive_findings_run, err, errlen);
}

int ib_derive_findings_run(struct ib_run *run, char *err, size_t errlen)
{
	json_t *rows = json_object_get(run->doc, "results"), *add;
	bool dropped = false;
	size_t i, n;

	if (!json_is_array(rows)) {
		snprintf(err, errlen, "results: expected an array");
		return -1;
	}
	for (i = json_array_size(rows); i-- > 0;)
		if (finding_name(json_array_get(rows, i))) {
			json_array_remove(rows, i);
			dropped = true;
		}
	if (dropped && ib_run_refresh(run, err, errlen))
		return -1;
	add = ib_findings_build_run(run);
	if (!add) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = json_array_size(add);
	json_array_extend(rows, add);
	json_decref(add);
	/* the finding rows join the view */
	if (n && ib_run_refresh(run, err, errlen))
		return -1;
	return (int)n;
}

void ib_finding_line(json_t *row, char *buf, size_t len)
{
	json_t *src = json_object_get(json_object_get(row, "params"), "source_rows"), *v;
	size_t off, i;

	off = (size_t)snprintf(buf, len, "%s",
			       json_string_value(json_object_get(row, "finding")) ?: "?");
	json_array_foreach(src, i, v)
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : " [rows: ",
						json_string_value(v) ?: "?");
	if (json_array_size(src) && off < len)
		snprintf(buf + off, len - off, "]");
	/* for a terminal: names from a hostile results file carry no escapes */
	for (; *buf; buf++)
		if ((unsigned char)*buf < 0x20 || *buf == 0x7f)
			*buf = '?';
}

bool ib_findings_timing_note(const struct ib_run *run, char *buf, size_t len)
{
	struct ib_flat f;
	char a[32];

	buf[0] = '\0';
	ib_timing_flatness(run, "dma_latency_ns", &f);
	if (f.by_construction)
		snprintf(buf, len,
			 "DMA timings are not findings here: the edu device completes every DMA "
			 "after a fixed timer in the lab, so the dma_latency_ns medians of its %zu "
			 "row(s) lie within %s %% of each other and carry no translation cost; the "
			 "IOTLB counts do.",
			 f.rows, num3(100 * f.spread, a, sizeof(a)));
	else if (f.flat)
		snprintf(buf, len,
			 "DMA timings are flat: the dma_latency_ns medians of %zu rows lie within "
			 "%s %% of each other, so no translation cost shows in them.",
			 f.rows, num3(100 * f.spread, a, sizeof(a)));
	return buf[0];
}

/* The finding rows of doc, then the timing note when run (a view of doc)
 * is there. */
static void findings_print(json_t *doc, const struct ib_run *run, FILE *f)
{
	json_t *row;
	char line[2048], safe[2048];
	size_t i;
	int n = 0;

	/* the lines carry text from results.json: no control characters on
	 * the terminal (issue 20 item 5) */
	fprintf(f, "findings:\n");
	json_array_foreach(json_object_get(doc, "results"), i, row) {
		if (!finding_name(row))
			continue;
		ib_finding_line(row, line, sizeof(line));
		fprintf(f, "  - %s\n", ib_text_safe(safe, sizeof(safe), line));
		n++;
	}
	if (!n)
		fprintf(f, "  none: this run has no reach knee, page-size pair with iotlb_miss, "
			   "strict/lazy pair, net strict/identity pair, NUMA placements or "
			   "isolation verdicts\n");
	if (run && ib_findings_timing_note(run, line, sizeof(line)))
		fprintf(f, "  note: %s\n", ib_text_safe(safe, sizeof(safe), line));
}

void ib_findings_print(json_t *doc, FILE *f)
{
	struct ib_run run;
	char err[256];

	if (ib_run_view(&run, doc, err, sizeof(err))) {
		findings_print(doc, NULL, f);
		return;
	}
	findings_print(doc, &run, f);
	ib_run_free(&run);
}

void ib_findings_print_run(const struct ib_run *run, FILE *f)
{
	findings_print(run->doc, run, f);
}
