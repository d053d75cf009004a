/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.json (schema iommubench/1, see ARCHITECTURE.md) and results.csv
 * (docs/results-csv.md): building rows, atomic writing, loading, checking.
 */
#ifndef IB_RESULTS_H
#define IB_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "ib_stats.h"

#define IB_SCHEMA "iommubench/1"

/* One CSV field, quoted (RFC 4180) when it holds , " CR or LF; NULL: empty. */
void ib_csv_put(FILE *f, const char *s);

/* The row named name in a results array, or NULL. */
json_t *ib_results_find_row(json_t *rows, const char *name);

/* New document around a context object (reference stolen). */
json_t *ib_results_new(json_t *context);

/* Metric object {unit, n, median, ...} from a summary. */
json_t *ib_metric_json(const struct ib_summary *s, const char *unit);

/* Writes dir/results.json and dir/results.csv atomically (tmp + rename),
 * with "complete": complete.  0 ok, -1 with errno. */
int ib_results_write(const char *dir, json_t *doc, bool complete);

/* results.csv alone. */
int ib_results_write_csv(const char *path, json_t *doc);

/* Loads a results.json.  NULL with a message. */
json_t *ib_results_load(const char *path, char *err, size_t errlen);

/* Checks the contract shape; -1 with the first problem. */
int ib_results_check(json_t *doc, char *err, size_t errlen);

/* "<host>-<UTC yyyymmddThhmmssZ>" */
void ib_run_id(char *buf, size_t len, const char *host, time_t t);

/* results/<suite>/latest -> run_id (relative symlink, replaced atomically). */
int ib_results_link_latest(const char *suite_dir, const char *run_id);

/* mkdir -p */
int ib_mkdir_p(const char *path);

#endif
