// SPDX-License-Identifier: GPL-2.0
/*
 * The row schema (ib_rowschema.h): one table of every row field, and what
 * reads rows through it: the typed view (struct ib_row), series keys, the
 * dimensions' text, the metric object.  core/point.c writes rows with
 * ib_metric_json; output/ (CSV, report, derive, findings) reads them here.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_options.h"
#include "ib_rowschema.h"

#define R(m) offsetof(struct ib_row, m)
#define P(m) offsetof(struct ib_row, p.m)
#define REQ IB_FF_REQUESTED
#define RES IB_FF_RESOLVED
#define PRE IB_FF_CSV_PRE
#define POST IB_FF_CSV_POST

/* name, where, type, unit, flags, resolves, dimension, view slot(s) */
struct ib_row_field ib_row_fields[IB_F_MAX] = {
	[IB_F_RUN_ID] = { "run_id", IB_FW_CONTEXT, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_PLATFORM] = { "platform", IB_FW_CONTEXT, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_HOST] = { "host", IB_FW_CONTEXT, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_SUITE] = { "suite", IB_FW_CONTEXT, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_NAME] = { "name", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1, NULL, IB_V_STR, R(name) },
	[IB_F_BENCH] = { "bench", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1, "job", IB_V_STR, R(bench) },
	[IB_F_ENGINE] = { "engine", IB_FW_ROW, IB_FT_STR, NULL, PRE | REQ, -1, "engine",
			  IB_V_STR, R(engine) },
	[IB_F_RUN_TYPE] = { "run_type", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1, NULL, IB_V_STR,
			    R(run_type) },
	[IB_F_STATUS] = { "status", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_REASON] = { "reason", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1, NULL, IB_V_STR,
			  R(reason) },
	[IB_F_PAGE_SIZE] = { "page_size", IB_FW_PARAMS, IB_FT_STR, NULL, PRE | REQ, -1,
			     "page_size", IB_V_STR, P(page_size) },
	[IB_F_PAGE_SIZE_OBTAINED] = { "page_size_obtained", IB_FW_PARAMS, IB_FT_INT, "bytes",
				      PRE | RES, IB_F_PAGE_SIZE, NULL, IB_V_U64,
				      P(page_size_obtained) },
	[IB_F_WINDOW] = { "window", IB_FW_PARAMS, IB_FT_INT, "bytes", PRE | REQ, -1, "window",
			  IB_V_NUM, P(window), IB_V_TEXT, P(window_text) },
	[IB_F_XFER_SIZE] = { "xfer_size", IB_FW_PARAMS, IB_FT_INT, "bytes", PRE | REQ, -1,
			     "xfer_size", IB_V_NUM, P(xfer_size), IB_V_TEXT, P(xfer_size_text) },
	[IB_F_PATTERN] = { "pattern", IB_FW_PARAMS, IB_FT_STR, NULL, PRE | REQ, -1, "pattern",
			   IB_V_STR, P(pattern) },
	[IB_F_THREADS] = { "threads", IB_FW_PARAMS, IB_FT_INT, NULL, PRE | REQ, -1, "threads",
			   IB_V_INT, P(threads), IB_V_TEXT, P(threads_text) },
	[IB_F_GRANULE] = { "granule", IB_FW_PARAMS, IB_FT_INT, "pages", PRE | REQ, -1, "granule",
			   IB_V_INT, P(granule), IB_V_TEXT, P(granule_text) },
	[IB_F_IOMMU_MODE] = { "iommu_mode", IB_FW_PARAMS, IB_FT_STR, NULL, PRE | REQ, -1,
			      "iommu_mode", IB_V_STR, P(iommu_mode) },
	[IB_F_IOMMU_MODE_EFFECTIVE] = { "iommu_mode_effective", IB_FW_PARAMS, IB_FT_STR, NULL,
					PRE | RES, IB_F_IOMMU_MODE, "iommu_mode_effective",
					IB_V_STR, P(iommu_mode_effective) },
	[IB_F_CPU_NODE] = { "cpu_node", IB_FW_PARAMS, IB_FT_NODE, NULL, PRE | REQ, -1, "cpu_node",
			    IB_V_TEXT, P(cpu_node) },
	[IB_F_MEM_NODE] = { "mem_node", IB_FW_PARAMS, IB_FT_NODE, NULL, PRE | REQ, -1, "mem_node",
			    IB_V_TEXT, P(mem_node) },
	[IB_F_DEV_NODE] = { "dev_node", IB_FW_PARAMS, IB_FT_NODE, NULL, PRE | REQ, -1, "dev_node",
			    IB_V_TEXT, P(dev_node) },
	[IB_F_MEM_NODE_OBTAINED] = { "mem_node_obtained", IB_FW_PARAMS, IB_FT_INT, NULL, PRE | RES,
				     IB_F_MEM_NODE },
	[IB_F_NUMA_DISTANCE] = { "numa_distance", IB_FW_PARAMS, IB_FT_INT, NULL, PRE | RES, -1 },
	[IB_F_DEVICE] = { "device", IB_FW_PARAMS, IB_FT_STR, NULL, PRE | REQ | RES, -1, "device",
			  IB_V_STR, P(device) },
	[IB_F_DIRECTION] = { "direction", IB_FW_PARAMS, IB_FT_STR, NULL, PRE | REQ, -1,
			     "direction", IB_V_STR, P(direction) },
	[IB_F_DMA_SEGMENTS] = { "dma_segments", IB_FW_PARAMS, IB_FT_INT, NULL, PRE | RES, -1 },
	[IB_F_IOMMU_PAGE_SIZES] = { "iommu_page_sizes", IB_FW_PARAMS, IB_FT_LIST, "bytes",
				    PRE | RES, -1 },
	[IB_F_VERDICT] = { "verdict", IB_FW_ROW, IB_FT_STR, NULL, PRE, -1 },
	[IB_F_KNEE_WINDOW] = { "knee_window", IB_FW_PARAMS, IB_FT_INT, "bytes", PRE | RES, -1,
			       NULL, IB_V_NUM, P(knee_window) },
	[IB_F_PHYS_PIECES] = { "phys_pieces", IB_FW_PARAMS, IB_FT_INT, NULL, POST | RES, -1 },
	[IB_F_LAYOUT] = { "layout", IB_FW_PARAMS, IB_FT_STR, NULL, POST | REQ, -1 },
	[IB_F_COUNTERS_LIVE] = { "counters_live", IB_FW_PARAMS, IB_FT_LIST, NULL, POST | RES,
				 -1 },
	[IB_F_OP] = { "op", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1, NULL, IB_V_STR, P(op) },
	[IB_F_ITERATIONS] = { "iterations", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1, NULL,
			      IB_V_INT, P(iterations) },
	[IB_F_WARMUP] = { "warmup", IB_FW_PARAMS, IB_FT_NUM, "ns", REQ, -1, NULL, IB_V_NUM,
			  P(warmup) },
	[IB_F_CONCURRENCY] = { "concurrency", IB_FW_PARAMS, IB_FT_STR, NULL,
			       REQ | IB_FF_KEY_NAMED, -1, "concurrency", IB_V_STR,
			       P(concurrency) },
	[IB_F_RANK] = { "rank", IB_FW_PARAMS, IB_FT_INT, NULL, RES | IB_FF_KEY_NAMED, -1, NULL,
			IB_V_INT, P(rank) },
	[IB_F_REPETITIONS] = { "repetitions", IB_FW_ROW, IB_FT_NUM, NULL, RES, -1, NULL,
			       IB_V_NUM, R(repetitions) },
	/* options the rows record but no reader keys on: text as given, or
	 * integers (sizes, counts) */
	[IB_F_DURATION] = { "duration", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_MIN_REPS] = { "min_reps", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1 },
	[IB_F_MAX_REPS] = { "max_reps", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1 },
	[IB_F_MAX_TIME] = { "max_time", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_TARGET_CI] = { "target_ci", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_SEED] = { "seed", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1 },
	[IB_F_VERIFY] = { "verify", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1 },
	/* as asked, else the size the engine derived (ib_params_buf_size) */
	[IB_F_BUF_SIZE] = { "buf_size", IB_FW_PARAMS, IB_FT_INT, "bytes", REQ | RES, -1 },
	[IB_F_COUNTERS] = { "counters", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_DESCRIPTION] = { "description", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_MAX_POINTS] = { "max_points", IB_FW_PARAMS, IB_FT_INT, NULL, REQ, -1 },
	[IB_F_COUNTER_SOURCES] = { "counter_sources", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_PAPI_EVENTS] = { "papi_events", IB_FW_PARAMS, IB_FT_STR, NULL, REQ, -1 },
	[IB_F_NUMA_DISTANCE_CPU_MEM] = { "numa_distance_cpu_mem", IB_FW_PARAMS, IB_FT_INT, NULL,
					 RES, -1 },
	[IB_F_NUMA_DISTANCE_DEV_MEM] = { "numa_distance_dev_mem", IB_FW_PARAMS, IB_FT_INT, NULL,
					 RES, -1 },
	/* a point the reach refinement added (contract: resolved params) */
	[IB_F_REFINED] = { "refined", IB_FW_PARAMS, IB_FT_BOOL, NULL, RES, -1 },
	/* what translates the row's DMA: host, guest-viommu, hypervisor, off,
	 * unknown (contract: resolved params; core/visibility.c) */
	[IB_F_IOMMU_VISIBILITY] = { "iommu_visibility", IB_FW_PARAMS, IB_FT_STR, NULL, RES, -1 },
};

