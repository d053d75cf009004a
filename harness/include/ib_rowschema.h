/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The row schema: every field of a results row (docs/results-schema.md) in
 * one table, with its name, where it lives (context, row, params), its type
 * and unit, whether it is requested or resolved (and what it resolves), its
 * results.csv column, its place in series keys and figure dimensions, and
 * the slot of the typed view (struct ib_row) that holds it.  The CSV
 * writer, the typed view, series keys, the report's dimensions and derive
 * read this table; none picks a field by its letters or cuts a row name.
 */
#ifndef IB_ROWSCHEMA_H
#define IB_ROWSCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ib_stats.h"

/* Row-schema fields engines declare for their own parameters (struct
 * ib_engine_opt .field), after the core ones. */
#define IB_ROW_EPARAMS 8

enum ib_field_id {
	/* results.csv's columns before the metric block, in order */
	IB_F_RUN_ID, IB_F_PLATFORM, IB_F_HOST, IB_F_SUITE, IB_F_NAME, IB_F_BENCH,
	IB_F_ENGINE, IB_F_RUN_TYPE, IB_F_STATUS, IB_F_REASON, IB_F_PAGE_SIZE,
	IB_F_PAGE_SIZE_OBTAINED, IB_F_WINDOW, IB_F_XFER_SIZE, IB_F_PATTERN,
	IB_F_THREADS, IB_F_GRANULE, IB_F_IOMMU_MODE, IB_F_IOMMU_MODE_EFFECTIVE,
	IB_F_CPU_NODE, IB_F_MEM_NODE, IB_F_DEV_NODE, IB_F_MEM_NODE_OBTAINED,
	IB_F_NUMA_DISTANCE, IB_F_DEVICE, IB_F_DIRECTION, IB_F_DMA_SEGMENTS,
	IB_F_IOMMU_PAGE_SIZES, IB_F_VERDICT, IB_F_KNEE_WINDOW,
	/* the columns after the metric block (appended later) */
	IB_F_PHYS_PIECES, IB_F_LAYOUT, IB_F_COUNTERS_LIVE,
	/* not CSV columns */
	IB_F_OP, IB_F_ITERATIONS, IB_F_WARMUP, IB_F_CONCURRENCY,
	IB_F_RANK, IB_F_REPETITIONS,
	/* the remaining options, as set_params writes them into params */
	IB_F_DURATION, IB_F_MIN_REPS, IB_F_MAX_REPS, IB_F_MAX_TIME, IB_F_TARGET_CI,
	IB_F_SEED, IB_F_VERIFY, IB_F_BUF_SIZE, IB_F_COUNTERS, IB_F_DESCRIPTION,
	IB_F_MAX_POINTS, IB_F_COUNTER_SOURCES, IB_F_PAPI_EVENTS,
	IB_F_NUMA_DISTANCE_CPU_MEM, IB_F_NUMA_DISTANCE_DEV_MEM, IB_F_REFINED,
	IB_F_IOMMU_VISIBILITY,
	/* the engines' parameters (nvme's iodepth): filled at start-up
	 * (ib_row_field_register); an unused one has no name */
	IB_F_EPARAM_FIRST,
	IB_F_MAX = IB_F_EPARAM_FIRST + IB_ROW_EPARAMS
};

enum ib_field_where { IB_FW_CONTEXT, IB_FW_ROW, IB_FW_PARAMS };

enum ib_field_type {
	IB_FT_STR,  /* text */
	IB_FT_INT,  /* integer (bytes, counts) */
	IB_FT_NUM,  /* number */
	IB_FT_NODE, /* node id, or the word asked for */
	IB_FT_LIST, /* array (CSV: items joined by ';') */
	IB_FT_BOOL, /* true, or absent */
};

