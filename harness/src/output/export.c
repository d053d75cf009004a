// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench export RUN_OR_DIR... [-o FILE]`: one tidy CSV across runs,
 * one line per (run, row, metric or counter, statistic), with the run's
 * context (host, instance type, kernel, IOMMU vendor and domain, platform,
 * the simulated mark) and the row's parameters as columns: the row
 * schema's fields, iterated, never listed here (docs/harness.md, "export").
 * A directory argument means its results.json, or every results.json below
 * it (EXPORT_DEPTH levels, symbolic links not followed).  Every input is
 * loaded and checked before the first line is written, and -o FILE is
 * written under a temporary name and renamed: bad input leaves no file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_results.h"
#include "ib_rowschema.h"
#include "ib_tmpfiles.h"

#define EXPORT_DEPTH 4	      /* directory levels searched below an argument */
#define EXPORT_MAX_RUNS 10000 /* results.json files in one export */

/* A metric's statistics, one line each, in this order (cov is
 * stddev / mean, left to the reader). */
static const char *const metric_stats[] = {
	"median", "mean", "min", "max", "p90", "p99", "p999", "stddev",
	"ci95_low", "ci95_high", "n", NULL
};

/* The context columns that are not row-schema fields. */
static const char *const context_cols[] = {
	"instance_type", "kernel", "iommu_vendor", "iommu_domain", "simulated", NULL
};

static const char *const value_cols[] = {
	"kind", "metric", "unit", "statistic", "value", "source", NULL
};

struct inputs {
	char **path;
	size_t n, cap;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: iommubench export RUN_OR_DIR... [-o FILE]\n"
		   "  one CSV, one line per (run, row, metric or counter, statistic);\n"
		   "  a directory: its results.json, else every results.json up to %d levels below it\n",
		EXPORT_DEPTH);
}

static int add_input(struct inputs *in, const char *path)
{
	char **p;

	if (in->n >= EXPORT_MAX_RUNS) {
		fprintf(stderr, "iommubench: export: more than %d results.json files; export fewer at once\n",
			EXPORT_MAX_RUNS);
		return -1;
	}
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 16;
		p = realloc(in->path, in->cap * sizeof(*p));
		if (!p)
			goto oom;
		in->path = p;
	}
	in->path[in->n] = strdup(path);
	if (!in->path[in->n])
		goto oom;
	in->n++;
	return 0;
oom:
	fprintf(stderr, "iommubench: export: out of memory\n");
	return -1;
}

static int no_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/*
 * Every results.json below dir (sorted by name, depth levels at most),
 * each confined to root: links are not followed (a run's "latest" would
 * count it twice, another link could leave the tree).  The number found,
 * or -1 after a message.
 */