const enum ib_field_id ib_row_series_fields[] = {
	IB_F_BENCH, IB_F_ENGINE, IB_F_OP, IB_F_PAGE_SIZE, IB_F_PATTERN, IB_F_XFER_SIZE,
	IB_F_THREADS, IB_F_GRANULE, IB_F_ITERATIONS, IB_F_IOMMU_MODE, IB_F_DIRECTION,
	IB_F_CPU_NODE, IB_F_MEM_NODE, IB_F_DEV_NODE, IB_F_DEVICE, IB_F_WINDOW,
	IB_F_CONCURRENCY, IB_F_RANK,
};
const size_t ib_row_nseries = sizeof(ib_row_series_fields) / sizeof(ib_row_series_fields[0]);

const enum ib_field_id ib_row_dim_fields[IB_ROW_NDIMS] = {
	IB_F_PAGE_SIZE, IB_F_BENCH, IB_F_ENGINE, IB_F_PATTERN, IB_F_XFER_SIZE, IB_F_THREADS,
	IB_F_GRANULE, IB_F_IOMMU_MODE, IB_F_IOMMU_MODE_EFFECTIVE, IB_F_DIRECTION, IB_F_CPU_NODE,
	IB_F_MEM_NODE, IB_F_DEV_NODE, IB_F_DEVICE, IB_F_WINDOW, IB_F_CONCURRENCY,
};

