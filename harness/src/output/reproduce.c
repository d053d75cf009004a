// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench reproduce RUN [--against RUN2]`: did RUN reproduce?  Without
 * --against, a host run is rerun first (rerun.c: the exact configuration
 * of every row) into a new run directory, finished (derived rows, report),
 * and that is RUN2; a lab run is rerun by `make reproduce RUN=...`
 * (scripts/run.sh boots the lab as make run does), which then calls this
 * command with --against.
 *
 * The verdict per row of RUN, against the row of the same name in RUN2:
 *  - not comparable: the runs come from another platform, host (on a
 *    host), kernel or IOMMU (vendor, cap, ecap), or the row obtained
 *    another IOMMU mode, page size, device or IOPTE sizes;
 *  - differs: the status or the isolation verdict changed, the row is
 *    missing, a count changed (lab: counts must match bit for bit), or a
 *    timing's 95 % CIs of the median do not overlap on a host (significant;
 *    one within --min-effect, default 1 %, still reproduces);
 *  - reproduced otherwise.
 * In the lab, timings are emulated and not judged; metrics drawn from
 * counts (derived rows: entries, ratios) must match exactly.  On a host,
 * counters are printed when they differ but not judged.
 * Exit 0 when every row reproduced, 2 when one differs, 4 when none
 * differs but some are not comparable, 1 on bad input (docs/harness.md).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_reproduce.h"
#include "ib_results.h"

enum verdict { V_REPRODUCED, V_DIFFERS, V_NOT_COMPARABLE };

struct why {
	char text[1024];
	size_t len;
};

static void __attribute__((format(printf, 2, 3))) add(struct why *w, const char *f, ...)
{
	va_list ap;
	int n;

	if (w->len >= sizeof(w->text) - 1)
		return;
	if (w->len) {
		n = snprintf(w->text + w->len, sizeof(w->text) - w->len, "; ");
		w->len += n > 0 ? (size_t)n : 0;
	}
	if (w->len >= sizeof(w->text) - 1)
		return;
	va_start(ap, f);
	n = vsnprintf(w->text + w->len, sizeof(w->text) - w->len, f, ap);
	va_end(ap);
	w->len += n > 0 ? (size_t)n : 0;
	if (w->len >= sizeof(w->text))
		w->len = sizeof(w->text) - 1;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* v as text for a message: strings as they are (made safe), else compact JSON. */
static const char *text_of(json_t *v, char *buf, size_t len)
{
	char *d;

	if (!v)
		return "(absent)";
	if (json_is_string(v))
		return ib_text_safe(buf, len, json_string_value(v));
	d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	ib_text_safe(buf, len, d ? d : "?");
	free(d);
	return buf;
}

/* Run-level: why the two runs cannot be compared at all ("" when they can). */
void ib_reproduce_context(json_t *a, json_t *b, char *why, size_t len)
{
	json_t *ca = json_object_get(a, "context"), *cb = json_object_get(b, "context");
	json_t *ia = json_object_get(ca, "iommu"), *ib = json_object_get(cb, "iommu");
	static const char *const iommu_keys[] = { "vendor", "cap", "ecap" };
	struct why w = { .len = 0 };
	char x[160], y[160];
	size_t k;
	bool lab = !strcmp(str(ca, "platform") ?: "", "qemu-lab");

	w.text[0] = '\0';
	if (!json_equal(json_object_get(ca, "platform"), json_object_get(cb, "platform")) &&
	    (json_object_get(ca, "platform") || json_object_get(cb, "platform")))
		add(&w, "another platform (%s vs %s)",
		    text_of(json_object_get(ca, "platform"), x, sizeof(x)),
		    text_of(json_object_get(cb, "platform"), y, sizeof(y)));
	/* the lab's guest is the same machine wherever QEMU runs */
	if (!lab && !json_equal(json_object_get(ca, "host"), json_object_get(cb, "host")) &&
	    (json_object_get(ca, "host") || json_object_get(cb, "host")))
		add(&w, "another host (%s vs %s)", text_of(json_object_get(ca, "host"), x, sizeof(x)),
		    text_of(json_object_get(cb, "host"), y, sizeof(y)));
	if (!json_equal(json_object_get(ca, "kernel"), json_object_get(cb, "kernel")) &&
	    (json_object_get(ca, "kernel") || json_object_get(cb, "kernel")))
		add(&w, "another kernel (%s vs %s)",
		    text_of(json_object_get(ca, "kernel"), x, sizeof(x)),
		    text_of(json_object_get(cb, "kernel"), y, sizeof(y)));
	for (k = 0; k < sizeof(iommu_keys) / sizeof(iommu_keys[0]); k++) {
		json_t *va = json_object_get(ia, iommu_keys[k]), *vb = json_object_get(ib, iommu_keys[k]);

		if (!json_equal(va, vb) && (va || vb))
			add(&w, "another IOMMU (iommu.%s %s vs %s)", iommu_keys[k],
			    text_of(va, x, sizeof(x)), text_of(vb, y, sizeof(y)));
	}
	snprintf(why, len, "%s", w.text);
}

/* Row-level: what the row obtained that the other did not. */
static void row_obtained(json_t *pa, json_t *pb, struct why *w)
{
	static const char *const keys[][2] = {
		{ "iommu_mode_effective", "another IOMMU mode" },
		{ "page_size_obtained", "another page size obtained" },
		{ "iommu_page_sizes", "other IOPTE sizes" },
		{ "device", "another device" },
		{ "iommu_visibility", "another IOMMU visibility" },
	};
	char x[160], y[160];
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *va = json_object_get(pa, keys[k][0]), *vb = json_object_get(pb, keys[k][0]);

		if (va && vb && !json_equal(va, vb))
			add(w, "%s (%s %s vs %s)", keys[k][1], keys[k][0], text_of(va, x, sizeof(x)),
			    text_of(vb, y, sizeof(y)));
	}
}

