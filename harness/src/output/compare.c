// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench compare A B [C...] [-o compare.csv]`: compares runs (run
 * directories or results.json paths), each against the first.
 *
 * Rows are matched by name.  For every metric present in both, the ratio of
 * medians (X/A) is reported with both 95% CIs of the median and the range
 * the ratio can take within them, [low_X/high_A, high_X/low_A] (a
 * conservative bound, not itself a 95% interval).  A difference is called
 * significant only when
 *  - both rows carry raw samples (row.samples.<metric>, an array) and the
 *    two-sided Mann-Whitney U test gives p < 0.05, or otherwise
 *  - the two CIs do not overlap.
 * A CI of fewer than 6 samples is not a 95% interval (ib_ci_median_idx), so
 * such rows are never called significant by CI.  A statistically
 * significant difference smaller than --min-effect (default 1%) is reported
 * as significant but not "called": emulated lab timings, for instance, are
 * so repeatable that a 1e-6 shift has disjoint CIs (Hoefler & Belli: report
 * the effect size, not only significance).
 * Counters are compared as plain ratios (single values, no significance).
 * --merge-ranks compares a multi-rank run's ranks merged into one row per
 * point (compare_merge.c: timings from the ranks' histograms merged).
 * Each pair starts with the two instances (instance type or DMI product,
 * provider, zone) and hosts, where the runs recorded them; then a context
 * diff (machine, cloud, kernel, cmdline, IOMMU vendor and mode, CPU,
 * hugepages, THP, platform, hypervisor, devices) says what differs between
 * the machines.
 * Output: a table on stdout and compare.csv (-o; default ./compare.csv), plus
 * overlay plots next to it (ib_report_compare_overlay).  Exit 0, 1 on bad input.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_compare.h"
#include "ib_exit.h"
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "ib_sysinfo.h"
#include "ib_tmpfiles.h"

struct run {
	const char *arg;
	char path[4096];
	char id[256];
	json_t *doc;
	json_t *by_name; /* row name -> its first row */
};

/* s for the terminal: control characters (escape sequences, newlines from
 * a hostile results file) become '?'. */
static const char *tty(const char *s, char *buf, size_t len)
{
	return ib_text_safe(buf, len, s ? s : "");
}

/* Loads a run through ib_results_load: schema, shape, size and
 * depth are checked, a one-line error names the file. */
static int load_run(const char *arg, struct run *r)
{
	struct stat st;
	char err[1024];
	const char *id;
	json_t *row;
	size_t i;

	r->arg = arg;
	if (!stat(arg, &st) && S_ISDIR(st.st_mode))
		snprintf(r->path, sizeof(r->path), "%s/results.json", arg);
	else
		snprintf(r->path, sizeof(r->path), "%s", arg);
	r->doc = ib_results_load(r->path, err, sizeof(err));
	if (!r->doc) {
		fprintf(stderr, "iommubench: compare: %s\n", err);
		return -1;
	}
	r->by_name = json_object();
	if (!r->by_name) {
		fprintf(stderr, "iommubench: compare: out of memory\n");
		return -1;
	}
	json_array_foreach(json_object_get(r->doc, "results"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));

		if (name && !json_object_get(r->by_name, name) &&
		    json_object_set_nocheck(r->by_name, name, row)) {
			fprintf(stderr, "iommubench: compare: out of memory\n");
			return -1;
		}
	}
	id = json_string_value(json_object_get(json_object_get(r->doc, "context"), "run_id"));
	tty(id ? id : arg, r->id, sizeof(r->id));
	return 0;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v && json_is_number(v) ? json_number_value(v) : NAN;
}

/* Raw samples of a metric, if the row carries them. */
static double *samples(json_t *row, const char *metric, size_t *n)
{
	json_t *a = json_object_get(json_object_get(row, "samples"), metric), *v;
	double *x;
	size_t i;

	*n = 0;
	if (!json_is_array(a) || json_array_size(a) < 2)
		return NULL;
	x = malloc(json_array_size(a) * sizeof(*x));
	if (!x)
		return NULL;
	json_array_foreach(a, i, v) {
		if (!json_is_number(v)) {
			free(x);
			return NULL;
		}
		x[i] = json_number_value(v);
	}
	*n = json_array_size(a);
	return x;
}

static void csv_num(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.10g", v);
}