const char *const ib_csv_metric_cols[] = {
	"metric", "unit", "n", "median", "mean", "min", "max", "p90", "p99", "p999",
	"stddev", "cov", "ci95_low", "ci95_high", "source", NULL
};

int ib_row_field_find(const char *name)
{
	int i;

	for (i = 0; i < IB_F_MAX; i++)
		if (ib_row_fields[i].name && !strcmp(ib_row_fields[i].name, name))
			return i;
	return -1;
}

int ib_row_field_register(const struct ib_row_field *f)
{
	int i = ib_row_field_find(f->name);

	if (i >= 0)
		return i;
	if (f->view != IB_V_NONE && f->view != IB_V_INT)
		return -1;
	for (i = IB_F_EPARAM_FIRST; i < IB_F_MAX; i++)
		if (!ib_row_fields[i].name) {
			ib_row_fields[i] = *f;
			ib_row_fields[i].view2 = IB_V_NONE;
			ib_row_fields[i].off = offsetof(struct ib_row, p.eparam) +
					       (size_t)(i - IB_F_EPARAM_FIRST) * sizeof(long long);
			return i;
		}
	return -1;
}

long long ib_row_int(const struct ib_row *r, int field)
{
	if (field < 0 || field >= IB_F_MAX || ib_row_fields[field].view != IB_V_INT)
		return -1;
	return *(const long long *)((const char *)r + ib_row_fields[field].off);
}

int ib_row_dim_find(const char *dim)
{
	int i;

	/* the report passes the table's own names: pointers first */
	for (i = 0; i < IB_F_MAX; i++)
		if (ib_row_fields[i].dim == dim)
			return i;
	for (i = 0; i < IB_F_MAX; i++)
		if (ib_row_fields[i].dim && !strcmp(ib_row_fields[i].dim, dim))
			return i;
	return -1;
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

bool ib_results_num_text(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v) && isfinite(json_real_value(v)))
		snprintf(buf, len, "%.10g", json_real_value(v));
	else {
		if (len)
			buf[0] = '\0';
		return false;
	}
	return true;
}

