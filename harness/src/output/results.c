// SPDX-License-Identifier: GPL-2.0
/*
 * Results: the contract JSON (jansson) and CSV, and the run directories
 * that hold them.  Both files are rendered in memory from one document,
 * written to temporary names with every write checked (and fsync'ed), and
 * only then renamed, so a reader (or an interrupted run) always sees a
 * complete, valid pair; the runner rewrites them after every point with
 * "complete": false and once more at the end with true.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_fileio.h"
#include "ib_histogram.h"
#include "ib_buffer.h"
#include "ib_exit.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"

json_t *ib_results_new(json_t *context)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "schema", json_string(IB_SCHEMA));
	json_object_set_new(doc, "complete", json_false());
	json_object_set_new(doc, "context", context ? context : json_object());
	json_object_set_new(doc, "results", json_array());
	return doc;
}

int ib_mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	if (ib_pathf(tmp, sizeof(tmp), "%s", path))
		return -1;
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

/* results.csv's columns (docs/results-csv.md) are the row schema's:
 * ib_row_fields' CSV_PRE fields, the metric block, its CSV_POST fields. */
static void csv_header(FILE *f)
{
	int c, n = 0;

	for (c = 0; c < IB_F_MAX; c++)
		if (ib_row_fields[c].flags & IB_FF_CSV_PRE)
			fprintf(f, "%s%s", n++ ? "," : "", ib_row_fields[c].name);
	for (c = 0; ib_csv_metric_cols[c]; c++)
		fprintf(f, ",%s", ib_csv_metric_cols[c]);
	for (c = 0; c < IB_F_MAX; c++)
		if (ib_row_fields[c].flags & IB_FF_CSV_POST)
			fprintf(f, ",%s", ib_row_fields[c].name);
}

int ib_results_simulated(json_t *doc, const char **first)
{
	json_t *row;
	size_t i;
	int n = 0;

	*first = NULL;
	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *s =
			json_string_value(json_object_get(json_object_get(row, "params"), "simulated"));

		if (s && !n++)
			*first = s;
	}
	return n;
}

size_t ib_text_unsafe(const char *s, bool keep_ws)
{
	unsigned char c = (unsigned char)*s;

	if (c == 0x7f || (c && c < 0x20 && !(keep_ws && (c == '\t' || c == '\n'))))
		return 1;
	if (c == 0xef && (unsigned char)s[1] == 0xbf &&
	    ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf))
		return 3;
	return 0;
}