struct cmp_out {
	FILE *csv;
	struct ib_cmp_row *rows; /* the metric rows, for the overlays */
	size_t nrows, cap;
	bool oom;
	double min_effect; /* relative, e.g. 0.01 */
	int ratios, significant, called;
};

static void add_row(struct cmp_out *o, const struct ib_cmp_row *r)
{
	if (o->nrows == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct ib_cmp_row *n = realloc(o->rows, cap * sizeof(*n));

		if (!n) {
			o->oom = true;
			return;
		}
		o->rows = n;
		o->cap = cap;
	}
	o->rows[o->nrows++] = *r;
}

/* The columns every compare.csv row starts with: run_a,run_b,name,metric, */
static void csv_ids(FILE *f, const struct run *a, const struct run *b,
		    const char *name, const char *metric)
{
	const char *const v[] = { a->id, b->id, name, metric };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ib_csv_put(f, v[i]);
		fputc(',', f);
	}
}

static void compare_metric(struct cmp_out *o, const struct run *a, const struct run *b,
			   const char *name, const char *metric, json_t *ra, json_t *rb)
{
	json_t *ma = json_object_get(json_object_get(ra, "metrics"), metric);
	json_t *mb = json_object_get(json_object_get(rb, "metrics"), metric);
	double meda = num(ma, "median"), medb = num(mb, "median");
	double la = num(ma, "ci95_low"), ha = num(ma, "ci95_high");
	double lb = num(mb, "ci95_low"), hb = num(mb, "ci95_high");
	double ratio = NAN, rlo = NAN, rhi = NAN, p = NAN;
	double *xa, *xb;
	size_t na, nb;
	const char *method, *unit = json_string_value(json_object_get(ma, "unit"));
	char tn[512], tm[128];
	int sig, called;

	if (meda != 0 && !isnan(meda) && !isnan(medb))
		ratio = medb / meda;
	if (!isnan(la) && !isnan(ha) && !isnan(lb) && !isnan(hb) && la > 0 && ha > 0) {
		rlo = lb / ha;
		rhi = hb / la;
	}
	xa = samples(ra, metric, &na);
	xb = samples(rb, metric, &nb);
	if (xa && xb) {
		method = "mann-whitney";
		p = ib_mann_whitney_p(xa, na, xb, nb);
		sig = p < 0.05;
	} else {
		method = "ci-overlap";
		sig = !isnan(la) && !isnan(lb) && (hb < la || ha < lb);
		if (num(ma, "n") < 6 || num(mb, "n") < 6 || isnan(num(ma, "n")) ||
		    isnan(num(mb, "n"))) {
			method = "n<6";
			sig = 0;
		}
	}
	called = sig && !isnan(ratio) && fabs(ratio - 1) >= o->min_effect;
	free(xa);
	free(xb);
	o->ratios++;
	o->significant += sig;
	o->called += called;

	printf("%-48s %-22s %12.6g [%.6g, %.6g]  %12.6g [%.6g, %.6g]  %8.4f  %s\n",
	       tty(name, tn, sizeof(tn)), tty(metric, tm, sizeof(tm)), meda, la, ha, medb, lb, hb, ratio,
	       called ? "DIFFERENT" : sig ? "significant, below min-effect" : "-");
	add_row(o, &(struct ib_cmp_row){ a->id, b->id, name, metric, meda, la, ha, medb, lb, hb });
	csv_ids(o->csv, a, b, name, metric);
	ib_csv_put(o->csv, unit ? unit : "");
	fputc(',', o->csv);
	csv_num(o->csv, meda);
	fputc(',', o->csv);
	csv_num(o->csv, la);
	fputc(',', o->csv);
	csv_num(o->csv, ha);
	fputc(',', o->csv);
	csv_num(o->csv, medb);
	fputc(',', o->csv);
	csv_num(o->csv, lb);
	fputc(',', o->csv);
	csv_num(o->csv, hb);
	fputc(',', o->csv);
	csv_num(o->csv, ratio);
	fputc(',', o->csv);
	csv_num(o->csv, rlo);
	fputc(',', o->csv);
	csv_num(o->csv, rhi);
	fprintf(o->csv, ",%s,%s,", sig ? "yes" : "no", method);
	csv_num(o->csv, p);
	fprintf(o->csv, ",%s\n", called ? "yes" : "no");
}

