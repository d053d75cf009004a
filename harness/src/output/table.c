// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench table RUN... [-o PREFIX]`: the fleet table (docs/report.md,
 * "The fleet table").  One column per machine: each run, or each rank of a
 * multi-rank run (its own context and rows), headed by the instance type
 * (cloud.instance_type, else DMI product_name, else the host).  One row per
 * finding, taken from each column's rows after derive (reach rows and
 * findings rebuilt on a copy, so a run never derived still has them):
 *  - IOTLB reach per page size (entries; the bracket as its interval),
 *  - the miss penalty per page size (ns per miss, its CI),
 *  - map and unmap in dma-strict and dma-lazy (ns, 4 KiB, the smallest granule),
 *  - the 4k -> 2m gain (misses per DMA, x fewer),
 *  - H2D and D2H copy bandwidth per page size (GB/s, the largest window),
 *  - NVMe IOPS per IOMMU mode (identity, dma-strict, dma-lazy).
 * Each cell: the value, its 95 % CI, and against the first column whether
 * the two differ significantly (CIs disjoint, with n >= 6 on both sides
 * where n is a sample count, as compare calls it).  Without -o the table
 * goes to stdout as text; with -o PREFIX it is written as PREFIX.html,
 * PREFIX.csv and PREFIX.tex (table_fmt.c).  Exit 0, 1 on bad input.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ib_commands.h"
#include "ib_derive.h"
#include "ib_exit.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_sysinfo.h"
#include "table_int.h"

static const char *const page_sizes[] = { "4k", "2m", "1g", NULL };
static const char *const map_modes[] = { "dma-strict", "dma-lazy", NULL };
static const char *const nvme_modes[] = { "identity", "dma-strict", "dma-lazy", NULL };

static const char *pstr(json_t *row, const char *k)
{
	return json_string_value(json_object_get(json_object_get(row, "params"), k));
}

static double pnum(json_t *row, const char *k)
{
	json_t *v = json_object_get(json_object_get(row, "params"), k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static bool row_ok(json_t *row)
{
	const char *st = json_string_value(json_object_get(row, "status"));

	return st && !strcmp(st, "ok");
}

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

/* A metric object into a cell: median and CI (NaN where absent). */
static bool cell_of(json_t *m, double scale, struct tcell *c)
{
	json_t *v = json_object_get(m, "median");

	if (!json_is_number(v))
		return false;
	c->have = true;
	c->v = json_number_value(v) * scale;
	v = json_object_get(m, "ci95_low");
	c->lo = json_is_number(v) ? json_number_value(v) * scale : NAN;
	v = json_object_get(m, "ci95_high");
	c->hi = json_is_number(v) ? json_number_value(v) * scale : NAN;
	v = json_object_get(m, "n");
	c->n = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
	return true;
}

static json_t *named_row(json_t *rows, const char *name)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (str_is(json_string_value(json_object_get(row, "name")), name))
			return row;
	return NULL;
}

/* The first metric of a derived row (a finding has one). */
static json_t *first_metric(json_t *row)
{
	void *it = json_object_iter(json_object_get(row, "metrics"));

	return it ? json_object_iter_value(it) : NULL;
}

static void derived_cell(json_t *rows, const char *name, const char *metric, struct tcell *c)
{
	json_t *row = named_row(rows, name);

	if (row && row_ok(row))
		cell_of(metric ? json_object_get(json_object_get(row, "metrics"), metric) :
				 first_metric(row),
			1, c);
	if (c->have && !metric)
		c->n = -1; /* a finding's interval is not a sample CI */
}

/*
 * The measured row of engine e whose params match (NULL: any) and whose
 * metric is there: the one with the smallest granule (map), else the
 * largest window (copies), else the first.
 */
static void measured_cell(json_t *rows, const char *engine, const char *op, const char *dir,
			  const char *ps, const char *mode, const char *metric, double scale,
			  bool widest, struct tcell *c)
{
	json_t *row, *best = NULL;
	double bk = 0;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *eff = pstr(row, "iommu_mode_effective");
		json_t *m = json_object_get(json_object_get(row, "metrics"), metric);
		double k;

		if (!row_ok(row) || !m ||
		    str_is(json_string_value(json_object_get(row, "run_type")), "derived") ||
		    !str_is(json_string_value(json_object_get(row, "engine")), engine) ||
		    (op && !str_is(pstr(row, "op"), op)) ||
		    (dir && !str_is(pstr(row, "direction"), dir)) ||
		    (ps && !str_is(pstr(row, "page_size"), ps)) || (mode && !str_is(eff, mode)))
			continue;
		k = widest ? pnum(row, "window") : -pnum(row, "granule");
		if (isnan(k))
			k = 0;
		if (!best || k > bk) {
			best = row;
			bk = k;
		}
	}
	if (best)
		cell_of(json_object_get(json_object_get(best, "metrics"), metric), scale, c);
}

