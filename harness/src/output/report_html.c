// SPDX-License-Identifier: GPL-2.0
/*
 * report.html: context, reproduce line, figures as data URIs, tables.  Part of `iommubench report`
 * (report.c; docs/report.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "ib_sysinfo.h"


#include "report_int.h"

/* ---- HTML ---- */

static void put_num(FILE *f, json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.6g", json_real_value(v));
	else if (json_is_string(v))
		ib_html_put(f, json_string_value(v));
	else
		fputs("&ndash;", f);
}

static void put_json(FILE *f, json_t *v)
{
	char *s;

	if (!v || json_is_null(v)) {
		fputs("&ndash;", f);
		return;
	}
	if (json_is_string(v)) {
		ib_html_put(f, json_string_value(v));
		return;
	}
	if (json_is_number(v)) {
		put_num(f, v);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	ib_html_put(f, s ? s : "?");
	free(s);
}

static void kv(FILE *f, const char *k, json_t *v)
{
	fputs("<tr><th>", f);
	ib_html_put(f, k);
	fputs("</th><td>", f);
	put_json(f, v);
	fputs("</td></tr>\n", f);
}

static void kv_s(FILE *f, const char *k, const char *v)
{
	fputs("<tr><th>", f);
	ib_html_put(f, k);
	fputs("</th><td>", f);
	ib_html_put(f, v && *v ? v : "\xe2\x80\x93");
	fputs("</td></tr>\n", f);
}

static void put_b64(FILE *f, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], f);
		fputc(tab[p[i + 2] & 63], f);
	}
	if (n - i == 1) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[(p[i] & 3) << 4], f);
		fputs("==", f);
	} else if (n - i == 2) {
		fputc(tab[p[i] >> 2], f);
		fputc(tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tab[(p[i + 1] & 15) << 2], f);
		fputc('=', f);
	}
}

static void html_context(FILE *f, struct report *R)
{
	json_t *c = R->ctx, *cpu = json_object_get(c, "cpu"), *io = json_object_get(c, "iommu");
	json_t *numa = json_object_get(c, "numa"), *groups = json_object_get(io, "groups");
	char buf[256];

	fputs("<h2 id=\"context\">Context</h2>\n<table class=\"kv\">\n", f);
	/* the instance first: what a fleet of runs is told apart by */
	if (ib_sysinfo_instance(c, buf, sizeof(buf)))
		kv_s(f, "instance", buf);
	if (json_object_get(c, "machine"))
		kv(f, "machine (DMI)", json_object_get(c, "machine"));
	if (json_object_get(c, "cloud"))
		kv(f, "cloud (cloud-init)", json_object_get(c, "cloud"));
	kv_s(f, "platform", R->plat);
	kv(f, "host", json_object_get(c, "host"));
	if (json_object_get(c, "lab_host"))
		kv(f, "lab host", json_object_get(c, "lab_host"));
	kv(f, "run id", json_object_get(c, "run_id"));
	kv(f, "suite", json_object_get(c, "suite"));
	kv(f, "date", json_object_get(c, "date"));
	kv(f, "complete", json_object_get(R->doc, "complete"));
	kv(f, "kernel", json_object_get(c, "kernel"));
	if (json_object_get(c, "kernel_version"))
		kv(f, "kernel version", json_object_get(c, "kernel_version"));
	kv(f, "cmdline", json_object_get(c, "cmdline"));
	if (json_is_object(cpu)) {
		fmt(buf, sizeof(buf), "%s%s%s, %lld CPUs",
			 json_string_value(json_object_get(cpu, "model")) ?: "?",
			 json_string_value(json_object_get(cpu, "vendor")) ? " / " : "",
			 json_string_value(json_object_get(cpu, "vendor")) ?: "",
			 (long long)json_integer_value(json_object_get(cpu, "ncpus")));
		kv_s(f, "CPU", buf);
	} else {
		kv(f, "CPU", cpu);
	}
	if (json_object_get(cpu, "microcode"))
		kv(f, "CPU microcode", json_object_get(cpu, "microcode"));
	kv(f, "hypervisor", json_object_get(c, "hypervisor"));
	if (json_object_get(c, "hypervisor_source"))
		kv(f, "hypervisor from", json_object_get(c, "hypervisor_source"));
	if (json_is_array(json_object_get(numa, "nodes"))) {
		fmt(buf, sizeof(buf), "%zu node(s)",
			 json_array_size(json_object_get(numa, "nodes")));
		kv_s(f, "NUMA", buf);
		kv(f, "NUMA nodes", json_object_get(numa, "nodes"));
		kv(f, "NUMA distances", json_object_get(numa, "distances"));
	} else {
		kv(f, "NUMA", numa);
	}
	kv(f, "IOMMU vendor", json_object_get(io, "vendor"));
	kv(f, "IOMMU default domain (mode)", json_object_get(io, "default_domain"));
	if (json_is_array(groups)) {
		fmt(buf, sizeof(buf), "%zu group(s)", json_array_size(groups));
		kv_s(f, "IOMMU groups", buf);
		if (json_array_size(groups))
			kv(f, "IOMMU group list", groups);
	} else {
		kv(f, "IOMMU groups", groups);
	}
	if (json_object_get(io, "cap"))
		kv(f, "IOMMU cap / ecap", json_object_get(io, "cap"));
	if (json_object_get(io, "ecap"))
		kv(f, "IOMMU ecap", json_object_get(io, "ecap"));
	if (json_object_get(io, "amd"))
		kv(f, "AMD-Vi units", json_object_get(io, "amd"));
	if (json_object_get(io, "smmu"))
		kv(f, "SMMU units", json_object_get(io, "smmu"));
	if (json_object_get(c, "devices"))
		kv(f, "devices (PCIe, IOMMU group)", json_object_get(c, "devices"));
	kv(f, "hugepages", json_object_get(c, "hugepages"));
	kv(f, "THP", json_object_get(c, "thp"));
	kv(f, "module", json_object_get(c, "module"));
	kv(f, "git sha", json_object_get(c, "git_sha"));
	kv(f, "tool version", json_object_get(c, "tool_version"));
	fputs("</table>\n", f);
}

