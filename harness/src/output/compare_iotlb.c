// SPDX-License-Identifier: GPL-2.0
/*
 * compare's IOTLB table: per page size (one iotlb_reach row of derive: page
 * size, and engine or rank where they split it), each run's reach and miss
 * penalty side by side, from their finding rows (finding/iotlb_reach/...,
 * finding/iotlb_miss_penalty/...), with the ratio of the penalties.  The
 * same numbers are also rows of compare's ratio table and compare.csv (the
 * findings' metrics iotlb_entries and ns_per_miss); this puts them where a
 * reader looks for them: next to each other.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ib_findings.h"
#include "ib_results.h"

#define REACH_PREFIX "iotlb_reach/"

static const char *kind_of(json_t *row)
{
	const char *n = json_string_value(json_object_get(row, "name"));
	const char *rt = json_string_value(json_object_get(row, "run_type"));

	if (!n || !rt || strcmp(rt, "derived") ||
	    strncmp(n, IB_FINDING_PREFIX, strlen(IB_FINDING_PREFIX)))
		return NULL;
	return json_string_value(json_object_get(json_object_get(row, "params"), "kind"));
}

/* The iotlb_reach row a reach or penalty finding belongs to; NULL for
 * other rows. */
static const char *reach_key(json_t *row)
{
	const char *k = kind_of(row);
	json_t *p = json_object_get(row, "params");

	if (!k)
		return NULL;
	if (!strcmp(k, "iotlb_reach"))
		return json_string_value(json_array_get(json_object_get(p, "source_rows"), 0));
	if (!strcmp(k, "iotlb_miss_penalty"))
		return json_string_value(json_object_get(p, "reach_row"));
	return NULL;
}

/* The finding of kind for reach row key in doc, or NULL. */
static json_t *finding_of(json_t *doc, const char *kind, const char *key)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *k = kind_of(row), *rk = reach_key(row);

		if (k && rk && !strcmp(k, kind) && !strcmp(rk, key))
			return row;
	}
	return NULL;
}

/* "v [lo, hi]" of the finding's metric; "skipped", or "-" when absent. */
static double cell(json_t *row, const char *metric, char *buf, size_t len)
{
	json_t *m = json_object_get(json_object_get(row, "metrics"), metric);
	double v = json_number_value(json_object_get(m, "median"));

	if (!row) {
		snprintf(buf, len, "-");
		return NAN;
	}
	if (!m || !json_is_number(json_object_get(m, "median"))) {
		snprintf(buf, len, "%s",
			 json_string_value(json_object_get(row, "status")) ?: "-");
		return NAN;
	}
	snprintf(buf, len, "%.4g [%.4g, %.4g]", v,
		 json_number_value(json_object_get(m, "ci95_low")),
		 json_number_value(json_object_get(m, "ci95_high")));
	return v;
}

static void table_line(json_t *a, json_t *b, const char *key, FILE *f)
{
	char ra[64], rb[64], pa[64], pb[64], lab[160];
	double va, vb;

	cell(finding_of(a, "iotlb_reach", key), "iotlb_entries", ra, sizeof(ra));
	cell(finding_of(b, "iotlb_reach", key), "iotlb_entries", rb, sizeof(rb));
	va = cell(finding_of(a, "iotlb_miss_penalty", key), "ns_per_miss", pa, sizeof(pa));
	vb = cell(finding_of(b, "iotlb_miss_penalty", key), "ns_per_miss", pb, sizeof(pb));
	ib_text_safe(lab, sizeof(lab),
		     strncmp(key, REACH_PREFIX, strlen(REACH_PREFIX)) ? key :
									key + strlen(REACH_PREFIX));
	fprintf(f, "  %-28s %-24s %-24s %-26s %-26s", lab, ra, rb, pa, pb);
	if (isfinite(va) && isfinite(vb) && va != 0)
		fprintf(f, " %8.4f\n", vb / va);
	else
		fprintf(f, " %8s\n", "-");
}

void ib_compare_iotlb(json_t *a, json_t *b, const char *ida, const char *idb, FILE *f)
{
	json_t *const both[2] = { a, b };
	json_t *seen = json_object(), *row;
	size_t i;
	int k, n = 0;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(both[k], "results"), i, row) {
			const char *key = reach_key(row);

			if (!key || json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			if (!n++) {
				char ta[128], tb[128];

				fprintf(f, "IOTLB per page size (%s | %s): reach in entries [bracket], "
					   "miss penalty in ns per miss [95 %% CI]\n",
					ib_text_safe(ta, sizeof(ta), ida), ib_text_safe(tb, sizeof(tb), idb));
				fprintf(f, "  %-28s %-24s %-24s %-26s %-26s %8s\n", "page size",
					"reach A", "reach B", "miss penalty A", "miss penalty B",
					"B/A");
			}
			table_line(a, b, key, f);
		}
	json_decref(seen);
}
