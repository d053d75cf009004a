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
#include <stdio.h>
#include <time.h>

#include "ib_rowschema.h"
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
/* A JSON value as one CSV field: text (ib_csv_put), a number as
 * results.csv writes it, true/false as 1/0, an array's items joined by ';';
 * nothing for null or absent. */
void ib_csv_put_json(FILE *f, json_t *v);

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

/*
 * The lab's vIOMMU counters (QEMU trace + marks.tsv of RUNDIR; trace and
 * marks NULL: RUNDIR/qemu-trace.log, RUNDIR/marks.tsv) merged into doc, a
 * loaded results.json (rpath names it in messages).  Returns the rows
 * merged, or -1 after a one-line message (lab_merge.c; the counting is
 * counters_lab.c's ib_lab_count_merge).
 */
int ib_lab_merge(json_t *doc, const char *dir, const char *trace, const char *marks,
		 const char *rpath);

/*
 * After a merge: RUNDIR/qemu-trace.log compressed into qemu-trace.log.zst
 * (written under a temporary name, fsynced, renamed), then the raw file
 * removed (lab_trace_zst.c).  who prefixes messages ("lab-merge",
 * "finish").  0 when done or when there is no raw trace; -1 after one line
 * saying why the raw trace was kept (a run's results are not affected).
 */
int ib_lab_trace_compress(const char *dir, const char *who);

/*
 * After finish's merge, on f: the lab counts of each row whose DMA timing
 * is flat by construction (ib_row_flat_by_construction: the console
 * printed "counts after merge" for them instead of a timing), one line per
 * row: IOTLB misses per DMA (iotlb_miss over ib_row_counted_dmas),
 * invalidations, IO page faults when there are any.  Nothing when no such
 * row has a lab: iotlb_miss (lab_merge.c).
 */
void ib_lab_counts_print(const struct ib_run *run, FILE *f);

/* How many of doc's rows ran on a test double (params.simulated, e.g. the
 * fake CUDA driver); *first gets the first one's text (NULL when none). */
int ib_results_simulated(json_t *doc, const char **first);

/* New document around a context object (reference stolen). */
json_t *ib_results_new(json_t *context);

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

#endif
