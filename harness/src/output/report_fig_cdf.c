// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "DMA latency CDF" (plots/cdf.gp): per row, from its histogram in
 * results.json, else its raw samples, else six quantiles.  Part of `iommubench report`
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
#include "ib_histogram.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "iommubench.h"


#include "report_int.h"

/* Empirical CDF of raw samples, at most ~400 points. */
static bool cdf_samples(json_t *row, FILE *f)
{
	json_t *a = json_object_get(json_object_get(row, "samples"), "dma_latency_ns"), *v;
	size_t n = json_array_size(a), i, step;
	double *x;

	if (!json_is_array(a) || n < 2)
		return false;
	x = malloc(n * sizeof(*x));
	if (!x)
		return false;
	json_array_foreach(a, i, v) {
		if (!json_is_number(v)) {
			free(x);
			return false;
		}
		x[i] = json_number_value(v);
	}
	qsort(x, n, sizeof(*x), ib_cmp_double);
	step = n > 400 ? n / 400 : 1;
	for (i = 0; i < n; i += step)
		fprintf(f, "%.10g %.10g\n", x[i], (double)(i + 1) / (double)n);
	if ((n - 1) % step)
		fprintf(f, "%.10g 1\n", x[n - 1]);
	free(x);
	return true;
}

/*
 * The CDF of the row's histogram (results.json metrics.dma_latency_ns.
 * histogram, ib_histogram.h): one point per non-zero bucket at the largest
 * value the bucket holds, where the fraction of DMAs <= x is exact, after
 * an anchor at 0 just below the first bucket.
 */
static bool cdf_histogram(json_t *row, FILE *f)
{
	json_t *h = json_object_get(json_object_get(json_object_get(row, "metrics"),
						     "dma_latency_ns"),
				    "histogram");
	uint64_t *b, total = 0, cum = 0;
	char err[256];
	size_t i;
	bool first = true;

	if (!h)
		return false;
	b = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*b));
	if (!b || ib_hist_from_json(h, b, err, sizeof(err))) {
		free(b);
		return false;
	}
	for (i = 0; i < IOMMUBENCH_HIST_BUCKETS; i++)
		total += b[i];
	for (i = 0; total && i < IOMMUBENCH_HIST_BUCKETS; i++) {
		if (!b[i])
			continue;
		if (first && ib_hist_low(i) >= 2)
			fprintf(f, "%llu 0\n", (unsigned long long)ib_hist_low(i) - 1);
		first = false;
		cum += b[i];
		fprintf(f, "%llu %.10g\n",
			(unsigned long long)(ib_hist_low(i) + ib_hist_width(i) - 1),
			(double)cum / (double)total);
	}
	free(b);
	return total > 0;
}

#define CDF_MAX 10

int ib_fig_cdf(const struct ib_run *run, FILE *f, char *why, size_t whylen)
{
	return ib_fig_cdf_from(run, f, why, whylen, NULL);
}

int ib_fig_cdf_from(const struct ib_run *run, FILE *f, char *why, size_t whylen,
		    size_t *nhist)
{
	static const char *const q[] = { "min", "median", "p90", "p99", "p999", "max" };
	static const double frac[] = { 0, 0.5, 0.9, 0.99, 0.999, 1 };
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), *keep = NULL, n, nk = 0, i, j;
	struct labeler L;
	struct pt *p = NULL;
	int series = 0;

	why[0] = '\0';
	if (!idx)
		goto oom;
	n = rp_select_rows(run, "dma_latency_ns", false, idx);
	if (!n) {
		fmt(why, whylen, "no row has a dma_latency_ns median");
		goto out;
	}
	keep = calloc(n, sizeof(*keep));
	p = rp_make_points(run, idx, n, NULL);
	if (!p || !keep)
		goto oom;
	if (n > CDF_MAX) {
		/* a sweep: the largest window of each series */
		struct pt *s = rp_make_points(run, idx, n, rp_skip_window);

		if (!s)
			goto oom;
		for (i = 0; i < n; i++)
			if (i + 1 == n || strcmp(s[i].label, s[i + 1].label) ||
			    s[i].rank != s[i + 1].rank)
				keep[nk++] = s[i].r;
		free(s);
		fmt(why, whylen, "%zu of %zu rows: the largest window of each series", nk, n);
		if (nk > CDF_MAX) {
			fmt(why, whylen, "the first %d of %zu rows", CDF_MAX, n);
			for (i = 0; i < CDF_MAX; i++)
				keep[i] = p[i].r;
			nk = CDF_MAX;
		}
	} else {
		for (i = 0; i < n; i++)
			keep[nk++] = p[i].r;
	}
	rp_label_dims(run, idx, n, NULL, &L);
	for (i = 0; i < nk; i++) {
		const struct ib_row *r = &run->rows[keep[i]];
		char lab[256], v[RP_NUM];

		rp_label_of(r, &L, lab, sizeof(lab));
		fprintf(f, "%s\"%s\"\n", series ? "\n\n" : "", lab);
		if (cdf_histogram(r->json, f)) {
			if (nhist)
				(*nhist)++;
		} else if (!cdf_samples(r->json, f))
			for (j = 0; j < ARRAY_SIZE(q); j++)
				if (rp_stat(r, "dma_latency_ns", q[j], v))
					fprintf(f, "%s %g\n", v, frac[j]);
		series++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(keep);
	free(idx);
	return series;
}

static int cdf_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		    char *vars, size_t vlen)
{
	char why[512];
	size_t nh = 0;
	int n;

	why[0] = '\0';
	n = ib_fig_cdf_from(&R->run, f, why, sizeof(why), &nh);
	if (nh)
		fmt(g->caption, sizeof(g->caption),
		    "What to read: how far the tail (p99, p99.9) lies from the median, per row. "
		    "Cumulative distribution of dma_latency_ns from each row's full histogram "
		    "in results.json (log-linear buckets, <= 3.1 %% wide; %zu of %d row(s); "
		    "the others through min, p50, p90, p99, p99.9 and max)%s%s.",
		    nh, n, n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	else
		fmt(g->caption, sizeof(g->caption),
		    "What to read: how far the tail (p99, p99.9) lies from the median, per row. "
		    "Cumulative distribution of dma_latency_ns through min, p50, p90, p99, p99.9 "
		    "and max (raw samples when the row carries them)%s%s.",
		    n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	if (n <= 0)
		fmt(g->why, sizeof(g->why), "%s", why);
	return n;
}

const struct fig_def rp_fig_cdf = {
	.id = "latency_cdf", .title = "DMA latency CDF", .script = "cdf.gp",
	.timing = "dma_latency_ns", .data = cdf_data,
};
