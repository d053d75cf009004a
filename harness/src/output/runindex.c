// SPDX-License-Identifier: GPL-2.0
/*
 * results/index.html (ib_runindex.h): the runs under a results directory,
 * one table line each (suite, run id linked to its report.html, platform,
 * host, date, rows ok/skipped/error), then per suite the compare command
 * for each run against the one before it.  finish --link-latest (what
 * scripts/run.sh runs after every run) rewrites it.  Every text from a
 * results.json or a directory name is escaped (ib_html_put, link targets
 * percent-encoded; the commands shell-quoted, then escaped).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ib_fileio.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_runindex.h"
#include "ib_tmpfiles.h"

struct run_entry {
	char *suite_dir, *run_dir;		    /* names under the root */
	char *suite, *run_id, *platform, *host, *date; /* from the context */
	int ok, skipped, error;
	bool complete, report, loaded;
};

struct index {
	struct run_entry *run;
	size_t n, cap, more; /* more: runs past IB_RUNINDEX_MAX, not listed */
};

static char *ctx_text(json_t *ctx, const char *key, const char *dflt)
{
	json_t *v = json_object_get(ctx, key);

	return strdup(json_is_string(v) ? json_string_value(v) : dflt);
}

/* The run's context and row counts; a results.json that does not load is
 * listed as such. */
static void run_load(struct run_entry *r, const char *path)
{
	char err[1024];
	json_t *doc = ib_results_load(path, err, sizeof(err)), *ctx, *rows, *row;
	const char *st;
	size_t i;

	ctx = json_object_get(doc, "context");
	r->loaded = doc != NULL;
	r->suite = ctx_text(ctx, "suite", r->suite_dir);
	r->run_id = ctx_text(ctx, "run_id", r->run_dir);
	r->platform = ctx_text(ctx, "platform", "");
	r->host = ctx_text(ctx, "host", "");
	r->date = ctx_text(ctx, "date", "");
	r->complete = json_is_true(json_object_get(doc, "complete"));
	rows = json_object_get(doc, "results");
	json_array_foreach(rows, i, row) {
		st = json_string_value(json_object_get(row, "status"));
		if (st && !strcmp(st, "ok"))
			r->ok++;
		else if (st && !strcmp(st, "skipped"))
			r->skipped++;
		else
			r->error++;
	}
	json_decref(doc);
}

static int no_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* A real directory (not a link) at path. */
static bool is_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

static int add_run(struct index *ix, const char *root, const char *suite, const char *run)
{
	char path[PATH_MAX];
	struct run_entry *r;
	struct stat st;

	/* a run is a real directory: "latest" (a link) is not a second run */
	if (ib_pathf(path, sizeof(path), "%s/%s/%s", root, suite, run) || !is_dir(path) ||
	    ib_pathf(path, sizeof(path), "%s/%s/%s/results.json", root, suite, run) ||
	    lstat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (ix->n >= IB_RUNINDEX_MAX) {
		ix->more++;
		return 0;
	}
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 32;
		struct run_entry *p = realloc(ix->run, cap * sizeof(*p));

		if (!p)
			return -1;
		ix->run = p;
		ix->cap = cap;
	}
	r = &ix->run[ix->n];
	memset(r, 0, sizeof(*r));
	r->suite_dir = strdup(suite);
	r->run_dir = strdup(run);
	if (!r->suite_dir || !r->run_dir) {
		free(r->suite_dir);
		free(r->run_dir);
		return -1;
	}
	ix->n++;
	run_load(r, path);
	if (!ib_pathf(path, sizeof(path), "%s/%s/%s/report.html", root, suite, run))
		r->report = !access(path, R_OK);
	return 0;
}

/* ROOT/<suite>/<run>/results.json, suites and runs in name order. */
static int scan(struct index *ix, const char *root)
{
	struct dirent **suites, **runs;
	char path[PATH_MAX];
	int ns, nr, i, j, rc = 0;

	ns = scandir(root, &suites, no_dot, alphasort);
	if (ns < 0)
		return -1;
	for (i = 0; i < ns; i++) {
		if (!rc && !ib_pathf(path, sizeof(path), "%s/%s", root, suites[i]->d_name) &&
		    is_dir(path) && (nr = scandir(path, &runs, no_dot, alphasort)) >= 0) {
			for (j = 0; j < nr; j++) {
				if (!rc)
					rc = add_run(ix, root, suites[i]->d_name, runs[j]->d_name);
				free(runs[j]);
			}
			free(runs);
		}
		free(suites[i]);
	}
	free(suites);
	return rc;
}

/* Suite directory, then date, then run directory. */
static int run_cmp(const void *a, const void *b)
{
	const struct run_entry *x = a, *y = b;
	int c = strcmp(x->suite_dir, y->suite_dir);

	if (!c)
		c = strcmp(x->date, y->date);
	return c ? c : strcmp(x->run_dir, y->run_dir);
}

/* A link target: the unreserved characters as they are, others %XX. */
static void url_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

static void cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	ib_html_put(f, s);
	fputs("</td>", f);
}