const char *ib_text_safe(char *buf, size_t len, const char *s)
{
	size_t o = 0, n;

	if (!len)
		return buf;
	for (; s && *s && o + 1 < len; s += n) {
		n = ib_text_unsafe(s, false);
		if (n) {
			buf[o++] = '?';
		} else {
			buf[o++] = *s;
			n = 1;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* A plain decimal number: [+-]digits[.digits][e[+-]digits], whole string. */
static bool plain_number(const char *s)
{
	bool digits = false;

	if (*s == '+' || *s == '-')
		s++;
	for (; isdigit((unsigned char)*s); s++)
		digits = true;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return !*s;
}

void ib_csv_put(FILE *f, const char *s)
{
	bool formula, quote;
	const char *p;
	size_t n;

	if (!s)
		return;
	formula = *s && strchr("=+-@\t\r", *s) && !plain_number(s);
	quote = formula || strpbrk(s, ",\"");
	if (!quote) { /* the common cell: nothing to change, one fputs */
		for (p = s; *p && !ib_text_unsafe(p, false); p++)
			;
		if (!*p) {
			fputs(s, f);
			return;
		}
	}
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (p = s; *p; p += n) {
		n = ib_text_unsafe(p, false);
		if (n) {
			fputc('?', f);
			continue;
		}
		n = 1;
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
}

void ib_csv_put_json(FILE *f, json_t *v)
{
	char buf[64];
	size_t i;

	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		ib_csv_put(f, json_string_value(v));
	} else if (ib_results_num_text(v, buf, sizeof(buf))) {
		fputs(buf, f);
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "1" : "0", f);
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				fputc(';', f);
			ib_csv_put_json(f, json_array_get(v, i));
		}
	}
}

/* The JSON value of a CSV field of row (in ctx, the row or its params). */
static json_t *csv_field(const struct ib_row_field *f, json_t *ctx, json_t *row)
{
	return json_object_get(f->where == IB_FW_CONTEXT ? ctx :
			       f->where == IB_FW_ROW	 ? row :
							   json_object_get(row, "params"),
			       f->name);
}

/* Writes the columns before "metric" for one row. */
static void csv_prefix(FILE *f, json_t *ctx, json_t *row)
{
	int i, n = 0;

	for (i = 0; i < IB_F_MAX; i++) {
		const struct ib_row_field *c = &ib_row_fields[i];
		json_t *v;

		if (!(c->flags & IB_FF_CSV_PRE))
			continue;
		if (n++)
			fputc(',', f);
		v = csv_field(c, ctx, row);
		if (i == IB_F_RUN_TYPE && !v) {
			fputs("measured", f); /* a row without one was measured */
			continue;
		}
		ib_csv_put_json(f, v);
	}
}

/* Writes the columns after "source" for one row: ",v,v,v\n". */
static void csv_suffix(FILE *f, json_t *row)
{
	int i;

	for (i = 0; i < IB_F_MAX; i++) {
		if (!(ib_row_fields[i].flags & IB_FF_CSV_POST))
			continue;
		fputc(',', f);
		ib_csv_put_json(f, csv_field(&ib_row_fields[i], NULL, row));
	}
	fputc('\n', f);
}

/* A row's columns before "metric" and after "source" once (a row with many
 * metrics and counters repeats them on every line). */
struct csv_row_text {
	char *pre, *suf;
	size_t plen, slen;
};

static int csv_row_text(struct csv_row_text *t, json_t *ctx, json_t *row)
{
	FILE *f;
	int bad;

	memset(t, 0, sizeof(*t));
	f = open_memstream(&t->pre, &t->plen);
	if (!f)
		return -1;
	csv_prefix(f, ctx, row);
	bad = ferror(f);
	if (fclose(f) || bad)
		return -1;
	f = open_memstream(&t->suf, &t->slen);
	if (!f)
		return -1;
	csv_suffix(f, row);
	bad = ferror(f);
	if (fclose(f) || bad)
		return -1;
	return 0;
}

/* The whole CSV for doc into f (a memory stream); -1 when out of memory. */
static int csv_render(FILE *f, json_t *doc)
{
	json_t *ctx = json_object_get(doc, "context");
	json_t *rows = json_object_get(doc, "results"), *row;
	size_t i;

	csv_header(f);
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		json_t *metrics = json_object_get(row, "metrics");
		json_t *counters = json_object_get(row, "counters");
		struct csv_row_text t;
		const char *key;
		json_t *m;
		int nout = 0;

		if (csv_row_text(&t, ctx, row)) {
			free(t.pre);
			free(t.suf);
			return -1;
		}
		json_object_foreach(metrics, key, m) {
			static const char *const st[] = {
				"n", "median", "mean", "min", "max", "p90", "p99",
				"p999", "stddev", "cov", "ci95_low", "ci95_high"
			};
			size_t k;

			fwrite(t.pre, 1, t.plen, f);
			fputc(',', f);
			ib_csv_put(f, key);
			fputc(',', f);
			ib_csv_put_json(f, json_object_get(m, "unit"));
			for (k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
				fputc(',', f);
				ib_csv_put_json(f, json_object_get(m, st[k]));
			}
			fputc(',', f);
			fwrite(t.suf, 1, t.slen, f);
			nout++;
		}
		json_object_foreach(counters, key, m) {
			json_t *v = json_object_get(m, "value");

			fwrite(t.pre, 1, t.plen, f);
			fputc(',', f);
			ib_csv_put(f, key);
			fputs(",count,1,", f);
			ib_csv_put_json(f, v);
			fputc(',', f);
			ib_csv_put_json(f, v);
			fputc(',', f);
			ib_csv_put_json(f, v);
			fputc(',', f);
			ib_csv_put_json(f, v);
			fputs(",,,,,,,,", f);
			ib_csv_put_json(f, json_object_get(m, "source"));
			fwrite(t.suf, 1, t.slen, f);
			nout++;
		}
		if (!nout) {
			fwrite(t.pre, 1, t.plen, f);
			fputs(",,,,,,,,,,,,,,,", f);
			fwrite(t.suf, 1, t.slen, f);
		}
		free(t.pre);
		free(t.suf);
	}
	return 0;
}