/* The slot of struct ib_row (offset below) that holds a field. */
enum ib_view_kind {
	IB_V_NONE,
	IB_V_STR,  /* const char *, NULL when absent */
	IB_V_TEXT, /* char[IB_NODE_TEXT], as results.csv writes it; "" when absent */
	IB_V_NUM,  /* double, 0 when absent */
	IB_V_INT,  /* long long, -1 when absent */
	IB_V_U64,  /* uint64_t, 0 when absent or not positive */
};

#define IB_FF_REQUESTED (1U << 0) /* a parameter as asked (suite, CLI) */
#define IB_FF_RESOLVED	(1U << 1) /* what the run obtained (.resolves: what was asked) */
#define IB_FF_CSV_PRE	(1U << 2) /* a results.csv column before the metric block */
#define IB_FF_CSV_POST	(1U << 3) /* a results.csv column after it */
/* A series key part only where present, as "name=value" (multi-rank runs:
 * one-process keys unchanged). */
#define IB_FF_KEY_NAMED (1U << 4)

struct ib_row_field {
	const char *name; /* key in the row or its params (contract) */
	enum ib_field_where where;
	enum ib_field_type type;
	const char *unit; /* NULL: none */
	unsigned int flags;
	int resolves;	 /* resolved fields: the requested field; else -1 */
	const char *dim; /* figure dimension's name ("job" for bench); NULL: none */
	enum ib_view_kind view;
	size_t off;
	enum ib_view_kind view2; /* a second slot (the CSV text of a number) */
	size_t off2;
};

/* The core fields, then the engines' (ib_row_field_register). */
extern struct ib_row_field ib_row_fields[IB_F_MAX];

/*
 * An engine parameter's field into the next free engine slot (core/
 * engine.c, at start-up, from struct ib_engine_opt .field): its id (the
 * one it has when a field of that name exists), or -1 when the slots are
 * full or its view is neither IB_V_NONE nor IB_V_INT (the typed view keeps
 * an engine field as a long long: ib_row_int).  .off is assigned here.
 */
int ib_row_field_register(const struct ib_row_field *f);

/* Series key parts, in key order; figure dimensions, in label order. */
extern const enum ib_field_id ib_row_series_fields[];
extern const size_t ib_row_nseries;
extern const enum ib_field_id ib_row_dim_fields[];
#define IB_ROW_NDIMS 16

/* The metric block's columns (one line per metric or counter). */
extern const char *const ib_csv_metric_cols[];

/* The field called name (a key, or a dimension's name), or -1. */
int ib_row_field_find(const char *name);
int ib_row_dim_find(const char *dim);

/* The one "metric object": {unit, n, median, ...} from a summary. */
json_t *ib_metric_json(const struct ib_summary *s, const char *unit);

/*
 * A JSON number as results.csv writes it, so every reader that prints one
 * (the report's data files) prints the same text: "%lld" for integers,
 * "%.10g" for reals.  false (buf "") for anything else (null, a string).
 */
bool ib_results_num_text(json_t *v, char *buf, size_t len);

/*
 * The typed run model: one struct per row of a loaded results.json, its
 * fields read once through the schema (page sizes through
 * ib_page_size_bytes), so that readers key series by parameters and never
 * by cutting row names.  A view: strings and objects point into the
 * document, which must outlive it; rebuild it after rows are added or
 * removed (appending keeps the pointers of existing rows valid).
 */
enum ib_row_status { IB_ROW_OK, IB_ROW_SKIPPED, IB_ROW_ERROR };

#define IB_NODE_TEXT 24

