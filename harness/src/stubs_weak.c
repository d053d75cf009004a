// SPDX-License-Identifier: GPL-2.0
/*
 * TEMPORARY weak stubs so the harness links before stats.c, counters_*.c,
 * compare.c, counters_lab.c and report.c exist.  Each real definition
 * overrides the one here; delete this file once they have all landed.
 *
 * The statistics stubs are a plain working version (sorted samples, the
 * binomial order-statistic CI of the median) so that cpu/null runs print
 * sensible numbers meanwhile; stats.c is the tested implementation.
 * The counter stubs open no source and say so in counters_unavailable.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_commands.h"
#include "ib_counters.h"
#include "ib_stats.h"
#include "iommubench.h"

#define WEAK __attribute__((weak))

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *s, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;

	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]);
}

WEAK bool ib_ci_median_idx(size_t n, size_t *lo, size_t *hi)
{
	double half;
	long l, h;

	if (n < 6)
		return false;
	/* normal approximation of the binomial(n, 1/2) order statistics */
	half = 1.96 * sqrt((double)n) / 2.0;
	l = (long)floor((double)n / 2.0 - half);
	h = (long)ceil(1.0 + (double)n / 2.0 + half);
	if (l < 1)
		l = 1;
	if (h > (long)n)
		h = (long)n;
	*lo = (size_t)(l - 1);
	*hi = (size_t)(h - 1);
	return true;
}

WEAK int ib_stats_from_samples(const double *x, size_t n, struct ib_summary *s)
{
	double *v, sum = 0, sq = 0, q1, q3, iqr;
	size_t i, lo, hi;

	memset(s, 0, sizeof(*s));
	if (!n)
		return -1;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, x, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_d);
	for (i = 0; i < n; i++)
		sum += v[i];
	s->n = n;
	s->mean = sum / (double)n;
	for (i = 0; i < n; i++)
		sq += (v[i] - s->mean) * (v[i] - s->mean);
	s->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	s->cov = s->mean ? s->stddev / s->mean : 0;
	s->min = v[0];
	s->max = v[n - 1];
	s->median = pct(v, n, 0.5);
	s->p90 = pct(v, n, 0.90);
	s->p99 = pct(v, n, 0.99);
	s->p999 = pct(v, n, 0.999);
	if (ib_ci_median_idx(n, &lo, &hi)) {
		s->ci95_low = v[lo];
		s->ci95_high = v[hi];
	} else {
		s->ci95_low = v[0];
		s->ci95_high = v[n - 1];
	}
	q1 = pct(v, n, 0.25);
	q3 = pct(v, n, 0.75);
	iqr = q3 - q1;
	for (i = 0; i < n; i++)
		if (v[i] < q1 - 1.5 * iqr || v[i] > q3 + 1.5 * iqr)
			s->outliers++;
	free(v);
	return 0;
}

WEAK size_t ib_hist_bucket(uint64_t v)
{
	const unsigned int S = IOMMUBENCH_HIST_SUB_BITS;
	unsigned int e;
	size_t b;

	if (v < (1ULL << S))
		return (size_t)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	if (e >= IOMMUBENCH_HIST_MAX_EXP)
		return IOMMUBENCH_HIST_BUCKETS - 1;
	b = (1U << S) + (e - S) * (1U << S) + ((v >> (e - S)) - (1U << S));
	return b;
}

WEAK uint64_t ib_hist_low(size_t b)
{
	const unsigned int S = IOMMUBENCH_HIST_SUB_BITS;

	if (b < (1U << S))
		return b;
	return ((1ULL << S) + (b & ((1U << S) - 1))) << ((b - (1U << S)) >> S);
}

WEAK uint64_t ib_hist_width(size_t b)
{
	const unsigned int S = IOMMUBENCH_HIST_SUB_BITS;

	if (b < (1U << S))
		return 1;
	return 1ULL << ((b - (1U << S)) >> S);
}

WEAK void ib_hist_merge(uint64_t *dst, const uint64_t *src)
{
	size_t i;

	for (i = 0; i < IOMMUBENCH_HIST_BUCKETS; i++)
		dst[i] += src[i];
}