static void html_reproduce(FILE *f, struct report *R)
{
	json_t *argv = json_object_get(R->ctx, "argv"), *v;
	const char *suite = rp_ctx_str(R->ctx, "suite");
	const char *pl = rp_ctx_str(R->ctx, "platform");
	const char **args = NULL;
	char *cmd = NULL;
	size_t i, n = 0, skip0 = 0;

	fputs("<h2 id=\"reproduce\">Reproduce</h2>\n", f);
	if (*suite && strcmp(suite, "adhoc")) {
		/* shell-quoted: the suite comes from results.json, which may be
		 * anyone's (copy-paste must not run what it holds) */
		char sa[600], line[2600];
		const char *mk[] = { "make", "run", sa,
				     !strcmp(pl, "qemu-lab") ? "TARGET=lab" : "TARGET=host" };

		snprintf(sa, sizeof(sa), "SUITE=%.512s", suite);
		ib_shell_join(line, sizeof(line), mk, 4);
		fputs("<pre class=\"cmd\">", f);
		ib_html_put(f, line);
		fputs("</pre>\n", f);
	}
	if (json_is_array(argv) && json_array_size(argv)) {
		args = calloc(json_array_size(argv) + 1, sizeof(*args));
		cmd = malloc(65536);
		if (!args || !cmd)
			goto out;
		/* argv may start at the program or at the sub-command */
		if (strcmp(json_string_value(json_array_get(argv, 0)) ?: "", "run") &&
		    strcmp(json_string_value(json_array_get(argv, 0)) ?: "", "rerun"))
			skip0 = 1;
		args[n++] = "iommubench";
		json_array_foreach(argv, i, v)
			if (i >= skip0)
				args[n++] = json_string_value(v) ?: "";
		ib_shell_join(cmd, 65536, args, n);
		fputs("<p>The harness command as run", f);
		if (!strcmp(pl, "qemu-lab"))
			fputs(" (inside the lab guest)", f);
		fputs(":</p>\n<pre class=\"cmd\">", f);
		ib_html_put(f, cmd);
		fputs("</pre>\n", f);
	} else if (!*suite || !strcmp(suite, "adhoc")) {
		fputs("<p>context.argv is missing: the command is unknown.</p>\n", f);
	}
	{
		char *ra = NULL, line[16500];
		const char *mk[3] = { "make", "plots", "" };

		if (asprintf(&ra, "RUN=%.4096s", R->dir) >= 0) {
			mk[2] = ra;
			ib_shell_join(line, sizeof(line), mk, 3);
			fputs("<p>Re-draw this report: <code>", f);
			ib_html_put(f, line);
			fputs("</code></p>\n", f);
		}
		free(ra);
	}
out:
	free(args);
	free(cmd);
}