/* Emulated in the lab: a time, or a rate measured against one. */
static bool timing_unit(const char *unit)
{
	return unit && (!strcmp(unit, "ns") || !strcmp(unit, "bytes_per_s") ||
			!strcmp(unit, "ios_per_s") || !strcmp(unit, "packets_per_s"));
}

/* The counters: in the lab every one must be equal (and present in both). */
static void row_counters(json_t *ra, json_t *rb, bool lab, struct why *d, struct why *note)
{
	json_t *ca = json_object_get(ra, "counters"), *cb = json_object_get(rb, "counters"), *c;
	const char *key;

	json_object_foreach(ca, key, c) {
		json_t *o = json_object_get(cb, key);
		long long va = json_integer_value(json_object_get(c, "value"));
		long long vb = json_integer_value(json_object_get(o, "value"));

		if (!o) {
			add(lab ? d : note, "counter %s absent (was %lld)", key, va);
			continue;
		}
		if (va == vb)
			continue;
		if (va)
			add(lab ? d : note, "%s %lld -> %lld (%+lld, %+.3g %%)%s", key, va, vb, vb - va,
			    100.0 * (double)(vb - va) / (double)va,
			    lab ? ": significant (lab counts must match bit for bit)" : "");
		else
			add(lab ? d : note, "%s %lld -> %lld (%+lld)%s", key, va, vb, vb - va,
			    lab ? ": significant (lab counts must match bit for bit)" : "");
	}
	if (!lab)
		return;
	json_object_foreach(cb, key, c)
		if (!json_object_get(ca, key))
			add(d, "counter %s only in the rerun (%lld)", key,
			    (long long)json_integer_value(json_object_get(c, "value")));
}