/* ---- the typed view ---- */

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static double jnum(json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* One slot of r from the JSON value v. */
static void slot_set(struct ib_row *r, enum ib_view_kind kind, size_t off, json_t *v)
{
	char *at = (char *)r + off;

	switch (kind) {
	case IB_V_STR:
		*(const char **)at = json_string_value(v);
		break;
	case IB_V_TEXT:
		if (!ib_results_num_text(v, at, IB_NODE_TEXT))
			snprintf(at, IB_NODE_TEXT, "%s",
				 json_is_string(v) ? json_string_value(v) : "");
		break;
	case IB_V_NUM:
		*(double *)at = json_is_number(v) ? json_number_value(v) : 0;
		break;
	case IB_V_INT:
		*(long long *)at = json_is_integer(v) ? (long long)json_integer_value(v) :
				   json_is_real(v)    ? (long long)json_real_value(v) :
							-1;
		break;
	case IB_V_U64: {
		double d = json_is_number(v) ? json_number_value(v) : 0;

		*(uint64_t *)at = d > 0 ? (uint64_t)d : 0;
		break;
	}
	case IB_V_NONE:
		break;
	}
}

static void row_view(struct ib_row *r, json_t *row)
{
	json_t *params = json_object_get(row, "params");
	const char *st = jstr(row, "status");
	int i;

	memset(r, 0, sizeof(*r));
	r->json = row;
	for (i = 0; i < IB_F_MAX; i++) {
		const struct ib_row_field *f = &ib_row_fields[i];
		json_t *v;

		if (f->view == IB_V_NONE)
			continue;
		v = json_object_get(f->where == IB_FW_ROW ? row : params, f->name);
		slot_set(r, f->view, f->off, v);
		slot_set(r, f->view2, f->off2, v);
	}
	r->derived = r->run_type && !strcmp(r->run_type, "derived");
	r->status = !st || !strcmp(st, "ok") ? IB_ROW_OK :
		    !strcmp(st, "skipped")    ? IB_ROW_SKIPPED :
						IB_ROW_ERROR;
	r->metrics = json_object_get(row, "metrics");
	r->counters = json_object_get(row, "counters");
	r->p.page_size_bytes = r->p.page_size ? ib_page_size_bytes(r->p.page_size) : 0;
}

int ib_run_view(struct ib_run *run, json_t *doc, char *err, size_t errlen)
{
	json_t *rows = json_object_get(doc, "results"), *row;
	size_t i;

	memset(run, 0, sizeof(*run));
	if (!json_is_array(rows)) {
		snprintf(err, errlen, "results: expected an array");
		return -1;
	}
	run->doc = doc;
	run->ctx = json_object_get(doc, "context");
	run->run_id = jstr(run->ctx, "run_id");
	run->platform = jstr(run->ctx, "platform");
	run->host = jstr(run->ctx, "host");
	run->suite = jstr(run->ctx, "suite");
	run->rows = calloc(json_array_size(rows) + 1, sizeof(*run->rows));
	if (!run->rows) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(rows, i, row)
		row_view(&run->rows[run->nrows++], row);
	return 0;
}

void ib_run_free(struct ib_run *run)
{
	free(run->rows);
	run->rows = NULL;
	run->nrows = 0;
}

int ib_run_refresh(struct ib_run *run, char *err, size_t errlen)
{
	json_t *doc = run->doc;

	ib_run_free(run);
	return ib_run_view(run, doc, err, errlen);
}

#define S(x) ((x) ? (x) : "")

const char *ib_row_dim_text(const struct ib_row *r, int field)
{
	const struct ib_row_field *f;
	const char *at;

	if (field < 0 || field >= IB_F_MAX)
		return "";
	f = &ib_row_fields[field];
	if (f->view2 == IB_V_TEXT)
		return (const char *)r + f->off2;
	at = (const char *)r + f->off;
	return f->view == IB_V_TEXT ? at : f->view == IB_V_STR ? S(*(const char *const *)at) : "";
}

const char *ib_row_mode(const struct ib_row *r, const char *dflt)
{
	const char *e = r->p.iommu_mode_effective, *m = r->p.iommu_mode;

	return e && *e ? e : m && *m ? m : dflt;
}

bool ib_row_metric(const struct ib_row *r, const char *metric, struct ib_summary *s,
		   const char **unit)
{
	json_t *m = json_object_get(r->metrics, metric);

	if (!json_is_object(m))
		return false;
	s->n = (uint64_t)jnum(m, "n", 0);
	s->median = jnum(m, "median", NAN);
	s->mean = jnum(m, "mean", NAN);
	s->min = jnum(m, "min", NAN);
	s->max = jnum(m, "max", NAN);
	s->p90 = jnum(m, "p90", NAN);
	s->p99 = jnum(m, "p99", NAN);
	s->p999 = jnum(m, "p999", NAN);
	s->stddev = jnum(m, "stddev", NAN);
	s->cov = jnum(m, "cov", NAN);
	s->ci95_low = jnum(m, "ci95_low", NAN);
	s->ci95_high = jnum(m, "ci95_high", NAN);
	s->outliers = (uint64_t)jnum(m, "outliers", 0);
	if (unit)
		*unit = jstr(m, "unit");
	return true;
}

bool ib_row_counter(const struct ib_row *r, const char *counter, double *value,
		    const char **source)
{
	json_t *c = json_object_get(r->counters, counter);

	if (!json_is_object(c) || !json_is_number(json_object_get(c, "value")))
		return false;
	*value = jnum(c, "value", 0);
	if (source)
		*source = jstr(c, "source");
	return true;
}

double ib_row_counter_ios(const struct ib_row *r, const char *counter)
{
	json_t *cp = json_object_get(r->json, "counting_pass"), *s;
	const char *src = NULL, *marks = jstr(r->json, "lab_marks");
	double v, timing = jnum(json_object_get(r->json, "params"), "ios_timing_pass", 0),
		  counting = jnum(cp, "ios", 0);
	size_t i;

	if (!ib_row_counter(r, counter, &v, &src) || !src)
		return 0;
	if (!strncmp(src, "lab:", 4))
		return marks && !strcmp(marks, "counting") ? counting :
		       marks && !strcmp(marks, "step")	   ? timing + counting :
							     timing;
	json_array_foreach(json_object_get(cp, "sources"), i, s) {
		const char *name = json_string_value(s);

		if (name && !strncmp(src, name, strlen(name)) && src[strlen(name)] == ':')
			return counting;
	}
	return timing;
}

static bool skipped(const char *k, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(*skip, k))
			return true;
	return false;
}