/* The findings first: what the run supports, a sentence each with its
 * number, CI and rows (the same lines `make run` ends with). */
static void html_findings(FILE *f, struct report *R)
{
	json_t *row, *src, *v;
	char note[1024];
	size_t i, j;

	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", f);
	if (!json_array_size(R->findings))
		fputs("<p class=\"none\">None: this run has no reach knee, page-size pair with "
		      "iotlb_miss, strict/lazy pair, net strict/identity pair, NUMA placements or "
		      "isolation verdicts.</p>\n",
		      f);
	else
		fputs("<ul class=\"findings\">\n", f);
	json_array_foreach(R->findings, i, row) {
		fputs("<li data-name=\"", f);
		ib_html_put(f, json_string_value(json_object_get(row, "name")) ?: "");
		fputs("\"><span class=\"finding\">", f);
		ib_html_put(f, json_string_value(json_object_get(row, "finding")) ?: "?");
		fputs("</span>", f);
		src = json_object_get(json_object_get(row, "params"), "source_rows");
		json_array_foreach(src, j, v) {
			fputs(j ? ", " : " <span class=\"rows\">[rows: ", f);
			ib_html_put(f, json_string_value(v) ?: "?");
		}
		fputs(json_array_size(src) ? "]</span></li>\n" : "</li>\n", f);
	}
	if (json_array_size(R->findings))
		fputs("</ul>\n", f);
	if (ib_findings_timing_note(&R->run, note, sizeof(note))) {
		fputs("<p class=\"note\">", f);
		ib_html_put(f, note);
		fputs("</p>\n", f);
	}
	if (R->findings_computed)
		fputs("<p class=\"computed\">results.json has no finding rows (it was derived "
		      "before there were findings): these were computed by the report; "
		      "<code>iommubench derive RUN_DIR</code> stores them.</p>\n",
		      f);
	fputs("</section>\n", f);
}

static void html_figures(FILE *f, struct report *R)
{
	size_t i;
	bool any_missing = false;

	fputs("<h2 id=\"figures\">Figures</h2>\n", f);
	for (i = 0; i < R->nfigs; i++) {
		struct fig *g = &R->figs[i];
		char path[PATH_MAX + 64];
		char *svg;
		size_t len;

		if (g->flat) {
			/* in its place: one line saying why there is no figure */
			fprintf(f, "<p class=\"flat\" id=\"fig-%s\"><b>", g->id);
			ib_html_put(f, g->title);
			fputs("</b>: not drawn: ", f);
			ib_html_put(f, g->why);
			fputs(".</p>\n", f);
			continue;
		}
		if (!g->drawn)
			continue;
		fmt(path, sizeof(path), "%s/%s.svg", R->draw.outdir, g->id);
		svg = ib_read_all(path, &len);
		if (!svg) {
			g->drawn = false;
			fmt(g->why, sizeof(g->why), "%s: %s", path, strerror(errno));
			continue;
		}
		fprintf(f, "<figure id=\"fig-%s\">\n<img alt=\"", g->id);
		ib_html_put(f, g->title);
		fputs("\" src=\"data:image/svg+xml;base64,", f);
		put_b64(f, (const unsigned char *)svg, len);
		fputs("\">\n<figcaption><b>", f);
		ib_html_put(f, g->title);
		fputs(" &mdash; ", f);
		ib_html_put(f, R->plat);
		fputs(".</b> ", f);
		ib_html_put(f, g->caption);
		fprintf(f, " Files: plots/%s.svg, plots/%s.png, data plots/data/%s.dat.</figcaption>\n</figure>\n",
			g->id, g->id, g->id);
		free(svg);
	}
	for (i = 0; i < R->nfigs; i++)
		if (!R->figs[i].drawn && !R->figs[i].flat)
			any_missing = true;
	if (!any_missing)
		return;
	fputs("<h3>Not drawn</h3>\n<ul class=\"notdrawn\">\n", f);
	for (i = 0; i < R->nfigs; i++) {
		if (R->figs[i].drawn || R->figs[i].flat)
			continue;
		fputs("<li><b>", f);
		ib_html_put(f, R->figs[i].title);
		fputs("</b>: not drawn: ", f);
		ib_html_put(f, R->figs[i].why[0] ? R->figs[i].why : "no data");
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static bool is_derived(json_t *row)
{
	return !strcmp(json_string_value(json_object_get(row, "run_type")) ?: "", "derived");
}

static void html_medians(FILE *f, struct report *R)
{
	json_t *row, *m;
	const char *key;
	size_t i;

	fputs("<h2 id=\"medians\">Medians with 95&nbsp;% confidence intervals</h2>\n"
	      "<table class=\"data\">\n<tr><th>row</th><th>metric</th><th>unit</th><th>n</th>"
	      "<th>median</th><th>95&nbsp;% CI</th><th>&plusmn;&nbsp;%</th><th>p90</th><th>p99</th>"
	      "<th>reps</th></tr>\n",
	      f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		if (is_derived(row) ||
		    strcmp(json_string_value(json_object_get(row, "status")) ?: "", "ok"))
			continue;
		json_object_foreach(json_object_get(row, "metrics"), key, m) {
			double med = json_number_value(json_object_get(m, "median"));
			double lo = json_number_value(json_object_get(m, "ci95_low"));
			double hi = json_number_value(json_object_get(m, "ci95_high"));

			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td>", f);
			put_json(f, json_object_get(m, "unit"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "n"));
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(m, "median"));
			fputs("</td><td>[", f);
			put_num(f, json_object_get(m, "ci95_low"));
			fputs(", ", f);
			put_num(f, json_object_get(m, "ci95_high"));
			/* fresh buffers: the CI is across them (layout=) */
			fputs(json_object_get(m, "ci_over") ? "] over buffers</td><td>" : "]</td><td>", f);
			if (med > 0 && json_is_number(json_object_get(m, "ci95_low")))
				fprintf(f, "%.2f", 50.0 * (hi - lo) / med);
			else
				fputs("&ndash;", f);
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "p90"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(m, "p99"));
			fputs("</td><td>", f);
			put_num(f, json_object_get(row, "repetitions"));
			if (json_is_false(json_object_get(row, "converged")))
				fputs(" (not converged)", f);
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</table>\n", f);
}

/* "a, b" of a JSON array of strings; "none" when empty, NULL when absent. */
static const char *names_text(json_t *arr, char *buf, size_t len)
{
	json_t *v;
	size_t i, off = 0;

	if (!json_is_array(arr))
		return NULL;
	buf[0] = '\0';
	json_array_foreach(arr, i, v)
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						json_string_value(v) ?: "?");
	return buf[0] ? buf : "none";
}

/* Whether the source "name:event" is in the JSON array of source names. */
static bool source_in(json_t *arr, const char *source)
{
	size_t n = strcspn(source, ":"), i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (s && strlen(s) == n && !strncmp(s, source, n))
			return true;
	}
	return false;
}