/*
 * The metrics: on a host each within its CI (the two 95 % CIs of the
 * median overlap; disjoint ones differ, significant, unless the medians
 * are within min_effect); in the lab timings are not judged, the metrics
 * drawn from counts must be equal.
 */
static void row_metrics(json_t *ra, json_t *rb, bool lab, double min_effect, struct why *d,
			struct why *note)
{
	json_t *ma = json_object_get(ra, "metrics"), *mb = json_object_get(rb, "metrics"), *m;
	const char *key;

	json_object_foreach(ma, key, m) {
		json_t *o = json_object_get(mb, key);
		const char *unit = str(m, "unit");
		double a = num(m, "median"), b = num(o, "median");
		double la = num(m, "ci95_low"), ha = num(m, "ci95_high");
		double lb = num(o, "ci95_low"), hb = num(o, "ci95_high");
		double rel = a != 0 ? (b - a) / a : (b == a ? 0 : INFINITY);

		if (!o) {
			add(d, "metric %s absent", key);
			continue;
		}
		if (lab && timing_unit(unit)) {
			if (fabs(rel) > min_effect)
				add(note, "%s %.6g -> %.6g (%+.3g %%, emulated: not judged)", key, a, b,
				    100 * rel);
			continue;
		}
		if (lab) {
			if (a != b || la != lb || ha != hb)
				add(d, "%s %.10g [%.10g, %.10g] -> %.10g [%.10g, %.10g]: significant "
				       "(drawn from lab counts: must match exactly)",
				    key, a, la, ha, b, lb, hb);
			continue;
		}
		if (isnan(la) || isnan(ha) || isnan(lb) || isnan(hb)) {
			if (a != b)
				add(d, "%s %.6g -> %.6g (%+.3g %%; no CI to judge it by)", key, a, b,
				    100 * rel);
			continue;
		}
		if (hb >= la && ha >= lb)
			continue; /* the CIs overlap: within them */
		if (fabs(rel) < min_effect) {
			add(note, "%s %.6g -> %.6g (%+.3g %%): CIs disjoint but within %.3g %%", key, a,
			    b, 100 * rel, 100 * min_effect);
			continue;
		}
		add(d, "%s median %.6g -> %.6g (%+.3g %%), 95 %% CIs [%.6g, %.6g] and [%.6g, %.6g] "
		       "do not overlap: significant",
		    key, a, b, 100 * rel, la, ha, lb, hb);
	}
}

/* One row's verdict; why gets the reasons, note what was seen but not judged. */
static enum verdict row_verdict(json_t *ra, json_t *rb, bool lab, double min_effect,
				struct why *why, struct why *note)
{
	const char *sa = str(ra, "status") ?: "", *sb;
	char x[160], y[160];

	if (!rb) {
		add(why, "row absent from the rerun");
		return V_DIFFERS;
	}
	row_obtained(json_object_get(ra, "params"), json_object_get(rb, "params"), why);
	if (why->len)
		return V_NOT_COMPARABLE;
	sb = str(rb, "status") ?: "";
	if (strcmp(sa, sb)) {
		add(why, "status %s -> %s%s%s", sa, sb, str(rb, "reason") ? ": " : "",
		    ib_text_safe(x, sizeof(x), str(rb, "reason") ?: ""));
		return V_DIFFERS;
	}
	if (strcmp(sa, "ok")) {
		add(note, "%s both times", sa);
		return V_REPRODUCED;
	}
	if ((json_object_get(ra, "verdict") || json_object_get(rb, "verdict")) &&
	    !json_equal(json_object_get(ra, "verdict"), json_object_get(rb, "verdict")))
		add(why, "verdict %s -> %s", text_of(json_object_get(ra, "verdict"), x, sizeof(x)),
		    text_of(json_object_get(rb, "verdict"), y, sizeof(y)));
	/* the adaptive loop may stop after other repetitions: then the
	 * counts cover other work, which says why they moved */
	if (lab && json_is_integer(json_object_get(ra, "repetitions")) &&
	    json_is_integer(json_object_get(rb, "repetitions")) &&
	    !json_equal(json_object_get(ra, "repetitions"), json_object_get(rb, "repetitions")))
		add(why, "repetitions %lld -> %lld (the counts below cover other work)",
		    (long long)json_integer_value(json_object_get(ra, "repetitions")),
		    (long long)json_integer_value(json_object_get(rb, "repetitions")));
	row_counters(ra, rb, lab, why, note);
	row_metrics(ra, rb, lab, min_effect, why, note);
	return why->len ? V_DIFFERS : V_REPRODUCED;
}

