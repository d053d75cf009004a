/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.json (schema iommubench/1, see docs/architecture.md) and results.csv
 * (docs/results-csv.md): building rows, atomic writing, loading, checking;
 * run ids, suite names and the run directories named by them.
 */
#ifndef IB_RESULTS_H
#define IB_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ib_stats.h"

#define IB_SCHEMA "iommubench/1"

/* Run ids and suite names: 1..IB_NAME_MAX of [A-Za-z0-9._+-]. */
#define IB_NAME_MAX 128
/* An automatic run id that exists gets -2, -3, ... up to this. */
#define IB_CLAIM_TRIES 1000

/*
 * One CSV text field; NULL: empty.  Control characters (C0, DEL) become
 * '?'; quoted (RFC 4180) when it holds , or ".  A field a spreadsheet would
 * take for a formula (first character = + - @, or a tab or CR before they
 * were replaced) gets a leading ' inside quotes (OWASP CSV injection),
 * unless the whole field is a plain decimal number such as -3 or +1.5e6.
 */
void ib_csv_put(FILE *f, const char *s);

/*
 * Length of the unsafe character at s for text outputs (terminal, CSV,
 * gnuplot, SVG, HTML): 1 for a C0 control or DEL, 3 for U+FFFE/U+FFFF
 * (not XML characters), 0 when *s is fine.  keep_ws: tab and newline are
 * fine (HTML).
 */
size_t ib_text_unsafe(const char *s, bool keep_ws);
/* s with each unsafe character (ib_text_unsafe) replaced by '?', into buf
 * (truncated like snprintf); returns buf.  For the terminal. */
const char *ib_text_safe(char *buf, size_t len, const char *s);

/* The row named name in a results array, or NULL. */
json_t *ib_results_find_row(json_t *rows, const char *name);

/* How many of doc's rows ran on a test double (params.simulated, e.g. the
 * fake CUDA driver); *first gets the first one's text (NULL when none). */
int ib_results_simulated(json_t *doc, const char **first);

/* New document around a context object (reference stolen). */
json_t *ib_results_new(json_t *context);

/* Metric object {unit, n, median, ...} from a summary. */
json_t *ib_metric_json(const struct ib_summary *s, const char *unit);

/*
 * Writes dir/results.json and dir/results.csv with "complete": complete.
 * Both are rendered from doc in memory, written to temporary names (every
 * write checked, fsync'ed) and renamed, JSON first; on any failure neither
 * temporary file is left.  0, or -1 with errno and, when failed is not NULL,
 * the path that could not be written (or dir) in failed.
 */
int ib_results_write_at(const char *dir, json_t *doc, bool complete,
			char *failed, size_t flen);
int ib_results_write(const char *dir, json_t *doc, bool complete);

/*
 * A JSON number as results.csv writes it, so every reader that prints one
 * (the report's data files) prints the same text: "%lld" for integers,
 * "%.10g" for reals.  false (buf "") for anything else (null, a string).
 */
bool ib_results_num_text(json_t *v, char *buf, size_t len);

/* The CSV as a malloc'd string (len may be NULL); NULL with errno (ENOMEM). */
char *ib_results_csv_string(json_t *doc, size_t *len);

/* results.csv alone (checked, no partial file left).  0, or -1 with errno. */
int ib_results_write_csv(const char *path, json_t *doc);

/*
 * Loads and checks a results.json (every reader: report, compare, derive,
 * finish, lab-merge, rerun): a regular file of at most IB_RESULTS_MAX_BYTES
 * (jansson needs ~6x that in memory), nested at most JSON_PARSER_MAX_DEPTH
 * deep, in the contract shape (ib_results_check).  NULL with "PATH: why"
 * (one line) in err.
 */
#define IB_RESULTS_MAX_BYTES (512 << 20)
json_t *ib_results_load(const char *path, char *err, size_t errlen);

/* Checks the contract shape; -1 with the first problem. */
int ib_results_check(json_t *doc, char *err, size_t errlen);

/*
 * A run id or suite name (field names it in the message): 1..IB_NAME_MAX
 * characters of A-Z a-z 0-9 . _ + -, not starting with '.' or '-' (so not
 * "." or ".."), and not "latest".  0, or -1 with a one-line message.
 */
int ib_name_check(const char *field, const char *name, char *err, size_t errlen);

/* "<host>-<UTC yyyymmddThhmmssZ>"; characters of host outside the name set
 * become '_'. */
void ib_run_id(char *buf, size_t len, const char *host, time_t t);

/*
 * Claims suite_dir/run_id with mkdir() (atomic: one of any number of
 * concurrent callers wins).  exact: EEXIST returns IB_EXIT_USAGE.  Otherwise an existing
 * id is retried as run_id-2, run_id-3, ...  The claimed directory in dir,
 * its id in id.  IB_EXIT_OK, IB_EXIT_USAGE (exists), or IB_EXIT_RESOURCE
 * with errno.
 */
int ib_run_dir_claim(const char *suite_dir, const char *run_id, bool exact,
		     char *dir, size_t dirlen, char *id, size_t idlen);

/* path resolves (realpath) to root or below.  0, or -1 with a message. */
int ib_results_confined(const char *root, const char *path, char *err, size_t errlen);

/* results/<suite>/latest -> run_id (relative symlink, replaced atomically
 * through a per-process temporary name).  0, or -1 with errno. */
int ib_results_link_latest(const char *suite_dir, const char *run_id);

/* mkdir -p; -1 with errno (ENAMETOOLONG beyond PATH_MAX). */
int ib_mkdir_p(const char *path);

/*
 * The typed run model: one struct per row of a loaded results.json, its
 * parameters parsed once (one parser per parameter: page sizes through
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
	const char *pattern, *op, *iommu_mode, *iommu_mode_effective, *direction, *device;
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
void ib_run_free(struct ib_run *run);

/* A metric's summary (median etc. NaN when absent or not a number) and unit;
 * false when the row has no such metric. */
bool ib_row_metric(const struct ib_row *r, const char *metric, struct ib_summary *s,
		   const char **unit);
/* A counter's value and source; false when the row has none. */
bool ib_row_counter(const struct ib_row *r, const char *counter, double *value,
		    const char **source);

/*
 * The series a row belongs to, as a key over its typed requested
 * parameters (bench (the suite job), engine, op, page_size, pattern, xfer_size, threads,
 * granule, iterations, iommu_mode, direction, nodes, device, window) less
 * those named in skip (NULL-terminated, e.g. { "window", NULL }).  Rows
 * whose keys are equal are the same series.  Returns the length written
 * (truncated like snprintf).
 */
size_t ib_row_series_key(const struct ib_row *r, const char *const *skip, char *buf,
			 size_t len);

#endif