/* What was live while the rows were timed (params.counters_live), with
 * the run's choice (counters=): how many measured rows had which. */
static void html_counters_live(FILE *f, struct report *R)
{
	json_t *groups = json_object(), *row, *v;
	const char *key;
	char buf[256];
	size_t i;

	fputs("<p>Counter choice: <b>counters=", f);
	ib_html_put(f, rp_ctx_str(R->ctx, "counters_mode")[0] ? rp_ctx_str(R->ctx, "counters_mode") :
								 "not recorded");
	fputs("</b>; sources opened: ", f);
	ib_html_put(f, names_text(json_object_get(R->ctx, "counter_sources"), buf, sizeof(buf)) ?:
			       "not recorded");
	fputs(". A source live while timing ran during the timed repetitions (its probe cost is "
	      "in the timings); a counting-pass source counted a second run of the same "
	      "repetitions, whose timings were discarded.</p>\n",
	      f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		const char *t;
		json_t *n;

		if (is_derived(row) ||
		    strcmp(json_string_value(json_object_get(row, "status")) ?: "", "ok"))
			continue;
		t = names_text(json_object_get(json_object_get(row, "params"), "counters_live"),
			       buf, sizeof(buf)) ?: "not recorded";
		n = json_object_get(groups, t);
		json_object_set_new(groups, t, json_integer(n ? json_integer_value(n) + 1 : 1));
	}
	if (json_object_size(groups)) {
		fputs("<table class=\"data\">\n<tr><th>live while timing</th><th>rows</th></tr>\n", f);
		json_object_foreach(groups, key, v) {
			fputs("<tr><td>", f);
			ib_html_put(f, key);
			fputs("</td><td>", f);
			put_num(f, v);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	json_decref(groups);
}

static void html_counters(FILE *f, struct report *R)
{
	json_t *row, *c, *un = json_object_get(R->ctx, "counters_unavailable");
	const char *key;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"counters\">Counters</h2>\n", f);
	html_counters_live(f, R);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		json_t *cps = json_object_get(json_object_get(row, "counting_pass"), "sources");

		json_object_foreach(json_object_get(row, "counters"), key, c) {
			if (!n++)
				fputs("<table class=\"data\">\n<tr><th>row</th><th>counter</th>"
				      "<th>value</th><th>source</th><th>pass</th></tr>\n",
				      f);
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(c, "value"));
			fputs("</td><td>", f);
			put_json(f, json_object_get(c, "source"));
			fputs(source_in(cps, json_string_value(json_object_get(c, "source")) ?: "") ?
				      "</td><td>counting</td></tr>\n" :
				      "</td><td>timing</td></tr>\n",
			      f);
		}
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>No row carries counters.</p>\n", f);
	fputs("<h3>Counters unavailable</h3>\n", f);
	if (!json_array_size(un)) {
		fputs("<p>None listed.</p>\n", f);
		return;
	}
	fputs("<table class=\"data\">\n<tr><th>counter</th><th>reason</th></tr>\n", f);
	json_array_foreach(un, i, c) {
		fputs("<tr><td>", f);
		put_json(f, json_object_get(c, "name"));
		fputs("</td><td>", f);
		put_json(f, json_object_get(c, "reason"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_derived(FILE *f, struct report *R)
{
	json_t *row, *m;
	const char *key;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"derived\">Derived results</h2>\n", f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		json_t *params = json_object_get(row, "params"), *kw;
		bool any = false;

		if (!is_derived(row))
			continue;
		if (!n++)
			fputs("<table class=\"data\">\n<tr><th>row</th><th>status</th><th>metric</th>"
			      "<th>median</th><th>95&nbsp;% CI</th><th>knee_window (bytes)</th>"
			      "<th>reason / method</th></tr>\n",
			      f);
		kw = json_object_get(params, "knee_window");
		json_object_foreach(json_object_get(row, "metrics"), key, m) {
			any = true;
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "status"));
			fputs("</td><td>", f);
			ib_html_put(f, key);
			fputs("</td><td class=\"med\">", f);
			put_num(f, json_object_get(m, "median"));
			fputs("</td><td>[", f);
			put_num(f, json_object_get(m, "ci95_low"));
			fputs(", ", f);
			put_num(f, json_object_get(m, "ci95_high"));
			/* fresh buffers: the CI is across them (layout=) */
			fputs(json_object_get(m, "ci_over") ? "] over buffers</td><td>" : "]</td><td>", f);
			put_json(f, kw);
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "reason") ?: json_object_get(params, "method"));
			fputs("</td></tr>\n", f);
		}
		if (!any) {
			fputs("<tr><td class=\"name\">", f);
			ib_html_put(f, json_string_value(json_object_get(row, "name")));
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "status"));
			fputs("</td><td>&ndash;</td><td>&ndash;</td><td>&ndash;</td><td>", f);
			put_json(f, kw);
			fputs("</td><td>", f);
			put_json(f, json_object_get(row, "reason") ?: json_object_get(params, "method"));
			fputs("</td></tr>\n", f);
		}
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>No derived rows in this run.</p>\n", f);
}