static json_t *by_name(json_t *doc)
{
	json_t *m = json_object(), *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *name = str(row, "name");

		if (name && !json_object_get(m, name))
			json_object_set(m, name, row);
	}
	return m;
}

int ib_reproduce_verdicts(json_t *a, json_t *b, const char *a_id, const char *b_id,
			  double min_effect, FILE *out)
{
	static const char *const label[] = { "reproduced", "differs", "not comparable" };
	json_t *rows_b = by_name(b), *row;
	bool lab = !strcmp(str(json_object_get(a, "context"), "platform") ?: "", "qemu-lab");
	char ctx[1024], tn[512], ta[256], tb[256];
	size_t i, n[3] = { 0 };

	ib_reproduce_context(a, b, ctx, sizeof(ctx));
	fprintf(out, "reproduce: %s (%s) against %s: %s\n", ib_text_safe(ta, sizeof(ta), a_id),
		lab ? "qemu-lab: counts must match bit for bit, timings emulated" :
		      "host: timings within their 95 % CIs",
		ib_text_safe(tb, sizeof(tb), b_id),
		ctx[0] ? "not comparable" : "comparable");
	json_array_foreach(json_object_get(a, "results"), i, row) {
		struct why why = { .len = 0 }, note = { .len = 0 };
		enum verdict v;

		why.text[0] = note.text[0] = '\0';
		if (ctx[0]) {
			v = V_NOT_COMPARABLE;
			add(&why, "%s", ctx);
		} else {
			v = row_verdict(row, json_object_get(rows_b, str(row, "name") ?: ""), lab,
					min_effect, &why, &note);
		}
		n[v]++;
		fprintf(out, "%-15s %s", label[v], ib_text_safe(tn, sizeof(tn), str(row, "name") ?: "?"));
		if (why.len)
			fprintf(out, ": %s", why.text);
		if (note.len)
			fprintf(out, " (%s)", note.text);
		fputc('\n', out);
	}
	json_decref(rows_b);
	fprintf(out, "reproduce: %zu row(s): %zu reproduced, %zu differ, %zu not comparable\n",
		n[V_REPRODUCED] + n[V_DIFFERS] + n[V_NOT_COMPARABLE], n[V_REPRODUCED],
		n[V_DIFFERS], n[V_NOT_COMPARABLE]);
	return n[V_DIFFERS] ? IB_EXIT_FAILED : n[V_NOT_COMPARABLE] ? IB_EXIT_SKIPPED : IB_EXIT_OK;
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f, "usage: iommubench reproduce RUN [--against RUN2] [--results-dir DIR] [--min-effect PCT]\n"
		   "  RUN, RUN2: run directories or results.json files.  Without --against a host\n"
		   "  run is rerun here (rerun, then finish) into DIR/<suite>/<id>; a qemu-lab run\n"
		   "  is rerun by make reproduce RUN=... (it boots the lab, then compares).\n"
		   "  Exit 0: every row reproduced; 2: a row differs; 4: some not comparable.\n");
}

/* RUN's results.json path: RUN itself or RUN/results.json. */
static void results_path(const char *arg, char *out, size_t len)
{
	struct stat st;

	if (!stat(arg, &st) && S_ISDIR(st.st_mode))
		snprintf(out, len, "%s/results.json", arg);
	else
		snprintf(out, len, "%s", arg);
}