static void run_line(FILE *f, const struct run_entry *r)
{
	fputs("<tr>", f);
	cell(f, r->suite);
	fputs("<td>", f);
	if (r->report) {
		fputs("<a href=\"", f);
		url_put(f, r->suite_dir);
		fputc('/', f);
		url_put(f, r->run_dir);
		fputs("/report.html\">", f);
	}
	ib_html_put(f, r->run_id);
	fputs(r->report ? "</a></td>" : " (no report)</td>", f);
	cell(f, !strcmp(r->platform, "qemu-lab") ? "qemu-lab (emulated timings)" : r->platform);
	cell(f, r->host);
	cell(f, r->date);
	if (r->loaded)
		fprintf(f, "<td>%d</td><td>%d</td><td>%d</td><td>%s</td></tr>\n", r->ok, r->skipped,
			r->error, r->complete ? "yes" : "no");
	else
		fputs("<td colspan=\"4\">results.json does not load (iommubench report says why)</td></tr>\n",
		      f);
}

/* Each run against the one before it in the same suite directory. */
static void compare_pairs(FILE *f, const struct index *ix, const char *root)
{
	char a[PATH_MAX * 2], b[PATH_MAX * 2], cmd[PATH_MAX * 5];
	size_t i, pairs = 0;

	fputs("<h2>Compare pairs</h2>\n<p>Each run against the one before it in its suite "
	      "(run from the directory that holds this results directory).</p>\n<ul>\n",
	      f);
	for (i = 1; i < ix->n; i++) {
		const struct run_entry *p = &ix->run[i - 1], *r = &ix->run[i];
		const char *argv[4] = { "iommubench", "compare", a, b };

		if (strcmp(p->suite_dir, r->suite_dir))
			continue;
		snprintf(a, sizeof(a), "%s/%s/%s", root, p->suite_dir, p->run_dir);
		snprintf(b, sizeof(b), "%s/%s/%s", root, r->suite_dir, r->run_dir);
		ib_shell_join(cmd, sizeof(cmd), argv, 4);
		fputs("<li><code>", f);
		ib_html_put(f, cmd);
		fputs("</code></li>\n", f);
		pairs++;
	}
	if (!pairs)
		fputs("<li>none: no suite has two runs yet</li>\n", f);
	fputs("</ul>\n", f);
}

static void render(FILE *f, const struct index *ix, const char *root)
{
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>iommubench runs</title>\n<style>body{font-family:sans-serif;margin:2em}"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
	      "text-align:left}code{background:#f4f4f4}</style></head><body>\n"
	      "<h1>iommubench runs</h1>\n",
	      f);
	fprintf(f, "<p>%zu run(s) in ", ix->n);
	ib_html_put(f, root);
	if (ix->more)
		fprintf(f, "; %zu more not listed (at most %d)", ix->more, IB_RUNINDEX_MAX);
	fputs(". Rewritten after every run (iommubench finish --link-latest).</p>\n"
	      "<table>\n<tr><th>suite</th><th>run</th><th>platform</th><th>host</th>"
	      "<th>date</th><th>ok</th><th>skipped</th><th>error</th><th>complete</th></tr>\n",
	      f);
	for (i = 0; i < ix->n; i++)
		run_line(f, &ix->run[i]);
	fputs("</table>\n", f);
	compare_pairs(f, ix, root);
	fputs("</body></html>\n", f);
}

static void index_free(struct index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++) {
		struct run_entry *r = &ix->run[i];

		free(r->suite_dir);
		free(r->run_dir);
		free(r->suite);
		free(r->run_id);
		free(r->platform);
		free(r->host);
		free(r->date);
	}
	free(ix->run);
}

/* ROOT/index.html through a temporary: -1 with errno. */
static int write_index(const char *root, const struct index *ix)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int slot, e = 0;
	FILE *f;

	if (ib_pathf(path, sizeof(path), "%s/index.html", root) ||
	    ib_pathf(tmp, sizeof(tmp), "%s/.index.html.%d.tmp", root, (int)getpid())) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slot = ib_tmp_add(tmp);
	f = fopen(tmp, "w");
	if (!f) {
		e = errno;
		goto out;
	}
	errno = 0;
	render(f, ix, root);
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		e = errno ? errno : EIO;
	if (fclose(f) && !e)
		e = errno ? errno : EIO;
	if (!e && rename(tmp, path))
		e = errno;
	if (e)
		unlink(tmp);
out:
	ib_tmp_del(slot);
	errno = e;
	return e ? -1 : 0;
}

int ib_runindex_write(const char *root, char *err, size_t errlen)
{
	struct index ix = { 0 };
	int n = -1;

	if (scan(&ix, root)) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno ? errno : ENOMEM));
		goto out;
	}
	qsort(ix.run, ix.n, sizeof(*ix.run), run_cmp);
	if (write_index(root, &ix)) {
		snprintf(err, errlen, "%s/index.html: %s", root, strerror(errno));
		goto out;
	}
	n = (int)ix.n;
out:
	index_free(&ix);
	return n;
}

int ib_runindex_write_for(const char *run_dir, char *err, size_t errlen)
{
	char root[PATH_MAX], *s;
	size_t n = strlen(run_dir);
	int k;

	if (n >= sizeof(root)) {
		snprintf(err, errlen, "%s: %s", run_dir, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(root, run_dir, n + 1);
	/* drop the run and the suite: "results/hugepage/<id>/" -> "results" */
	for (k = 0; k < 2; k++) {
		while (n > 1 && root[n - 1] == '/')
			root[--n] = '\0';
		s = strrchr(root, '/');
		if (!s) {
			/* fewer components than that: relative to the cwd */
			snprintf(root, sizeof(root), "%s", k ? "." : "..");
			break;
		}
		if (s == root)
			s[1] = '\0'; /* "/x" -> "/" */
		else
			*s = '\0';
		n = strlen(root);
	}
	return ib_runindex_write(root, err, errlen);
}