static void html_not_ok(FILE *f, struct report *R)
{
	json_t *row;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"skipped\">Skipped and failed points</h2>\n", f);
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		const char *st = json_string_value(json_object_get(row, "status")) ?: "";

		if (!strcmp(st, "ok"))
			continue;
		if (!n++)
			fputs("<table class=\"data\">\n<tr><th>row</th><th>status</th><th>reason</th></tr>\n",
			      f);
		fprintf(f, "<tr class=\"%s\"><td class=\"name\">", !strcmp(st, "error") ? "error" : "skipped");
		ib_html_put(f, json_string_value(json_object_get(row, "name")));
		fputs("</td><td>", f);
		ib_html_put(f, st);
		fputs("</td><td>", f);
		put_json(f, json_object_get(row, "reason"));
		fputs("</td></tr>\n", f);
	}
	if (n)
		fputs("</table>\n", f);
	else
		fputs("<p>None: every point ran.</p>\n", f);
}

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:90%}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"table.data td.med{text-align:right;font-variant-numeric:tabular-nums}"
	"td.name{font-family:monospace}table.kv th{background:#f4f4f4;white-space:nowrap}"
	"table.kv td{font-family:monospace;word-break:break-all}"
	"tr.error td{background:#fde2e2}tr.skipped td{background:#fff7dd}"
	"figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #ddd}"
	"pre.cmd{background:#f4f4f4;padding:.5em;white-space:pre-wrap;word-break:break-all}"
	".banner{background:#fff3cd;border:1px solid #e0c060;padding:.5em 1em}"
	"#findings{background:#eef6ee;border:1px solid #9c9;padding:.2em 1em;margin:1em 0}"
	"#findings li{margin:.3em 0}#findings .rows{font-family:monospace;font-size:80%;color:#555}"
	"p.flat{color:#555;font-style:italic}";

