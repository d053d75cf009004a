// SPDX-License-Identifier: GPL-2.0
/*
 * Console output of run and rerun (ib_console.h): progress with ETA on
 * stderr, the results table on stdout.
 *
 * What is real comes first (docs/report.md): on platform qemu-lab every
 * timing is emulated, and says so ("median 4.00 ms (emulated; ...)"); a
 * row whose DMA timing is flat by construction (the edu's fixed timer:
 * ib_row_flat_by_construction, the report's decision) prints no timing at
 * all, but that its counts come after the merge (finish prints them:
 * ib_lab_counts_print).  Host rows print as they always have.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ib_console.h"
#include "ib_findings.h"
#include "ib_rowschema.h"
#include "ib_stats.h"

static bool is_lab(json_t *ctx)
{
	const char *p = json_string_value(json_object_get(ctx, "platform"));

	return p && !strcmp(p, "qemu-lab");
}

/* Row i of run: flat by construction (an ok measured row). */
static bool row_flat(const struct ib_run *run, size_t i)
{
	return i < run->nrows && ib_row_flat_by_construction(run, i);
}

/* What a flat row says instead of its timing. */
static void flat_text(json_t *row, char *buf, size_t len)
{
	snprintf(buf, len, "timing flat by construction (emulated %s); counts after merge",
		 json_string_value(json_object_get(row, "engine")) ?: "device");
}

/* A lab row's brief, every timing marked emulated: the lead timing metric
 * (dma_latency_ns, else the first in ns, as point.c picks it), then
 * bandwidth and iops. */
static void emulated_brief(json_t *row, char *buf, size_t len)
{
	json_t *ms = json_object_get(row, "metrics"), *m, *lead = NULL;
	const char *key, *lead_key = NULL;
	char a[32];
	size_t off = 0;

	json_object_foreach(ms, key, m) {
		const char *unit = json_string_value(json_object_get(m, "unit"));

		if (unit && !strcmp(unit, "ns") && (!lead || !strcmp(key, "dma_latency_ns"))) {
			lead = m;
			lead_key = key;
		}
	}
	buf[0] = '\0';
	if (lead) {
		double med = json_number_value(json_object_get(lead, "median"));
		double w = json_number_value(json_object_get(lead, "ci95_high")) -
			   json_number_value(json_object_get(lead, "ci95_low"));

		ib_stats_human(med, "ns", a, sizeof(a));
		snprintf(buf, len, "%s median %s (emulated; n=%lld, ci95 +-%.2f%%)", lead_key, a,
			 (long long)json_integer_value(json_object_get(lead, "n")),
			 med ? 50.0 * w / med : 0);
		off = strlen(buf);
	}
	if ((m = json_object_get(ms, "bandwidth_bytes_per_s"))) {
		ib_stats_human(json_number_value(json_object_get(m, "median")), "bytes_per_s", a,
			       sizeof(a));
		snprintf(buf + off, len - off, "%sbandwidth %s (emulated)", off ? ", " : "", a);
		off = strlen(buf);
	}
	if ((m = json_object_get(ms, "iops")))
		snprintf(buf + off, len - off, "%s%.0f iops (emulated)", off ? ", " : "",
			 json_number_value(json_object_get(m, "median")));
	else if ((m = json_object_get(ms, "pps")))
		snprintf(buf + off, len - off, "%s%.0f pps (emulated)", off ? ", " : "",
			 json_number_value(json_object_get(m, "median")));
}

void ib_console_brief(json_t *ctx, json_t *row, char *brief, size_t blen)
{
	const char *st = json_string_value(json_object_get(row, "status"));
	json_t *doc, *rows;
	struct ib_run run;
	char err[128];
	bool flat = false;

	if (!is_lab(ctx) || !st || strcmp(st, "ok") || json_object_get(row, "verdict") ||
	    !json_object_size(json_object_get(row, "metrics")))
		return;
	/* the row alone: the decision for one row is its engine and platform */
	doc = json_object();
	rows = json_array();
	json_array_append(rows, row);
	json_object_set(doc, "context", ctx);
	json_object_set_new(doc, "results", rows);
	if (!ib_run_view(&run, doc, err, sizeof(err))) {
		flat = row_flat(&run, 0);
		ib_run_free(&run);
	}
	json_decref(doc);
	if (flat)
		flat_text(row, brief, blen);
	else
		emulated_brief(row, brief, blen);
}

/* The results on stdout: one line per row, medians with their CI (on
 * qemu-lab marked emulated, or, flat by construction, not shown). */
void ib_console_table(json_t *doc)
{
	json_t *row, *ctx = json_object_get(doc, "context");
	bool lab = is_lab(ctx);
	struct ib_run run = { 0 };
	char err[128], flat[128];
	size_t i;

	if (lab && ib_run_view(&run, doc, err, sizeof(err)))
		lab = false;
	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *st = json_string_value(json_object_get(row, "status"));
		const char *key;
		json_t *m;

		printf("%s: %s", json_string_value(json_object_get(row, "name")), st);
		if (strcmp(st, "ok")) {
			printf(": %s\n", json_string_value(json_object_get(row, "reason")));
			continue;
		}
		if (json_object_get(row, "verdict"))
			printf(", verdict %s", json_string_value(json_object_get(row, "verdict")));
		if (lab && row_flat(&run, i)) {
			flat_text(row, flat, sizeof(flat));
			printf("\n    %s", flat);
		} else {
			json_object_foreach(json_object_get(row, "metrics"), key, m) {
				char a[32], b[32], c[32];
				const char *unit = json_string_value(json_object_get(m, "unit"));

				ib_stats_human(json_number_value(json_object_get(m, "median")), unit, a, sizeof(a));
				ib_stats_human(json_number_value(json_object_get(m, "ci95_low")), unit, b, sizeof(b));
				ib_stats_human(json_number_value(json_object_get(m, "ci95_high")), unit, c, sizeof(c));
				printf("\n    %-22s median %s (%s95%% CI %s .. %s, n=%lld)", key, a,
				       lab ? "emulated; " : "", b, c,
				       (long long)json_integer_value(json_object_get(m, "n")));
			}
		}
		printf("\n    page_size_obtained %lld, mem_node_obtained %lld, repetitions %lld%s\n",
		       (long long)json_integer_value(json_object_get(json_object_get(row, "params"),
								       "page_size_obtained")),
		       (long long)json_integer_value(json_object_get(json_object_get(row, "params"),
								       "mem_node_obtained")),
		       (long long)json_integer_value(json_object_get(row, "repetitions")),
		       json_is_true(json_object_get(row, "converged")) ? "" : " (not converged)");
	}
	ib_run_free(&run);
}

static void fmt_eta(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void ib_console_progress(int i, int n, const char *name, const char *status,
			 const char *brief, double per_point_s)
{
	char eta[32];

	fmt_eta(per_point_s * (n - i), eta, sizeof(eta));
	fprintf(stderr, "[%d/%d] %s: %s: %s (ETA %s)\n", i, n, name, status, brief, eta);
}