static void compare_counter(struct cmp_out *o, const struct run *a, const struct run *b,
			    const char *name, const char *counter, json_t *ca, json_t *cb)
{
	double va = num(ca, "value"), vb = num(cb, "value");
	double ratio = va != 0 ? vb / va : NAN;
	char tn[512], tc[128];

	printf("%-48s %-22s %12.6g %-18s  %12.6g %-18s  %8.4f  (counter)\n",
	       tty(name, tn, sizeof(tn)), tty(counter, tc, sizeof(tc)), va, "", vb, "", ratio);
	csv_ids(o->csv, a, b, name, counter);
	fputs("count,", o->csv);
	csv_num(o->csv, va);
	fputs(",,,", o->csv);
	csv_num(o->csv, vb);
	fputs(",,,", o->csv);
	csv_num(o->csv, ratio);
	fputs(",,,,counter,,\n", o->csv);
}

/* Context keys whose differences matter when comparing machines. */
static const char *const ctx_keys[] = {
	"machine",   "cloud",	   "platform",	 "host",	 "kernel",
	"cmdline",   "cpu",	   "iommu",	 "hugepages",	 "thp",
	"hypervisor", "devices", "tool_version",
};

static char *compact(json_t *v)
{
	if (!v)
		return strdup("(absent)");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static int context_diff(const struct run *a, const struct run *b)
{
	json_t *ca = json_object_get(a->doc, "context"), *cb = json_object_get(b->doc, "context");
	char t0[128], t1[128], t2[128];
	size_t i;
	int ndiff = 0;

	printf("context: %s vs %s\n", a->id, b->id);
	for (i = 0; i < sizeof(ctx_keys) / sizeof(ctx_keys[0]); i++) {
		json_t *va = json_object_get(ca, ctx_keys[i]), *vb = json_object_get(cb, ctx_keys[i]);
		const char *sub;
		json_t *x;

		if (json_equal(va, vb) || (!va && !vb))
			continue;
		/* objects: name the sub-keys that differ (iommu.vendor, ...) */
		if (json_is_object(va) && json_is_object(vb)) {
			json_object_foreach(va, sub, x) {
				json_t *y = json_object_get(vb, sub);
				char *sa, *sb;

				if (y && json_equal(x, y))
					continue;
				sa = compact(x);
				sb = compact(y);
				printf("  %s.%s: %.70s | %.70s\n", ctx_keys[i], tty(sub, t0, sizeof(t0)),
				       tty(sa, t1, sizeof(t1)), tty(sb, t2, sizeof(t2)));
				free(sa);
				free(sb);
				ndiff++;
			}
			json_object_foreach(vb, sub, x) {
				if (json_object_get(va, sub))
					continue;
				printf("  %s.%s: (absent) | %.70s\n", ctx_keys[i],
				       tty(sub, t0, sizeof(t0)),
				       tty(json_is_string(x) ? json_string_value(x) : "(set)", t1,
					   sizeof(t1)));
				ndiff++;
			}
			continue;
		}
		{
			char *sa = compact(va), *sb = compact(vb);

			printf("  %s: %.70s | %.70s\n", ctx_keys[i], tty(sa, t1, sizeof(t1)),
			       tty(sb, t2, sizeof(t2)));
			free(sa);
			free(sb);
			ndiff++;
		}
	}
	if (!ndiff)
		printf("  (no differences in kernel, IOMMU, CPU, hugepages, platform)\n");
	return ndiff;
}

/* The finding rows (ib_findings.h) of either run, their texts side by
 * side: A's order, then those only in B.  Their numbers are in the table
 * above, as metrics of the same rows. */
static void findings_side_by_side(const struct run *a, const struct run *b)
{
	const struct run *const both[2] = { a, b };
	char tn[512], ta[1024], tb[1024];
	json_t *row;
	size_t i;
	int k, n = 0;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(both[k]->doc, "results"), i, row) {
			const char *name = json_string_value(json_object_get(row, "name"));
			json_t *ra, *rb;

			if (!name || strncmp(name, IB_FINDING_PREFIX, strlen(IB_FINDING_PREFIX)) ||
			    (k && json_object_get(a->by_name, name)))
				continue;
			if (!n++)
				printf("findings (%s | %s):\n", a->id, b->id);
			ra = json_object_get(a->by_name, name);
			rb = json_object_get(b->by_name, name);
			printf("  %s\n    %s\n    %s\n", tty(name, tn, sizeof(tn)),
			       tty(json_string_value(json_object_get(ra, "finding")) ?: "(absent)", ta,
				   sizeof(ta)),
			       tty(json_string_value(json_object_get(rb, "finding")) ?: "(absent)", tb,
				   sizeof(tb)));
		}
}

