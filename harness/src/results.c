// SPDX-License-Identifier: GPL-2.0
/*
 * Results: the contract JSON (jansson) and CSV.  Files are written to a
 * temporary name and renamed, so a reader (or an interrupted run) always
 * sees a complete, valid file; the runner rewrites them after every point
 * with "complete": false and once more at the end with true.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_results.h"

json_t *ib_results_new(json_t *context)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "schema", json_string(IB_SCHEMA));
	json_object_set_new(doc, "complete", json_false());
	json_object_set_new(doc, "context", context ? context : json_object());
	json_object_set_new(doc, "results", json_array());
	return doc;
}

static json_t *num(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *ib_metric_json(const struct ib_summary *s, const char *unit)
{
	json_t *m = json_object();

	json_object_set_new(m, "unit", json_string(unit));
	json_object_set_new(m, "n", json_integer((json_int_t)s->n));
	json_object_set_new(m, "median", num(s->median));
	json_object_set_new(m, "mean", num(s->mean));
	json_object_set_new(m, "min", num(s->min));
	json_object_set_new(m, "max", num(s->max));
	json_object_set_new(m, "p90", num(s->p90));
	json_object_set_new(m, "p99", num(s->p99));
	json_object_set_new(m, "p999", num(s->p999));
	json_object_set_new(m, "stddev", num(s->stddev));
	json_object_set_new(m, "cov", num(s->cov));
	json_object_set_new(m, "ci95_low", num(s->ci95_low));
	json_object_set_new(m, "ci95_high", num(s->ci95_high));
	json_object_set_new(m, "outliers", json_integer((json_int_t)s->outliers));
	return m;
}

int ib_mkdir_p(const char *path)
{
	char tmp[1024], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

/* ---- CSV ---- */

static const char *const csv_cols[] = {
	"run_id", "platform", "host", "suite", "name", "bench", "engine",
	"run_type", "status", "reason", "page_size", "page_size_obtained",
	"window", "xfer_size", "pattern", "threads", "granule", "iommu_mode",
	"iommu_mode_effective", "cpu_node", "mem_node", "dev_node",
	"mem_node_obtained", "numa_distance", "device", "direction",
	"dma_segments", "iommu_page_sizes", "verdict", "knee_window", "metric",
	"unit", "n", "median", "mean", "min", "max", "p90", "p99", "p999",
	"stddev", "cov", "ci95_low", "ci95_high", "source", NULL
};

json_t *ib_results_find_row(json_t *rows, const char *name)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *n = json_string_value(json_object_get(row, "name"));

		if (n && name && !strcmp(n, name))
			return row;
	}
	return NULL;
}

void ib_csv_put(FILE *f, const char *s)
{
	if (!s)
		return;
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static void csv_json(FILE *f, json_t *v)
{
	char buf[64];
	size_t i;

	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		ib_csv_put(f, json_string_value(v));
	} else if (json_is_integer(v)) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.10g", json_real_value(v));
		fputs(buf, f);
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "1" : "0", f);
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				fputc(';', f);
			csv_json(f, json_array_get(v, i));
		}
	}
}

/* Writes the columns before "metric" for one row. */
static void csv_prefix(FILE *f, json_t *ctx, json_t *row)
{
	json_t *params = json_object_get(row, "params");
	int i;

	for (i = 0; csv_cols[i] && strcmp(csv_cols[i], "metric"); i++) {
		const char *c = csv_cols[i];
		json_t *v = NULL;

		if (i)
			fputc(',', f);
		if (!strcmp(c, "run_id") || !strcmp(c, "platform") ||
		    !strcmp(c, "host") || !strcmp(c, "suite"))
			v = json_object_get(ctx, c);
		else if (!strcmp(c, "name") || !strcmp(c, "bench") ||
			 !strcmp(c, "engine") || !strcmp(c, "status") ||
			 !strcmp(c, "reason") || !strcmp(c, "verdict"))
			v = json_object_get(row, c);
		else if (!strcmp(c, "run_type")) {
			v = json_object_get(row, c);
			if (!v) {
				fputs("measured", f);
				continue;
			}
		} else
			v = json_object_get(params, c);
		csv_json(f, v);
	}
}

int ib_results_write_csv(const char *path, json_t *doc)
{
	json_t *ctx = json_object_get(doc, "context");
	json_t *rows = json_object_get(doc, "results"), *row;
	size_t i;
	int c;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (c = 0; csv_cols[c]; c++)
		fprintf(f, "%s%s", c ? "," : "", csv_cols[c]);
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		json_t *metrics = json_object_get(row, "metrics");
		json_t *counters = json_object_get(row, "counters");
		const char *key;
		json_t *m;
		int nout = 0;

		json_object_foreach(metrics, key, m) {
			static const char *const st[] = {
				"n", "median", "mean", "min", "max", "p90", "p99",
				"p999", "stddev", "cov", "ci95_low", "ci95_high"
			};
			size_t k;

			csv_prefix(f, ctx, row);
			fputc(',', f);
			ib_csv_put(f, key);
			fputc(',', f);
			csv_json(f, json_object_get(m, "unit"));
			for (k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
				fputc(',', f);
				csv_json(f, json_object_get(m, st[k]));
			}
			fputs(",\n", f);
			nout++;
		}
		json_object_foreach(counters, key, m) {
			json_t *v = json_object_get(m, "value");

			csv_prefix(f, ctx, row);
			fputc(',', f);
			ib_csv_put(f, key);
			fputs(",count,1,", f);
			csv_json(f, v);
			fputc(',', f);
			csv_json(f, v);
			fputc(',', f);
			csv_json(f, v);
			fputc(',', f);
			csv_json(f, v);
			fputs(",,,,,,,,", f);
			csv_json(f, json_object_get(m, "source"));
			fputc('\n', f);
			nout++;
		}
		if (!nout) {
			csv_prefix(f, ctx, row);
			fputs(",,,,,,,,,,,,,,,\n", f);
		}
	}
	if (fclose(f))
		return -1;
	return 0;
}