struct ib_row_params {
	const char *page_size;	     /* requested token (4k, 2m, 1g, thp); NULL if none */
	uint64_t page_size_bytes;    /* of the token; 0 if none */
	uint64_t page_size_obtained; /* bytes; 0 if not recorded */
	double window, xfer_size;    /* bytes; 0 if none */
	double knee_window;	     /* derived rows; 0 if none */
	double warmup;
	long long threads, granule, iterations; /* -1 if none */
	long long rank;				/* -1 if none */
	long long eparam[IB_ROW_EPARAMS];	/* engine fields (ib_row_int); -1 if none */
	const char *pattern, *op, *iommu_mode, *iommu_mode_effective, *direction, *device;
	const char *concurrency; /* multi-rank runs; NULL otherwise */
	char cpu_node[IB_NODE_TEXT], mem_node[IB_NODE_TEXT], dev_node[IB_NODE_TEXT]; /* id or word */
	/* window, xfer_size, threads, granule as results.csv writes them
	 * (ib_results_num_text; a string as it is, cut to IB_NODE_TEXT - 1;
	 * "" if absent): what labels and series keys print */
	char window_text[IB_NODE_TEXT], xfer_size_text[IB_NODE_TEXT];
	char threads_text[IB_NODE_TEXT], granule_text[IB_NODE_TEXT];
};

struct ib_row {
	json_t *json; /* the row object in the document */
	const char *name, *bench, *engine, *reason;
	const char *run_type; /* NULL when absent (measured) */
	bool derived;	      /* run_type "derived" */
	enum ib_row_status status;
	struct ib_row_params p;
	double repetitions; /* 0 if not recorded */
	json_t *metrics, *counters; /* objects (possibly NULL): see ib_row_metric/counter */
};

struct ib_run {
	json_t *doc, *ctx;
	const char *run_id, *platform, *host, *suite;
	struct ib_row *rows;
	size_t nrows;
};

/* The typed view of doc (results.json, checked).  0, or -1 with a message. */
int ib_run_view(struct ib_run *run, json_t *doc, char *err, size_t errlen);
/* fn on a typed view of doc built for it (doc's "results" must be an
 * array): fn's result, or -1 with err. */
int ib_run_view_apply(json_t *doc, int (*fn)(struct ib_run *, char *, size_t), char *err,
		      size_t errlen);
void ib_run_free(struct ib_run *run);
/* run rebuilt from its document after rows were added or removed; 0, or
 * -1 with a message (run is then empty). */
int ib_run_refresh(struct ib_run *run, char *err, size_t errlen);

/* A dimension's value for row r as labels print it ("" when absent). */
const char *ib_row_dim_text(const struct ib_row *r, int field);

/* An IB_V_INT field of row r (core or an engine's, e.g.
 * ib_row_field_find("iodepth")); -1 when absent or not such a field. */
long long ib_row_int(const struct ib_row *r, int field);

/* The IOMMU mode a row ran under: the effective one, else the one asked
 * for, else dflt. */
const char *ib_row_mode(const struct ib_row *r, const char *dflt);

/* A metric's summary (median etc. NaN when absent or not a number) and unit;
 * false when the row has no such metric. */
bool ib_row_metric(const struct ib_row *r, const char *metric, struct ib_summary *s,
		   const char **unit);
/* A counter's value and source; false when the row has none. */
bool ib_row_counter(const struct ib_row *r, const char *counter, double *value,
		    const char **source);
/*
 * The I/Os (packets) of the pass(es) that counted counter on r, what a
 * per-I/O count divides by: the counting pass's when its source counted
 * there (a lab source: when lab_marks is "counting"), both passes' when
 * the lab marks bracketed a whole multi-rank step ("step"), else the
 * timing pass's.  0 when unknown or the row has no such counter.
 */
double ib_row_counter_ios(const struct ib_row *r, const char *counter);

/*
 * The series a row belongs to, as a key over its typed requested
 * parameters (ib_row_series_fields: bench (the suite job), engine, op,
 * page_size, ..., window; concurrency and rank where present) less those
 * named in skip (NULL-terminated, e.g. { "window", NULL }).  Rows whose
 * keys are equal are the same series.  Returns the length written
 * (truncated like snprintf).
 */
size_t ib_row_series_key(const struct ib_row *r, const char *const *skip, char *buf,
			 size_t len);

#endif