/* snprintf at buf + *o that keeps counting past len (snprintf's rule). */
static void __attribute__((format(printf, 4, 5)))
key_add(char *buf, size_t len, size_t *o, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(*o < len ? buf + *o : NULL, *o < len ? len - *o : 0, f, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n;
}

size_t ib_row_series_key(const struct ib_row *r, const char *const *skip, char *buf,
			 size_t len)
{
	size_t i, o = 0;

	if (len)
		buf[0] = '\0';
	/* fields end in \x1f, which no token has */
	for (i = 0; i < ib_row_nseries; i++) {
		const struct ib_row_field *f = &ib_row_fields[ib_row_series_fields[i]];
		const char *at = (const char *)r + f->off;
		bool named = f->flags & IB_FF_KEY_NAMED;

		if (skipped(f->name, skip))
			continue;
		if (named) {
			/* only where present: one-process keys unchanged */
			json_t *v = json_object_get(json_object_get(r->json, "params"), f->name);

			if (f->view == IB_V_STR ? !json_is_string(v) : !json_is_integer(v))
				continue;
			key_add(buf, len, &o, "%s=", f->name);
		}
		switch (f->view) {
		case IB_V_STR:
			key_add(buf, len, &o, "%s\x1f", S(*(const char *const *)at));
			break;
		case IB_V_TEXT:
			key_add(buf, len, &o, "%s\x1f", at);
			break;
		case IB_V_NUM:
			key_add(buf, len, &o, "%.17g\x1f", *(const double *)at);
			break;
		case IB_V_INT:
			key_add(buf, len, &o, "%lld\x1f", *(const long long *)at);
			break;
		default:
			break;
		}
	}
	/* engine fields that ask for it (map's batch): "name=value" where
	 * present, so keys without them stay as they were */
	for (i = IB_F_EPARAM_FIRST; i < IB_F_MAX; i++) {
		const struct ib_row_field *f = &ib_row_fields[i];
		long long v;

		if (!f->name || !(f->flags & IB_FF_KEY_NAMED) || skipped(f->name, skip))
			continue;
		v = ib_row_int(r, (int)i);
		if (v >= 0)
			key_add(buf, len, &o, "%s=%lld\x1f", f->name, v);
	}
	return o;
}

int ib_run_view_apply(json_t *doc, int (*fn)(struct ib_run *, char *, size_t), char *err,
		      size_t errlen)
{
	struct ib_run run;
	int n;

	if (!json_is_array(json_object_get(doc, "results"))) {
		snprintf(err, errlen, "results: expected an array");
		return -1;
	}
	if (ib_run_view(&run, doc, err, errlen))
		return -1;
	n = fn(&run, err, errlen);
	ib_run_free(&run);
	return n;
}