int ib_results_write(const char *dir, json_t *doc, bool complete)
{
	char tmp[1100], path[1100];

	json_object_set_new(doc, "complete", json_boolean(complete));
	snprintf(tmp, sizeof(tmp), "%s/.results.json.tmp", dir);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
					     JSON_REAL_PRECISION(10)))
		return -1;
	if (rename(tmp, path))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.results.csv.tmp", dir);
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	if (ib_results_write_csv(tmp, doc) || rename(tmp, path))
		return -1;
	return 0;
}

json_t *ib_results_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);

	if (!doc) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if (ib_results_check(doc, err, errlen)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int ib_results_check(json_t *doc, char *err, size_t errlen)
{
	static const char *const ctx_keys[] = { "tool_version", "date", "host",
						"platform", "kernel", "suite" };
	static const char *const mkeys[] = { "unit", "n", "median", "mean",
					     "min", "max", "p90", "p99", "p999",
					     "stddev", "cov", "ci95_low",
					     "ci95_high" };
	json_t *ctx, *rows, *row;
	size_t i, k;

	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "schema")) ||
	    strcmp(json_string_value(json_object_get(doc, "schema")), IB_SCHEMA)) {
		snprintf(err, errlen, "schema: expected \"%s\"", IB_SCHEMA);
		return -1;
	}
	ctx = json_object_get(doc, "context");
	if (!json_is_object(ctx)) {
		snprintf(err, errlen, "context: expected an object");
		return -1;
	}
	for (k = 0; k < sizeof(ctx_keys) / sizeof(ctx_keys[0]); k++)
		if (!json_is_string(json_object_get(ctx, ctx_keys[k]))) {
			snprintf(err, errlen, "context.%s: expected a string",
				 ctx_keys[k]);
			return -1;
		}
	{
		const char *pl = json_string_value(json_object_get(ctx, "platform"));

		if (strcmp(pl, "host") && strcmp(pl, "qemu-lab")) {
			snprintf(err, errlen,
				 "context.platform=%s: expected host or qemu-lab", pl);
			return -1;
		}
	}
	rows = json_object_get(doc, "results");
	if (!json_is_array(rows)) {
		snprintf(err, errlen, "results: expected an array");
		return -1;
	}
	json_array_foreach(rows, i, row) {
		const char *st = json_string_value(json_object_get(row, "status"));
		const char *name = json_string_value(json_object_get(row, "name"));
		json_t *metrics = json_object_get(row, "metrics"), *m, *c;
		const char *key;

		if (!name) {
			snprintf(err, errlen, "results[%zu].name: expected a string", i);
			return -1;
		}
		if (!st || (strcmp(st, "ok") && strcmp(st, "skipped") &&
			    strcmp(st, "error"))) {
			snprintf(err, errlen,
				 "results[%zu] %s: status: expected ok, skipped or error",
				 i, name);
			return -1;
		}
		if (strcmp(st, "ok") &&
		    !json_is_string(json_object_get(row, "reason"))) {
			snprintf(err, errlen, "results[%zu] %s: %s row without a reason",
				 i, name, st);
			return -1;
		}
		if (!json_is_object(json_object_get(row, "params"))) {
			snprintf(err, errlen, "results[%zu] %s: params: expected an object",
				 i, name);
			return -1;
		}
		json_object_foreach(metrics, key, m)
			for (k = 0; k < sizeof(mkeys) / sizeof(mkeys[0]); k++)
				if (!json_object_get(m, mkeys[k])) {
					snprintf(err, errlen,
						 "results[%zu] %s: metrics.%s.%s missing",
						 i, name, key, mkeys[k]);
					return -1;
				}
		json_object_foreach(json_object_get(row, "counters"), key, c)
			if (!json_is_integer(json_object_get(c, "value")) ||
			    !json_is_string(json_object_get(c, "source"))) {
				snprintf(err, errlen,
					 "results[%zu] %s: counters.%s: expected {value, source}",
					 i, name, key);
				return -1;
			}
	}
	return 0;
}

void ib_run_id(char *buf, size_t len, const char *host, time_t t)
{
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s-%s", host, ts);
}

int ib_results_link_latest(const char *suite_dir, const char *run_id)
{
	char tmp[1100], path[1100];

	snprintf(tmp, sizeof(tmp), "%s/.latest.tmp", suite_dir);
	snprintf(path, sizeof(path), "%s/latest", suite_dir);
	unlink(tmp);
	if (symlink(run_id, tmp))
		return -1;
	return rename(tmp, path);
}