char *ib_results_csv_string(json_t *doc, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, len ? len : &n);
	int bad;

	if (!f)
		return NULL;
	bad = csv_render(f, doc);
	bad |= ferror(f);
	if (fclose(f) || bad) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

int ib_results_write_csv(const char *path, json_t *doc)
{
	size_t len = 0;
	char *csv = ib_results_csv_string(doc, &len);
	int rc;

	if (!csv)
		return -1;
	rc = ib_write_file(path, csv, len, false);
	free(csv);
	return rc;
}

#define JSON_FLAGS (JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

int ib_results_write_at(const char *dir, json_t *doc, bool complete,
			char *failed, size_t flen)
{
	char jtmp[PATH_MAX], jpath[PATH_MAX], ctmp[PATH_MAX], cpath[PATH_MAX];
	char *json = NULL, *csv = NULL;
	const char *at;
	size_t clen = 0;
	int rc = -1, err = 0, jslot = -1, cslot = -1;

	json_object_set_new(doc, "complete", json_boolean(complete));
	at = dir;
	if (ib_pathf(jtmp, sizeof(jtmp), "%s/.results.json.tmp", dir) ||
	    ib_pathf(jpath, sizeof(jpath), "%s/results.json", dir) ||
	    ib_pathf(ctmp, sizeof(ctmp), "%s/.results.csv.tmp", dir) ||
	    ib_pathf(cpath, sizeof(cpath), "%s/results.csv", dir)) {
		err = errno;
		goto out;
	}
	/* both renderings first: nothing is replaced unless both exist.
	 * Registered: report, compare, finish and lab-merge unlink them on a
	 * signal (ib_tmp_signals; run's first signal lets the write finish) */
	jslot = ib_tmp_add(jtmp);
	cslot = ib_tmp_add(ctmp);
	at = jpath;
	json = json_dumps(doc, JSON_FLAGS);
	if (!json) {
		err = ENOMEM;
		goto out;
	}
	ib_hist_compact_text(json); /* a histogram's buckets on one line */
	at = cpath;
	csv = ib_results_csv_string(doc, &clen);
	if (!csv) {
		err = errno;
		goto out;
	}
	at = jpath;
	if (ib_write_file(jtmp, json, strlen(json), true)) {
		err = errno;
		goto out;
	}
	at = cpath;
	if (ib_write_file(ctmp, csv, clen, true)) {
		err = errno;
		goto out;
	}
	/* JSON is the source of truth: it is replaced first, the CSV derived
	 * from the same document right after */
	at = jpath;
	if (rename(jtmp, jpath)) {
		err = errno;
		goto out;
	}
	ib_tmp_del(jslot);
	jslot = -1;
	at = cpath;
	if (rename(ctmp, cpath)) {
		err = errno;
		goto out;
	}
	ib_tmp_del(cslot);
	cslot = -1;
	at = dir;
	if (ib_fsync_dir(dir)) {
		err = errno;
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		unlink(jtmp);
		unlink(ctmp);
		if (failed && flen)
			snprintf(failed, flen, "%s", at);
	}
	ib_tmp_del(jslot);
	ib_tmp_del(cslot);
	free(json);
	free(csv);
	errno = err;
	return rc;
}

int ib_results_write(const char *dir, json_t *doc, bool complete)
{
	return ib_results_write_at(dir, doc, complete, NULL, 0);
}