/* The instances first (machine, cloud), then the hosts, when either run
 * recorded its identity (runs from before it did print nothing here). */
static void instances(const struct run *a, const struct run *b)
{
	json_t *ca = json_object_get(a->doc, "context"), *cb = json_object_get(b->doc, "context");
	char ia[256], ib[256], t0[256], t1[256], t2[256], t3[256];
	const char *sa = ib_sysinfo_instance(ca, ia, sizeof(ia));
	const char *sb = ib_sysinfo_instance(cb, ib, sizeof(ib));

	if (!sa && !sb)
		return;
	printf("instance: %s on %s | %s on %s\n", tty(sa ?: "(unrecorded)", t0, sizeof(t0)),
	       tty(json_string_value(json_object_get(ca, "host")), t1, sizeof(t1)),
	       tty(sb ?: "(unrecorded)", t2, sizeof(t2)),
	       tty(json_string_value(json_object_get(cb, "host")), t3, sizeof(t3)));
}

static void compare_pair(struct cmp_out *o, const struct run *a, const struct run *b)
{
	json_t *rows = json_object_get(a->doc, "results"), *ra, *rb;
	size_t i;
	int only_a = 0, only_b = 0, not_ok = 0;

	printf("\n== %s vs %s (ratio = %s / %s)\n", b->id, a->id, b->id, a->id);
	instances(a, b);
	context_diff(a, b);
	printf("%-48s %-22s %-30s  %-30s  %8s  %s\n", "name", "metric", a->id, b->id,
	       "ratio", "significant");
	json_array_foreach(rows, i, ra) {
		const char *name = json_string_value(json_object_get(ra, "name"));
		const char *key;
		json_t *m;

		if (!name)
			continue;
		rb = json_object_get(b->by_name, name);
		if (!rb) {
			only_a++;
			continue;
		}
		if (strcmp(json_string_value(json_object_get(ra, "status")) ?: "", "ok") ||
		    strcmp(json_string_value(json_object_get(rb, "status")) ?: "", "ok")) {
			not_ok++;
			continue;
		}
		json_object_foreach(json_object_get(ra, "metrics"), key, m)
			if (json_object_get(json_object_get(rb, "metrics"), key))
				compare_metric(o, a, b, name, key, ra, rb);
		json_object_foreach(json_object_get(ra, "counters"), key, m) {
			json_t *cb = json_object_get(json_object_get(rb, "counters"), key);

			if (cb)
				compare_counter(o, a, b, name, key, m, cb);
		}
	}
	json_array_foreach(json_object_get(b->doc, "results"), i, rb) {
		const char *name = json_string_value(json_object_get(rb, "name"));

		if (name && !json_object_get(a->by_name, name))
			only_b++;
	}
	printf("rows only in %s: %d, only in %s: %d, not ok in either: %d\n", a->id, only_a,
	       b->id, only_b, not_ok);
	findings_side_by_side(a, b);
	ib_compare_iotlb(a->doc, b->doc, a->id, b->id, stdout);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Overlay plots (report.c) next to the CSV.  Missing gnuplot does not
 * change the exit code; a failed write does: -1 with the one-line error
 * printed. */
static int overlay_plots(const char *csv, const struct cmp_out *o, const struct run *runs,
			 int n)
{
	json_t **docs = calloc((size_t)n, sizeof(*docs));
	char msg[1024];
	int i, drawn;

	if (!docs) {
		fprintf(stderr, "iommubench: compare: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++)
		docs[i] = runs[i].doc;
	if (o->oom) {
		free(docs);
		printf("overlay plots not drawn: out of memory\n");
		return 0;
	}
	drawn = ib_report_compare_overlay(csv, o->rows, o->nrows, docs, (size_t)n, msg,
					  sizeof(msg));
	free(docs);
	if (drawn == IB_OVERLAY_WRITE_ERR) {
		fprintf(stderr, "iommubench: compare: %s\n", msg);
		return -1;
	}
	if (drawn < 0)
		printf("overlay plots not drawn: %s\n", msg);
	else
		printf("overlay plots: %d metric(s), %.*s-<metric>.svg/.png%s%s\n", drawn,
		       (int)(strlen(csv) - (ends_with(csv, ".csv") ? 4 : 0)), csv,
		       msg[0] ? "; " : "", msg);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: iommubench compare A B [C...] [-o compare.csv] [--min-effect PCT] [--merge-ranks]\n"
			"       iommubench compare --by-rank RUN [-o compare.csv] [--min-effect PCT]\n"
			"  A, B, ...: run directories or results.json files; each is compared with A\n"
			"  --by-rank: the ranks (hosts, devices) of one multi-rank run, each with rank 0\n"
			"  --merge-ranks: each multi-rank run's ranks merged into one row per point\n"
			"      (timings from the ranks' histograms merged, counters added)\n");
}

/*
 * --by-rank: one multi-rank run as one run per rank: rank k's own context
 * (context.ranks[k].context) and its rows, named without "/rank:<k>", so
 * compare_pair() compares every rank with rank 0 exactly as two runs
 * (context diff, Mann-Whitney or CI overlap).  -1 after a one-line message.
 */
static int split_by_rank(struct run *src, struct run **out, int *n)
{
	json_t *ranks = json_object_get(json_object_get(src->doc, "context"), "ranks"), *rk;
	size_t i, j;
	struct run *r;

	if (!json_is_array(ranks) || json_array_size(ranks) < 2) {
		fprintf(stderr, "iommubench: compare: --by-rank %s: not a multi-rank run (no context.ranks)\n",
			src->arg);
		return -1;
	}
	r = calloc(json_array_size(ranks), sizeof(*r));
	if (!r)
		return -1;
	json_array_foreach(ranks, i, rk) {
		json_t *ctx = json_object_get(rk, "context"), *rows = json_array(), *row;
		long long k = json_integer_value(json_object_get(rk, "rank"));
		char suffix[48], id[256];

		snprintf(suffix, sizeof(suffix), "/rank:%lld", k);
		snprintf(id, sizeof(id), "rank:%lld@%s", k,
			 json_string_value(json_object_get(rk, "host")) ?: "?");
		r[i].arg = src->arg;
		snprintf(r[i].path, sizeof(r[i].path), "%s", src->path);
		tty(id, r[i].id, sizeof(r[i].id));
		r[i].doc = json_object();
		r[i].by_name = json_object();
		json_object_set_new(r[i].doc, "context",
				    json_is_object(ctx) ? json_deep_copy(ctx) : json_object());
		json_object_set_new(r[i].doc, "results", rows);
		json_array_foreach(json_object_get(src->doc, "results"), j, row) {
			const char *name = json_string_value(json_object_get(row, "name"));
			json_t *copy;
			size_t nl;

			if (!name || json_integer_value(json_object_get(
					     json_object_get(row, "params"), "rank")) != k ||
			    !json_object_get(json_object_get(row, "params"), "rank"))
				continue;
			nl = strlen(name);
			if (nl < strlen(suffix) || strcmp(name + nl - strlen(suffix), suffix))
				continue;
			copy = json_deep_copy(row);
			json_object_set_new(copy, "name", json_stringn(name, nl - strlen(suffix)));
			json_array_append_new(rows, copy);
			json_object_set(r[i].by_name, json_string_value(json_object_get(copy, "name")),
					copy);
		}
	}
	*out = r;
	*n = (int)json_array_size(ranks);
	return 0;
}

/* --merge-ranks: r's ranks merged into one row per point (compare_merge.c),
 * r->doc and r->by_name replaced; -1 after a one-line message. */
static int merge_run(struct run *r)
{
	size_t merged, dropped, i;
	json_t *doc = ib_compare_merge_ranks(r->doc, &merged, &dropped), *row;

	if (!doc) {
		fprintf(stderr, "iommubench: compare: out of memory\n");
		return -1;
	}
	json_decref(r->doc);
	json_decref(r->by_name);
	r->doc = doc;
	r->by_name = json_object();
	json_array_foreach(json_object_get(doc, "results"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));

		if (name && !json_object_get(r->by_name, name))
			json_object_set(r->by_name, name, row);
	}
	if (merged)
		printf("%s: the ranks of %zu point(s) merged%s\n", r->id, merged,
		       dropped ? "; metrics without a histogram in every rank left out" : "");
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	struct run *runs = calloc((size_t)argc, sizeof(*runs));
	const char *out = "compare.csv";
	struct cmp_out o = { .min_effect = 0.01 };
	char *end, tmp[PATH_MAX + 32];
	int n = 0, i, ret = IB_EXIT_USAGE, tslot = -1;
	bool by_rank = false, merge_ranks = false;

	if (!runs)
		return IB_EXIT_FAILED;
	ib_tmp_signals(); /* a signal removes compare.csv's and the plots' temporaries */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--by-rank")) {
			by_rank = true;
		} else if (!strcmp(argv[i], "--merge-ranks")) {
			merge_ranks = true;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--min-effect") && i + 1 < argc) {
			o.min_effect = strtod(argv[++i], &end) / 100.0;
			if (*end || o.min_effect < 0) {
				fprintf(stderr, "iommubench: compare: --min-effect %s: expected a percentage >= 0\n",
					argv[i]);
				goto done;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			ret = IB_EXIT_OK;
			goto done;
		} else if (argv[i][0] == '-') {
			usage();
			goto done;
		} else if (load_run(argv[i], &runs[n++])) {
			goto done;
		}
	}
	if (merge_ranks && by_rank) {
		fprintf(stderr, "iommubench: compare: --merge-ranks and --by-rank: expected one of them\n");
		goto done;
	}
	if (by_rank) {
		struct run *split;
		int ns;

		if (n != 1) {
			fprintf(stderr, "iommubench: compare: --by-rank: expected one run, got %d\n", n);
			goto done;
		}
		if (split_by_rank(&runs[0], &split, &ns))
			goto done;
		json_decref(runs[0].by_name);
		json_decref(runs[0].doc);
		free(runs);
		runs = split;
		n = ns;
	}
	for (i = 0; merge_ranks && i < n; i++)
		if (merge_run(&runs[i]))
			goto done;
	if (n < 2) {
		usage();
		goto done;
	}
	/* compare.csv: a temporary next to it, every write checked, renamed */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid());
	tslot = ib_tmp_add(tmp); /* a signal unlinks it (ib_tmp_signals) */
	o.csv = fopen(tmp, "w");
	if (!o.csv) {
		fprintf(stderr, "iommubench: compare: %s: %s\n", out, strerror(errno));
		ret = IB_EXIT_RESOURCE;
		goto done;
	}
	fputs("run_a,run_b,name,metric,unit,median_a,ci95_low_a,ci95_high_a,median_b,"
	      "ci95_low_b,ci95_high_b,ratio,ratio_low,ratio_high,significant,method,p_value,"
	      "called\n",
	      o.csv);
	for (i = 1; i < n; i++)
		compare_pair(&o, &runs[0], &runs[i]);
	errno = 0;
	if (fflush(o.csv) || ferror(o.csv)) {
		int e = errno ? errno : EIO;

		fclose(o.csv);
		errno = e;
		goto write_fail;
	}
	if (fclose(o.csv) || rename(tmp, out))
		goto write_fail;
	ib_tmp_del(tslot);
	tslot = -1;
	printf("\n%d metric comparisons, %d significant, %d of them by at least %.4g%%; written to %s\n",
	       o.ratios, o.significant, o.called, o.min_effect * 100, out);
	if (overlay_plots(out, &o, runs, n)) {
		ret = IB_EXIT_RESOURCE;
		goto done;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "iommubench: compare: stdout: %s\n", strerror(errno ? errno : EIO));
		ret = IB_EXIT_RESOURCE;
		goto done;
	}
	ret = IB_EXIT_OK;
	goto done;
write_fail:
	fprintf(stderr, "iommubench: compare: %s: %s\n", out, strerror(errno ? errno : EIO));
	unlink(tmp);
	ret = IB_EXIT_RESOURCE;
done:
	ib_tmp_del(tslot);
	free(o.rows);
	for (i = 0; i < n; i++) {
		json_decref(runs[i].by_name);
		json_decref(runs[i].doc);
	}
	free(runs);
	return ret;
}