int rp_write_html(struct report *R, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	json_t *row;
	size_t i;
	int nok = 0, nskip = 0, nerr = 0, nder = 0, drawn = 0;

	if (!f) {
		fmt(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(json_object_get(R->doc, "results"), i, row) {
		const char *st = json_string_value(json_object_get(row, "status")) ?: "";

		if (is_derived(row))
			nder++;
		else if (!strcmp(st, "ok"))
			nok++;
		else if (!strcmp(st, "error"))
			nerr++;
		else
			nskip++;
	}
	for (i = 0; i < R->nfigs; i++)
		drawn += R->figs[i].drawn;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	fputs("iommubench report: ", f);
	ib_html_put(f, rp_ctx_str(R->ctx, "suite"));
	fputs(" &mdash; ", f);
	ib_html_put(f, R->plat);
	fputs("</title>\n<style>", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>iommubench report: ", f);
	ib_html_put(f, rp_ctx_str(R->ctx, "suite"));
	fputs(" &mdash; ", f);
	ib_html_put(f, R->plat);
	fputs("</h1>\n", f);
	html_findings(f, R);
	fputs("<p>Run <code>", f);
	ib_html_put(f, rp_ctx_str(R->ctx, "run_id"));
	fputs("</code>, ", f);
	ib_html_put(f, rp_ctx_str(R->ctx, "date"));
	fprintf(f, ": %d ok, %d skipped, %d errors, %d derived rows; %d of %zu figures drawn.",
		nok, nskip, nerr, nder, drawn, R->nfigs);
	if (json_is_false(json_object_get(R->doc, "complete")))
		fputs(" <b>The run did not complete (complete: false).</b>", f);
	fputs("</p>\n", f);
	if (!strcmp(rp_ctx_str(R->ctx, "platform"), "qemu-lab"))
		fputs("<p class=\"banner\"><b>Emulated timings.</b> This run is from the QEMU lab "
		      "(platform qemu-lab): its latencies and bandwidths are those of an emulated "
		      "device and IOMMU, not of hardware. Counts (IOTLB misses, maps, faults) are "
		      "exact counts of the emulated IOMMU.</p>\n",
		      f);
	if (R->nsimulated) {
		fprintf(f, "<p class=\"banner\"><b>Simulated device.</b> %d row(s) ran on a test "
			   "double, not on hardware: ",
			R->nsimulated);
		ib_html_put(f, R->simulated);
		fputs(". Their timings and counts are a model's (params.simulated), not "
		      "measurements.</p>\n",
		      f);
	}
	fputs("<p><a href=\"#findings\">Findings</a> &middot; <a href=\"#figures\">Figures</a> &middot; <a href=\"#medians\">Medians</a> "
	      "&middot; <a href=\"#derived\">Derived</a> &middot; <a href=\"#counters\">Counters</a> "
	      "&middot; <a href=\"#skipped\">Skipped</a> &middot; <a href=\"#context\">Context</a> "
	      "&middot; <a href=\"#reproduce\">Reproduce</a></p>\n",
	      f);
	html_figures(f, R);
	html_medians(f, R);
	html_derived(f, R);
	html_counters(f, R);
	html_not_ok(f, R);
	rp_html_ranks(f, R); /* multi-rank runs only */
	html_context(f, R);
	html_reproduce(f, R);
	fputs("<p><small>Generated by iommubench ", f);
	ib_html_put(f, IB_VERSION);
	fputs(" report from results.json and results.csv.</small></p>\n</body>\n</html>\n", f);
	if (fclose(f)) {
		free(html);
		fmt(err, errlen, "out of memory");
		return -1;
	}
	fmt(path, sizeof(path), "%s/report.html", R->dir);
	if (rp_write_atomic(path, html, len)) {
		fmt(err, errlen, "%s: %s", path, strerror(errno));
		free(html);
		return -1;
	}
	free(html);
	return 0;
}
