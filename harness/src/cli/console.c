// SPDX-License-Identifier: GPL-2.0
/*
 * Console output of run and rerun (ib_console.h): progress with ETA on
 * stderr, the results table on stdout.  Moved out of run.c unchanged.
 */
#include <stdio.h>
#include <string.h>

#include "ib_console.h"
#include "ib_stats.h"

/* The results on stdout: one line per row, medians with their CI. */
void ib_console_table(json_t *doc)
{
	json_t *row;
	size_t i;

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
		json_object_foreach(json_object_get(row, "metrics"), key, m) {
			char a[32], b[32], c[32];
			const char *unit = json_string_value(json_object_get(m, "unit"));

			ib_stats_human(json_number_value(json_object_get(m, "median")), unit, a, sizeof(a));
			ib_stats_human(json_number_value(json_object_get(m, "ci95_low")), unit, b, sizeof(b));
			ib_stats_human(json_number_value(json_object_get(m, "ci95_high")), unit, c, sizeof(c));
			printf("\n    %-22s median %s (95%% CI %s .. %s, n=%lld)", key, a, b, c,
			       (long long)json_integer_value(json_object_get(m, "n")));
		}
		printf("\n    page_size_obtained %lld, mem_node_obtained %lld, repetitions %lld%s\n",
		       (long long)json_integer_value(json_object_get(json_object_get(row, "params"),
								       "page_size_obtained")),
		       (long long)json_integer_value(json_object_get(json_object_get(row, "params"),
								       "mem_node_obtained")),
		       (long long)json_integer_value(json_object_get(row, "repetitions")),
		       json_is_true(json_object_get(row, "converged")) ? "" : " (not converged)");
	}
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