/* The table's rows for one column's rows (t->ncols is that column). */
static void fill_column(struct table *t, int col, json_t *rows)
{
	char name[160];
	int k, r = 0;

#define ROW(i, label_fmt, unit_, ...)                                                  \
	do {                                                                            \
		snprintf(t->rows[i].label, sizeof(t->rows[i].label), label_fmt, __VA_ARGS__); \
		snprintf(t->rows[i].unit, sizeof(t->rows[i].unit), "%s", unit_);       \
	} while (0)
	for (k = 0; page_sizes[k]; k++, r++) {
		ROW(r, "IOTLB reach, %s", "entries", page_sizes[k]);
		snprintf(name, sizeof(name), "iotlb_reach/page_size:%s", page_sizes[k]);
		derived_cell(rows, name, "iotlb_entries", &t->rows[r].c[col]);
		t->rows[r].c[col].n = -1; /* a bracket, not a sample CI */
	}
	for (k = 0; page_sizes[k]; k++, r++) {
		ROW(r, "IOTLB miss penalty, %s", "ns/miss", page_sizes[k]);
		snprintf(name, sizeof(name), IB_FINDING_PREFIX "iotlb_miss_penalty/%s", page_sizes[k]);
		derived_cell(rows, name, NULL, &t->rows[r].c[col]);
	}
	for (k = 0; map_modes[k]; k++, r += 2) {
		ROW(r, "map, %s", "ns", map_modes[k]);
		measured_cell(rows, "map", NULL, NULL, "4k", map_modes[k], "map_ns", 1, false,
			      &t->rows[r].c[col]);
		ROW(r + 1, "unmap, %s", "ns", map_modes[k]);
		measured_cell(rows, "map", NULL, NULL, "4k", map_modes[k], "unmap_ns", 1, false,
			      &t->rows[r + 1].c[col]);
	}
	ROW(r, "4k -> 2m gain, IOTLB misses per DMA%s", "x fewer", "");
	derived_cell(rows, IB_FINDING_PREFIX "misses_per_dma/2m_vs_4k", NULL, &t->rows[r++].c[col]);
	for (k = 0; page_sizes[k]; k++, r += 2) {
		ROW(r, "H2D copy, %s", "GB/s", page_sizes[k]);
		measured_cell(rows, "cuda", "bench", "to_device", page_sizes[k], NULL,
			      "bandwidth_bytes_per_s", 1e-9, true, &t->rows[r].c[col]);
		ROW(r + 1, "D2H copy, %s", "GB/s", page_sizes[k]);
		measured_cell(rows, "cuda", "bench", "from_device", page_sizes[k], NULL,
			      "bandwidth_bytes_per_s", 1e-9, true, &t->rows[r + 1].c[col]);
	}
	for (k = 0; nvme_modes[k]; k++, r++) {
		ROW(r, "NVMe IOPS, %s", "IOPS", nvme_modes[k]);
		measured_cell(rows, "nvme", NULL, NULL, NULL, nvme_modes[k], "iops", 1, false,
			      &t->rows[r].c[col]);
	}
#undef ROW
	t->nrows = r;
}

/* The column's heading: instance type (provider, zone), else host. */
static void col_label(struct tcol *c, json_t *ctx, const char *host)
{
	char inst[256];
	const char *plat = json_string_value(json_object_get(ctx, "platform"));
	const char *what = ib_sysinfo_instance(ctx, inst, sizeof(inst));

	snprintf(c->label, sizeof(c->label), "%s%s", what ? what : host ? host : "?",
		 str_is(plat, "qemu-lab") ? " (emulated)" : "");
	ib_text_safe(c->label, sizeof(c->label), c->label);
}

static bool has_rows(json_t *rows, const char *prefix)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *n = json_string_value(json_object_get(row, "name"));

		if (n && !strncmp(n, prefix, strlen(prefix)))
			return true;
	}
	return false;
}

/* A column from a context and its rows: derived on a copy where the run
 * was not. */
static int add_column(struct table *t, json_t *ctx, json_t *rows, const char *run_id,
		      const char *host)
{
	json_t *doc = json_object();
	struct tcol *c;
	char err[512];

	if (t->ncols == TABLE_MAX_COLS) {
		fprintf(stderr, "iommubench: table: at most %d columns (runs and ranks)\n",
			TABLE_MAX_COLS);
		json_decref(rows);
		json_decref(doc);
		return -1;
	}
	c = &t->cols[t->ncols];
	json_object_set_new(doc, "schema", json_string("iommubench/1"));
	json_object_set_new(doc, "context", json_is_object(ctx) ? json_deep_copy(ctx) : json_object());
	json_object_set_new(doc, "results", rows);
	/* a run's own conclusions stand; a run never derived gets them here */
	if ((!has_rows(rows, "iotlb_reach/") && ib_derive_iotlb_reach(doc, err, sizeof(err)) < 0) ||
	    (!has_rows(rows, IB_FINDING_PREFIX) && ib_derive_findings(doc, err, sizeof(err)) < 0)) {
		fprintf(stderr, "iommubench: table: %s: derive: %s\n", run_id, err);
		json_decref(doc);
		return -1;
	}
	col_label(c, ctx, host);
	ib_text_safe(c->run_id, sizeof(c->run_id), run_id ? run_id : "?");
	ib_text_safe(c->platform, sizeof(c->platform),
		     json_string_value(json_object_get(ctx, "platform")) ?: "");
	fill_column(t, t->ncols, json_object_get(doc, "results"));
	t->ncols++;
	json_decref(doc);
	return 0;
}