/*
 * A host run reproduced here: rerun of every row into
 * dir/<suite>/<host>-<UTC>-reproduce, then finish (derived rows, report).
 * The new run's directory into out; an exit code.
 */
static int rerun_here(const char *apath, json_t *a, const char *dir, char *out, size_t len)
{
	const char *suite = str(json_object_get(a, "context"), "suite") ?: "rerun";
	char id[160], host[64], stamp[32], err[512];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (ib_name_check("context.suite", suite, err, sizeof(err))) {
		fprintf(stderr, "iommubench: reproduce: %s: %s\n", apath, err);
		return IB_EXIT_USAGE;
	}
	if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "host");
	host[strcspn(host, ".")] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id, sizeof(id), "%s-%s-reproduce", host, stamp);
	{
		char *argv[] = { "rerun", (char *)apath, "--results-dir", (char *)dir,
				 "--run-id", id, NULL };

		rc = cmd_rerun(6, argv);
	}
	snprintf(out, len, "%s/%s/%s", dir, suite, id);
	if (rc == IB_EXIT_USAGE || access(out, F_OK))
		return rc ? rc : IB_EXIT_FAILED;
	{
		char *argv[] = { "finish", out, NULL };

		cmd_finish(2, argv); /* a failed report does not change the verdicts */
	}
	return IB_EXIT_OK;
}

int cmd_reproduce(int argc, char **argv)
{
	const char *run = NULL, *against = NULL, *dir = "results";
	char apath[PATH_MAX], bpath[PATH_MAX], rdir[PATH_MAX], err[1024], *end;
	double min_effect = 0.01;
	json_t *a = NULL, *b = NULL;
	int i, rc = IB_EXIT_USAGE;
	double t0;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return IB_EXIT_OK;
		} else if (!strcmp(argv[i], "--against") && i + 1 < argc) {
			against = argv[++i];
		} else if (!strcmp(argv[i], "--results-dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--min-effect") && i + 1 < argc) {
			min_effect = strtod(argv[++i], &end) / 100.0;
			if (end == argv[i] || *end || !(min_effect >= 0)) {
				fprintf(stderr, "iommubench: reproduce: --min-effect %s: expected a percentage >= 0\n",
					ib_text_safe(err, sizeof(err), argv[i]));
				return IB_EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' || run) {
			fprintf(stderr, "iommubench: reproduce: %s: unexpected argument; expected RUN, --against, --results-dir or --min-effect\n",
				ib_text_safe(err, sizeof(err), argv[i]));
			return IB_EXIT_USAGE;
		} else {
			run = argv[i];
		}
	}
	if (!run) {
		usage(stderr);
		return IB_EXIT_USAGE;
	}
	results_path(run, apath, sizeof(apath));
	a = ib_results_load(apath, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "iommubench: reproduce: %s\n", err);
		return IB_EXIT_USAGE;
	}
	if (!against) {
		if (!strcmp(str(json_object_get(a, "context"), "platform") ?: "", "qemu-lab")) {
			fprintf(stderr, "iommubench: reproduce: %s: a qemu-lab run; the lab boots from make: make reproduce RUN=%s (or give --against RUN2)\n",
				apath, run);
			goto out;
		}
		rc = rerun_here(apath, a, dir, rdir, sizeof(rdir));
		if (rc)
			goto out;
		against = rdir;
	}
	results_path(against, bpath, sizeof(bpath));
	b = ib_results_load(bpath, err, sizeof(err));
	if (!b) {
		fprintf(stderr, "iommubench: reproduce: %s\n", err);
		rc = IB_EXIT_USAGE;
		goto out;
	}
	rc = ib_reproduce_verdicts(a, b, run, against, min_effect, stdout);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("reproduce: %.2f s\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0);
out:
	json_decref(a);
	json_decref(b);
	return rc;
}