json_t *ib_results_load(const char *path, char *err, size_t errlen)
{
	char e[512];
	struct stat st;
	json_error_t je;
	json_t *doc;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return NULL;
	}
	if (st.st_size > IB_RESULTS_MAX_BYTES) {
		snprintf(err, errlen, "%s: %lld bytes, over the %d MiB a results file may have",
			 path, (long long)st.st_size, IB_RESULTS_MAX_BYTES >> 20);
		return NULL;
	}
	/* jansson refuses nesting deeper than JSON_PARSER_MAX_DEPTH (2048) */
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if (ib_results_check(doc, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
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

/* ---- names and run directories ---- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-';
}

/* value for an error message: printable ASCII only, at most 64 characters */
static void shown(const char *v, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; v[i] && n + 4 < len && i < 64; i++)
		buf[n++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	if (v[i] && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

int ib_name_check(const char *field, const char *name, char *err, size_t errlen)
{
	char why[64] = "", v[72];
	size_t i, n = name ? strlen(name) : 0;

	if (!n)
		snprintf(why, sizeof(why), "empty");
	else if (n > IB_NAME_MAX)
		snprintf(why, sizeof(why), "%zu characters", n);
	else if (name[0] == '.' || name[0] == '-')
		snprintf(why, sizeof(why), "starts with '%c'", name[0]);
	else if (!strcmp(name, "latest"))
		snprintf(why, sizeof(why), "reserved for the link to the last run");
	for (i = 0; !why[0] && i < n; i++) {
		if (name_char(name[i]))
			continue;
		if (name[i] > 0x20 && name[i] < 0x7f)
			snprintf(why, sizeof(why), "character '%c' not allowed", name[i]);
		else
			snprintf(why, sizeof(why), "space or control character not allowed");
	}
	if (!why[0])
		return 0;
	shown(name ? name : "", v, sizeof(v));
	snprintf(err, errlen,
		 "%s=%s: %s; expected 1-%d characters of A-Z a-z 0-9 . _ + -, "
		 "not starting with '.' or '-', and not 'latest'",
		 field, v, why, IB_NAME_MAX);
	return -1;
}

void ib_run_id(char *buf, size_t len, const char *host, time_t t)
{
	struct tm tm;
	char ts[32], h[65];
	size_t i;

	/* a host name is not ours to trust: map it onto the name characters */
	snprintf(h, sizeof(h), "%s", host && host[0] ? host : "host");
	for (i = 0; h[i]; i++)
		if (!name_char(h[i]) || (!i && (h[i] == '.' || h[i] == '-')))
			h[i] = '_';
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s-%s", h, ts);
}

int ib_results_confined(const char *root, const char *path, char *err, size_t errlen)
{
	char r[PATH_MAX], p[PATH_MAX];
	size_t n;

	if (!realpath(root, r)) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	if (!realpath(path, p)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = strlen(r);
	if (!strcmp(r, "/"))
		return 0;
	if (strncmp(p, r, n) || (p[n] != '/' && p[n] != '\0')) {
		snprintf(err, errlen, "%s resolves to %s, outside %s", path, p, r);
		return -1;
	}
	return 0;
}

int ib_run_dir_claim(const char *suite_dir, const char *run_id, bool exact,
		     char *dir, size_t dirlen, char *id, size_t idlen)
{
	int k;

	for (k = 1; k <= IB_CLAIM_TRIES; k++) {
		if (k == 1 ? ib_pathf(id, idlen, "%s", run_id) :
			     ib_pathf(id, idlen, "%s-%d", run_id, k))
			return IB_EXIT_RESOURCE;
		if (ib_pathf(dir, dirlen, "%s/%s", suite_dir, id))
			return IB_EXIT_RESOURCE;
		if (!mkdir(dir, 0755))
			return IB_EXIT_OK;
		if (errno != EEXIST)
			return IB_EXIT_RESOURCE;
		if (exact)
			return IB_EXIT_USAGE;
	}
	errno = EEXIST;
	return IB_EXIT_RESOURCE;
}

int ib_results_link_latest(const char *suite_dir, const char *run_id)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int err, slot;

	/* a private temporary name: concurrent runs each rename their own */
	if (ib_pathf(tmp, sizeof(tmp), "%s/.latest.%ld.tmp", suite_dir, (long)getpid()) ||
	    ib_pathf(path, sizeof(path), "%s/latest", suite_dir))
		return -1;
	unlink(tmp);
	slot = ib_tmp_add(tmp);
	if (symlink(run_id, tmp)) {
		ib_tmp_del(slot);
		return -1;
	}
	if (rename(tmp, path)) {
		err = errno;
		unlink(tmp);
		ib_tmp_del(slot);
		errno = err;
		return -1;
	}
	ib_tmp_del(slot);
	return 0;
}