static double hist_q(const uint64_t *h, uint64_t count, double q, double mn,
		     double mx)
{
	uint64_t rank = (uint64_t)ceil(q * (double)count), acc = 0;
	size_t b;
	double v;

	if (rank < 1)
		rank = 1;
	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++) {
		acc += h[b];
		if (acc >= rank)
			break;
	}
	if (b == IOMMUBENCH_HIST_BUCKETS)
		b--;
	v = (double)ib_hist_low(b) + (double)(ib_hist_width(b) - 1) / 2.0;
	return v < mn ? mn : v > mx ? mx : v;
}

WEAK int ib_stats_from_hist(const uint64_t *hist, uint64_t count,
			    uint64_t ns_sum, uint64_t ns_min, uint64_t ns_max,
			    struct ib_summary *s)
{
	double mn = (double)ns_min, mx = (double)ns_max, sq = 0, mid;
	size_t b, lo, hi;

	memset(s, 0, sizeof(*s));
	if (!count)
		return -1;
	s->n = count;
	s->mean = (double)ns_sum / (double)count;
	s->min = mn;
	s->max = mx;
	s->median = hist_q(hist, count, 0.5, mn, mx);
	s->p90 = hist_q(hist, count, 0.9, mn, mx);
	s->p99 = hist_q(hist, count, 0.99, mn, mx);
	s->p999 = hist_q(hist, count, 0.999, mn, mx);
	for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++) {
		mid = (double)ib_hist_low(b) + (double)(ib_hist_width(b) - 1) / 2.0;
		sq += (double)hist[b] * (mid - s->mean) * (mid - s->mean);
	}
	s->stddev = count > 1 ? sqrt(sq / (double)(count - 1)) : 0;
	s->cov = s->mean ? s->stddev / s->mean : 0;
	if (ib_ci_median_idx((size_t)count, &lo, &hi)) {
		s->ci95_low = hist_q(hist, count, (double)(lo + 1) / (double)count, mn, mx);
		s->ci95_high = hist_q(hist, count, (double)(hi + 1) / (double)count, mn, mx);
	} else {
		s->ci95_low = mn;
		s->ci95_high = mx;
	}
	return 0;
}

WEAK bool ib_ci_converged(const struct ib_summary *s, double target)
{
	if (s->n < 6 || s->median <= 0)
		return false;
	return (s->ci95_high - s->ci95_low) / 2.0 <= target * s->median;
}

WEAK double ib_mann_whitney_p(const double *a, size_t na, const double *b,
			      size_t nb)
{
	return 1.0; /* stub: compare.c needs stats.c */
}

/* ---- counters ---- */

WEAK void ib_counter_set_add(struct ib_counter_set *set, const char *name,
			     const char *source, uint64_t value)
{
	if (set->n >= IB_COUNTERS_MAX)
		return;
	snprintf(set->c[set->n].name, sizeof(set->c[0].name), "%s", name);
	snprintf(set->c[set->n].source, sizeof(set->c[0].source), "%s", source);
	set->c[set->n++].value = value;
}

WEAK void ib_unavail_add(struct ib_counter_unavail_list *l, const char *name,
			 const char *fmt, ...)
{
	va_list ap;

	if (l->n >= IB_COUNTERS_MAX)
		return;
	snprintf(l->u[l->n].name, sizeof(l->u[0].name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(l->u[l->n].reason, sizeof(l->u[0].reason), fmt, ap);
	va_end(ap);
	l->n++;
}

WEAK struct ib_counters *ib_counters_open(const struct ib_counters_cfg *cfg,
					  struct ib_counter_unavail_list *unavail)
{
	ib_unavail_add(unavail, "counters",
		       "counter sources not built yet (harness stub)");
	return NULL;
}

WEAK int ib_counters_start(struct ib_counters *ctr)
{
	return 0;
}

WEAK int ib_counters_stop(struct ib_counters *ctr, struct ib_counter_set *out)
{
	return 0;
}

WEAK void ib_counters_close(struct ib_counters *ctr)
{
}

/* ---- sub-commands owned by others ---- */

static int not_yet(const char *cmd)
{
	fprintf(stderr, "iommubench: %s: not implemented in this build yet (stub)\n",
		cmd);
	return 4;
}

WEAK int cmd_compare(int argc, char **argv)
{
	return not_yet("compare");
}

WEAK int cmd_lab_merge(int argc, char **argv)
{
	return not_yet("lab-merge");
}

WEAK int cmd_report(int argc, char **argv)
{
	return not_yet("report");
}