/* A multi-rank run: a column per rank (its context, its rows without
 * "/rank:<k>"); else one column. */
static int add_run(struct table *t, json_t *doc)
{
	json_t *ctx = json_object_get(doc, "context"), *ranks = json_object_get(ctx, "ranks");
	json_t *rk, *row;
	const char *id = json_string_value(json_object_get(ctx, "run_id"));
	const char *host = json_string_value(json_object_get(ctx, "host"));
	size_t i, j;

	if (!json_is_array(ranks) || json_array_size(ranks) < 2)
		return add_column(t, ctx, json_deep_copy(json_object_get(doc, "results")), id, host);
	json_array_foreach(ranks, i, rk) {
		json_t *rows = json_array();
		long long k = json_integer_value(json_object_get(rk, "rank"));
		char suffix[48], rid[300];

		snprintf(suffix, sizeof(suffix), "/rank:%lld", k);
		json_array_foreach(json_object_get(doc, "results"), j, row) {
			const char *name = json_string_value(json_object_get(row, "name"));
			size_t nl = name ? strlen(name) : 0;
			json_t *copy;

			if (nl < strlen(suffix) || strcmp(name + nl - strlen(suffix), suffix) ||
			    pnum(row, "rank") != (double)k)
				continue;
			copy = json_deep_copy(row);
			json_object_set_new(copy, "name", json_stringn(name, nl - strlen(suffix)));
			json_array_append_new(rows, copy);
		}
		json_t *rctx = json_is_object(json_object_get(rk, "context")) ?
				       json_deep_copy(json_object_get(rk, "context")) : json_object();
		int bad;

		/* a rank's context is its machine's; the platform is the run's */
		if (!json_object_get(rctx, "platform") && json_object_get(ctx, "platform"))
			json_object_set(rctx, "platform", json_object_get(ctx, "platform"));
		snprintf(rid, sizeof(rid), "%s rank:%lld", id ? id : "?", k);
		bad = add_column(t, rctx, rows, rid,
				 json_string_value(json_object_get(rk, "host")) ?: host);
		json_decref(rctx);
		if (bad)
			return -1;
	}
	return 0;
}

/* Against the first column: 1 significant, 0 not, -1 not comparable. */
static int significance(const struct tcell *a, const struct tcell *b)
{
	if (!a->have || !b->have || isnan(a->lo) || isnan(a->hi) || isnan(b->lo) ||
	    isnan(b->hi))
		return -1;
	if ((a->n >= 0 && a->n < 6) || (b->n >= 0 && b->n < 6))
		return -1; /* fewer than 6 samples: no 95 % interval (compare's rule) */
	return b->lo > a->hi || b->hi < a->lo;
}

static int load(const char *arg, json_t **doc)
{
	char path[4200], err[1024];
	struct stat st;

	if (!stat(arg, &st) && S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/results.json", arg);
	else
		snprintf(path, sizeof(path), "%s", arg);
	*doc = ib_results_load(path, err, sizeof(err));
	if (!*doc) {
		fprintf(stderr, "iommubench: table: %s\n", err);
		return -1;
	}
	return 0;
}

int cmd_table(int argc, char **argv)
{
	struct table *t = calloc(1, sizeof(*t));
	const char *prefix = NULL;
	int i, r, c, nruns = 0, rc = IB_EXIT_USAGE;
	json_t *doc;

	if (!t)
		return IB_EXIT_FAILED;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o")) {
			if (++i == argc || !argv[i][0]) {
				fprintf(stderr, "iommubench: table: -o: expected a file prefix (writes PREFIX.html, .csv, .tex)\n");
				goto out;
			}
			prefix = argv[i];
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "iommubench: table: %s: unknown option; usage: iommubench table RUN... [-o PREFIX]\n",
				argv[i]);
			goto out;
		}
		if (load(argv[i], &doc))
			goto out;
		r = add_run(t, doc);
		json_decref(doc);
		if (r)
			goto out;
		nruns++;
	}
	if (!nruns) {
		fprintf(stderr, "iommubench: table: expected one or more runs (run directories or results.json)\n");
		goto out;
	}
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			t->rows[r].c[c].sig = c ? significance(&t->rows[r].c[0], &t->rows[r].c[c]) : -1;
	rc = prefix ? table_write_all(t, prefix) : (table_text(t, stdout), IB_EXIT_OK);
out:
	free(t);
	return rc;
}