static int walk(struct inputs *in, const char *root, const char *dir, int depth)
{
	struct dirent **ents;
	char path[PATH_MAX], err[PATH_MAX * 2 + 64];
	struct stat st;
	int i, n, found = 0, rc = 0;

	n = scandir(dir, &ents, no_dot, alphasort);
	if (n < 0)
		return 0; /* unreadable: nothing below it */
	for (i = 0; i < n; i++) {
		if (rc >= 0 && ib_pathf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) == 0 &&
		    !lstat(path, &st)) {
			if (S_ISREG(st.st_mode) && !strcmp(ents[i]->d_name, "results.json")) {
				if (ib_results_confined(root, path, err, sizeof(err))) {
					fprintf(stderr, "iommubench: export: %s\n", err);
					rc = -1;
				} else {
					rc = add_input(in, path);
					found++;
				}
			} else if (S_ISDIR(st.st_mode) && depth > 0) {
				int k = walk(in, root, path, depth - 1);

				if (k < 0)
					rc = -1;
				else
					found += k;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc < 0 ? -1 : found;
}

/* One argument: a results.json, a run directory, or a tree of runs. */
static int add_arg(struct inputs *in, const char *arg)
{
	char path[PATH_MAX];
	struct stat st;
	int n;

	if (stat(arg, &st)) {
		fprintf(stderr, "iommubench: export: RUN_OR_DIR %s: %s\n", arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_input(in, arg);
	if (ib_pathf(path, sizeof(path), "%s/results.json", arg)) {
		fprintf(stderr, "iommubench: export: RUN_OR_DIR %s: path too long\n", arg);
		return -1;
	}
	if (!access(path, F_OK))
		return add_input(in, path);
	n = walk(in, arg, arg, EXPORT_DEPTH - 1);
	if (!n)
		fprintf(stderr, "iommubench: export: RUN_OR_DIR %s: no results.json in it or up to %d levels below\n",
			arg, EXPORT_DEPTH);
	return n > 0 ? 0 : -1;
}

static json_t *path_get(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* The instance: the cloud's instance type, else the DMI product name. */
static json_t *instance_type(json_t *ctx)
{
	json_t *v = path_get(ctx, "cloud", "instance_type");

	return json_is_string(v) && *json_string_value(v) ? v :
							     path_get(ctx, "machine", "product_name");
}

static void header(FILE *f)
{
	const char *const *c;
	int i, w, n = 0;

	/* context fields, the other context columns, row fields, params */
	for (w = IB_FW_CONTEXT; w <= IB_FW_PARAMS; w++) {
		for (i = 0; i < IB_F_MAX; i++)
			if (ib_row_fields[i].name && (int)ib_row_fields[i].where == w)
				fprintf(f, "%s%s", n++ ? "," : "", ib_row_fields[i].name);
		if (w == IB_FW_CONTEXT)
			for (c = context_cols; *c; c++)
				fprintf(f, ",%s", *c);
	}
	for (c = value_cols; *c; c++)
		fprintf(f, ",%s", *c);
	fputc('\n', f);
}

/* The columns before "kind" for one row, ending in ','. */
static void row_prefix(FILE *f, json_t *ctx, json_t *row, const char *run_id)
{
	json_t *params = json_object_get(row, "params"), *src, *v;
	int i, w;

	for (w = IB_FW_CONTEXT; w <= IB_FW_PARAMS; w++) {
		src = w == IB_FW_CONTEXT ? ctx : w == IB_FW_ROW ? row : params;
		for (i = 0; i < IB_F_MAX; i++) {
			if (!ib_row_fields[i].name || (int)ib_row_fields[i].where != w)
				continue;
			v = json_object_get(src, ib_row_fields[i].name);
			if (i == IB_F_RUN_ID && !json_is_string(v))
				ib_csv_put(f, run_id); /* older runs: the directory */
			else if (i == IB_F_RUN_TYPE && !v)
				fputs("measured", f);
			else
				ib_csv_put_json(f, v);
			fputc(',', f);
		}
		if (w != IB_FW_CONTEXT)
			continue;
		ib_csv_put_json(f, instance_type(ctx));
		fputc(',', f);
		ib_csv_put_json(f, json_object_get(ctx, "kernel"));
		fputc(',', f);
		ib_csv_put_json(f, path_get(ctx, "iommu", "vendor"));
		fputc(',', f);
		ib_csv_put_json(f, path_get(ctx, "iommu", "default_domain"));
		fputc(',', f);
		ib_csv_put_json(f, json_object_get(params, "simulated"));
		fputc(',', f);
	}
}

/* One line: the row's prefix, then kind..source. */
static void line(FILE *f, const char *pre, size_t plen, const char *kind, const char *name,
		 json_t *unit, const char *stat, const char *value, json_t *source)
{
	fwrite(pre, 1, plen, f);
	fprintf(f, "%s,", kind);
	ib_csv_put(f, name);
	fputc(',', f);
	ib_csv_put_json(f, unit);
	fprintf(f, ",%s,%s,", stat, value);
	ib_csv_put_json(f, source);
	fputc('\n', f);
}

/* Every line of one row; the number written, or -1 (out of memory). */
static long row_lines(FILE *f, json_t *ctx, json_t *row, const char *run_id)
{
	json_t *metrics = json_object_get(row, "metrics");
	json_t *counters = json_object_get(row, "counters"), *m;
	const char *key, *const *st;
	char *pre = NULL, num[64];
	size_t plen = 0;
	long n = 0;
	FILE *p;

	p = open_memstream(&pre, &plen);
	if (!p)
		return -1;
	row_prefix(p, ctx, row, run_id);
	if (fclose(p)) {
		free(pre);
		return -1;
	}
	json_object_foreach(json_is_object(metrics) ? metrics : NULL, key, m) {
		for (st = metric_stats; *st; st++) {
			if (!ib_results_num_text(json_object_get(m, *st), num, sizeof(num)))
				continue; /* absent, or null (no value) */
			line(f, pre, plen, "metric", key, json_object_get(m, "unit"), *st, num, NULL);
			n++;
		}
	}
	json_object_foreach(json_is_object(counters) ? counters : NULL, key, m) {
		if (!ib_results_num_text(json_object_get(m, "value"), num, sizeof(num)))
			continue;
		line(f, pre, plen, "counter", key, NULL, "value", num, json_object_get(m, "source"));
		n++;
	}
	free(pre);
	return n;
}

/* The run id a run without context.run_id gets: its directory's name. */
static void dir_run_id(const char *path, char *buf, size_t len)
{
	char d[PATH_MAX], *s;

	snprintf(d, sizeof(d), "%s", path);
	s = strrchr(d, '/');
	if (!s) {
		snprintf(buf, len, "%s", ".");
		return;
	}
	*s = '\0';
	s = strrchr(d, '/');
	snprintf(buf, len, "%s", s ? s + 1 : d);
}

/* Every run's lines into f: loaded one at a time, all checked first. */
static int render(FILE *f, const struct inputs *in, long *lines)
{
	char err[1024], rid[PATH_MAX];
	json_t *doc, *ctx, *rows;
	size_t i, r;
	long k;

	header(f);
	for (i = 0; i < in->n; i++) {
		doc = ib_results_load(in->path[i], err, sizeof(err));
		if (!doc) {
			fprintf(stderr, "iommubench: export: %s\n", err);
			return IB_EXIT_USAGE;
		}
		ctx = json_object_get(doc, "context");
		rows = json_object_get(doc, "results");
		dir_run_id(in->path[i], rid, sizeof(rid));
		for (r = 0; r < json_array_size(rows); r++) {
			k = row_lines(f, ctx, json_array_get(rows, r), rid);
			if (k < 0) {
				json_decref(doc);
				fprintf(stderr, "iommubench: export: out of memory\n");
				return IB_EXIT_RESOURCE;
			}
			*lines += k;
		}
		json_decref(doc);
	}
	return IB_EXIT_OK;
}

/* f's contents checked and closed; -1 with errno. */
static int close_checked(FILE *f, bool sync)
{
	int e = 0;

	if (fflush(f) || ferror(f) || (sync && fsync(fileno(f))))
		e = errno ? errno : EIO;
	if (fclose(f) && !e)
		e = errno ? errno : EIO;
	errno = e;
	return e ? -1 : 0;
}

/* To FILE: a temporary next to it, renamed once every input was good. */
static int export_file(const struct inputs *in, const char *out, long *lines)
{
	char tmp[PATH_MAX];
	int slot, rc;
	FILE *f;

	if (ib_pathf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid())) {
		fprintf(stderr, "iommubench: export: -o %s: path too long\n", out);
		return IB_EXIT_USAGE;
	}
	slot = ib_tmp_add(tmp); /* a signal unlinks it (ib_tmp_signals) */
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "iommubench: export: -o %s: %s\n", out, strerror(errno));
		ib_tmp_del(slot);
		return IB_EXIT_RESOURCE;
	}
	errno = 0;
	rc = render(f, in, lines);
	if (close_checked(f, true) && rc == IB_EXIT_OK) {
		fprintf(stderr, "iommubench: export: -o %s: %s\n", out, strerror(errno));
		rc = IB_EXIT_RESOURCE;
	}
	if (rc == IB_EXIT_OK && rename(tmp, out)) {
		fprintf(stderr, "iommubench: export: -o %s: %s\n", out, strerror(errno));
		rc = IB_EXIT_RESOURCE;
	}
	if (rc != IB_EXIT_OK)
		unlink(tmp);
	ib_tmp_del(slot);
	return rc;
}

/* To stdout: rendered in memory first, so bad input prints nothing. */
static int export_stdout(const struct inputs *in, long *lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		fprintf(stderr, "iommubench: export: out of memory\n");
		return IB_EXIT_RESOURCE;
	}
	rc = render(f, in, lines);
	if (close_checked(f, false) && rc == IB_EXIT_OK) {
		fprintf(stderr, "iommubench: export: out of memory\n");
		rc = IB_EXIT_RESOURCE;
	}
	if (rc == IB_EXIT_OK && (fwrite(buf, 1, len, stdout) != len || fflush(stdout))) {
		fprintf(stderr, "iommubench: export: stdout: %s\n", strerror(errno ? errno : EIO));
		rc = IB_EXIT_RESOURCE;
	}
	free(buf);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	struct inputs in = { 0 };
	const char *out = NULL;
	long lines = 0;
	int i, rc = IB_EXIT_USAGE;
	size_t k;

	ib_tmp_signals();
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 >= argc || out || !argv[i + 1][0]) {
				fprintf(stderr, "iommubench: export: -o: expected one output FILE\n");
				goto out;
			}
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "iommubench: export: %s: unknown option; expected -o FILE\n",
				argv[i]);
			goto out;
		} else if (add_arg(&in, argv[i])) {
			goto out;
		}
	}
	if (!in.n) {
		usage(stderr);
		goto out;
	}
	rc = out ? export_file(&in, out, &lines) : export_stdout(&in, &lines);
	if (rc == IB_EXIT_OK)
		fprintf(stderr, "iommubench: export: %ld lines from %zu run(s)%s%s\n", lines, in.n,
			out ? " written to " : "", out ? out : "");
out:
	for (k = 0; k < in.n; k++)
		free(in.path[k]);
	free(in.path);
	return rc;
}
