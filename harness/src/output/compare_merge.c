// SPDX-License-Identifier: GPL-2.0
/*
 * compare --merge-ranks: the ranks of a multi-rank run (rows
 * "<point>/rank:<N>", hosts or devices) merged into one row per point, so
 * that a fleet's distribution compares as one.  Each timing metric is
 * recomputed from the ranks' histograms merged by the documented rule
 * (ib_hist_json_merge: counts of equal buckets add), so percentiles and
 * the CI of the median are those of the pooled samples at bucket
 * resolution; a metric some rank has no histogram for cannot be merged and
 * is left out (the count is returned).  Counters add up.  docs/harness.md,
 * "Compare".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_compare.h"
#include "ib_histogram.h"
#include "ib_rowschema.h"
#include "ib_stats.h"
#include "iommubench.h"

/* name without its trailing "/rank:<digits>" into base; false if none. */
static bool rank_base(const char *name, char *base, size_t len)
{
	const char *r = strrchr(name, '/');

	if (!r || strncmp(r, "/rank:", 6) || !r[6] || strspn(r + 6, "0123456789") != strlen(r + 6))
		return false;
	snprintf(base, len, "%.*s", (int)(r - name), name);
	return true;
}

/* The metric key of every row in rows, merged; NULL when some row has no
 * histogram for it (or out of memory). */
static json_t *merge_metric(json_t *rows, const char *key)
{
	json_t *row, *h = NULL, *first = NULL, *m;
	double sum = 0, mn = INFINITY, mx = -INFINITY;
	uint64_t *b = NULL, total;
	struct ib_summary s;
	char err[256];
	size_t i;

	json_array_foreach(rows, i, row) {
		json_t *x = json_object_get(json_object_get(row, "metrics"), key), *n;

		if (!x || !json_object_get(x, "histogram"))
			goto fail;
		first = first ? first : x;
		n = ib_hist_json_merge(h, json_object_get(x, "histogram"), err, sizeof(err));
		json_decref(h);
		h = n;
		if (!h)
			goto fail;
		sum += json_number_value(json_object_get(x, "mean")) *
		       json_number_value(json_object_get(x, "n"));
		mn = fmin(mn, json_number_value(json_object_get(x, "min")));
		mx = fmax(mx, json_number_value(json_object_get(x, "max")));
	}
	b = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*b));
	if (!h || !b || ib_hist_from_json(h, b, err, sizeof(err)))
		goto fail;
	total = ib_hist_json_total(h);
	if (ib_stats_from_hist(b, total, (uint64_t)llround(sum), (uint64_t)llround(fmax(mn, 0)),
			       (uint64_t)llround(fmax(mx, 0)), &s))
		goto fail;
	m = ib_metric_json(&s, json_string_value(json_object_get(first, "unit")) ?: "ns");
	json_object_set_new(m, "merged_ranks", json_integer((json_int_t)json_array_size(rows)));
	json_object_set_new(m, "histogram", h);
	free(b);
	return m;
fail:
	json_decref(h);
	free(b);
	return NULL;
}

/* One point's rows (two or more ranks) as one row named base. */
static json_t *merge_point(json_t *rows, const char *base, size_t *dropped)
{
	json_t *out = json_deep_copy(json_array_get(rows, 0)), *row, *params, *metrics, *m, *c;
	const char *key;
	size_t i;

	if (!out)
		return NULL;
	json_object_set_new(out, "name", json_string(base));
	params = json_object_get(out, "params");
	json_object_del(params, "rank");
	json_object_del(params, "host");
	json_object_del(params, "device");
	json_object_set_new(params, "ranks_merged", json_integer((json_int_t)json_array_size(rows)));
	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "status")) ?: "", "ok")) {
			json_object_set(out, "status", json_object_get(row, "status"));
			json_object_set(out, "reason", json_object_get(row, "reason"));
			return out; /* a failed rank: the point is not ok */
		}
	metrics = json_object();
	json_object_foreach(json_object_get(out, "metrics"), key, m) {
		json_t *mm = merge_metric(rows, key);

		if (mm)
			json_object_set_new(metrics, key, mm);
		else
			(*dropped)++;
	}
	json_object_set_new(out, "metrics", metrics);
	json_object_foreach(json_object_get(out, "counters"), key, c) {
		long long v = 0;

		json_array_foreach(rows, i, row) {
			json_t *o = json_object_get(json_object_get(row, "counters"), key);

			v += json_integer_value(json_object_get(o, "value"));
		}
		json_object_set_new(c, "value", json_integer(v));
	}
	return out;
}

json_t *ib_compare_merge_ranks(json_t *doc, size_t *merged, size_t *dropped)
{
	json_t *out = json_deep_copy(doc), *rows = json_array(), *groups = json_object(), *row, *g;
	char base[1024];
	const char *key;
	size_t i;

	*merged = *dropped = 0;
	if (!out || !rows || !groups)
		goto oom;
	/* the points in first-row order; each point's rows in file order */
	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name")) ?: "";

		if (!rank_base(name, base, sizeof(base)) ||
		    !json_is_integer(json_object_get(json_object_get(row, "params"), "rank"))) {
			json_array_append(rows, row);
			continue;
		}
		g = json_object_get(groups, base);
		if (!g) {
			g = json_array();
			json_object_set_new(groups, base, g);
			json_array_append_new(rows, json_pack("{s:s}", "__merge", base));
		}
		json_array_append(g, row);
	}
	json_array_foreach(rows, i, row) {
		json_t *m;

		key = json_string_value(json_object_get(row, "__merge"));
		if (!key)
			continue;
		m = merge_point(json_object_get(groups, key), key, dropped);
		if (!m)
			goto oom;
		json_array_set_new(rows, i, m);
		(*merged)++;
	}
	json_object_set_new(out, "results", rows);
	json_decref(groups);
	return out;
oom:
	json_decref(out);
	json_decref(rows);
	json_decref(groups);
	return NULL;
}
