// SPDX-License-Identifier: GPL-2.0
/*
 * The IOTLB miss penalty finding (finding/iotlb_miss_penalty/<ps>): ns per
 * miss, the least-squares slope of the mean dma_latency_ns against IOTLB
 * misses per DMA across the windows of one series (same engine, op,
 * pattern, xfer_size, mode, ...; one page size), with a 95 % CI from the
 * t distribution.  docs/report.md, "Miss penalty", describes the estimator.
 *
 * Misses per DMA come from the iotlb_miss counter (divided by the DMAs it
 * counted), else from a model (engines without counters: cuda, the cpu
 * chase): an LRU IOTLB of E entries under independent uniform accesses
 * over W pages misses with probability max(0, 1 - E/W); E starts from the
 * reach (iotlb_reach row) and is refined by the same least squares.  A
 * series whose timing is flat by construction (the lab's edu) is not
 * fitted: the finding is skipped with that reason.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_chase.h"
#include "ib_engine.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "findings_int.h"

#define REACH_PREFIX "iotlb_reach/"
/* E is searched over [reach low / 4, reach high x 2]: this many log steps,
 * then golden section around the best */
#define E_GRID 2001
#define E_BELOW 4.0
#define E_ABOVE 2.0

static const char *const est_counters =
	"least-squares slope of the mean dma_latency_ns per row against iotlb_miss / DMAs "
	"counted, over the rows of one series (one page size, every other parameter equal "
	"but the window); 95 % CI: slope +- t(0.975, n - 2) x its standard error";

static const char *const est_model =
	"least-squares slope of the mean dma_latency_ns per row against modelled misses per "
	"access, u x max(0, 1 - E / W) (an LRU IOTLB of E entries under independent uniform "
	"accesses over W pages; u pages per access), E searched around the reach (its bracket "
	"/ 4 to x 2) for the least residual; 95 % CI: slope +- t(0.975, n - 3) x its standard "
	"error, given E";

struct ppt {
	const struct ib_row *r;
	double w, y, x; /* window, mean latency, misses per DMA (counted) */
	bool counted;
};

struct pseries {
	char key[600];
	struct ppt *p;
	size_t n, cap;
};

struct pgroup {
	char ps[16];
	char suffix[96]; /* as derive's reach rows: "/engine:<e>", "/concurrency:<c>/rank:<N>" */
	struct pseries *s;
	size_t n, cap;
};

/* A series' outcome: a fit, or why not (rank: how telling the reason is). */
struct pres {
	bool ok, counters;
	int rank;
	char reason[512];
	struct ib_lsq fit;
	double e, e_reach, u, pg;
	const struct pseries *s;
	double *x; /* the misses per DMA the fit used, s->n of them */
};

/* ---- the regression ---- */

/* Two-sided 95 % quantiles of Student's t, 1..30 degrees of freedom. */
static const double t975_tab[30] = {
	12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
	2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
	2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
	2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
};

double ib_t975(unsigned int dof)
{
	double z = 1.959964, v = dof, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;

	if (!dof)
		return INFINITY;
	if (dof <= 30)
		return t975_tab[dof - 1];
	/* Cornish-Fisher expansion: within 1e-5 of the exact value from 31 on */
	return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
	       (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

/* Values of x[0..n) that differ by more than a relative 1e-9. */
static size_t distinct(const double *x, size_t n)
{
	double *s = malloc(n * sizeof(*s));
	size_t i, k = 0;

	if (!s || !n) {
		free(s);
		return 0;
	}
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), ib_cmp_double);
	for (i = 0; i < n; i++)
		if (!i || s[i] - s[i - 1] > 1e-9 * fmax(fabs(s[i]), 1e-12))
			k++;
	free(s);
	return k;
}

int ib_lsq_fit(const double *x, const double *y, size_t n, unsigned int nparam,
	       struct ib_lsq *f)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0, t;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->n = n;
	f->rates = distinct(x, n);
	if (n < nparam + 1 || f->rates < 2)
		return -1;
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (!(sxx > 0))
		return -1;
	f->slope = sxy / sxx;
	f->intercept = my - f->slope * mx;
	for (i = 0; i < n; i++) {
		double r = y[i] - f->intercept - f->slope * x[i];

		f->sse += r * r;
	}
	f->dof = (unsigned int)(n - nparam);
	f->se = sqrt(f->sse / f->dof / sxx);
	t = ib_t975(f->dof);
	f->ci_low = f->slope - t * f->se;
	f->ci_high = f->slope + t * f->se;
	f->r2 = syy > 0 ? 1 - f->sse / syy : 1;
	return 0;
}

/* ---- the rows ---- */

static bool chase(const struct ib_row *r)
{
	return r->p.op && !strcmp(r->p.op, "chase");
}

/* As derive's reach: a measured ok row of a DMA engine (or a chase row)
 * with a window, a page size and a mean dma_latency_ns. */
static bool penalty_row(const struct ib_row *r, double *mean)
{
	const struct ib_engine *e;
	struct ib_summary s;

	if (r->derived || r->status != IB_ROW_OK || !r->engine || !r->p.page_size ||
	    !(r->p.window > 0))
		return false;
	e = ib_engine_find(r->engine);
	if (e && !(e->flags & IB_ENG_DMA) && !chase(r))
		return false;
	if (r->p.op && !strcmp(r->p.op, "isolation"))
		return false;
	if (!ib_row_metric(r, "dma_latency_ns", &s, NULL) || !isfinite(s.mean) || !(s.mean > 0))
		return false;
	*mean = s.mean;
	return true;
}

static void group_suffix(const struct ib_row *r, char *buf, size_t len)
{
	const struct ib_engine *e = ib_engine_find(r->engine);
	size_t off = 0;

	buf[0] = '\0';
	if (e && !(e->flags & IB_ENG_DMA))
		off = (size_t)snprintf(buf, len, "/engine:%s", e->name);
	if (r->p.concurrency && off < len)
		off += (size_t)snprintf(buf + off, len - off, "/concurrency:%s", r->p.concurrency);
	if (r->p.rank >= 0 && off < len)
		snprintf(buf + off, len - off, "/rank:%lld", r->p.rank);
}

static struct pgroup *find_group(struct pgroup **g, size_t *ng, const char *ps,
				 const char *suffix)
{
	struct pgroup *n;
	size_t i;

	for (i = 0; i < *ng; i++)
		if (!strcmp((*g)[i].ps, ps) && !strcmp((*g)[i].suffix, suffix))
			return &(*g)[i];
	n = realloc(*g, (*ng + 1) * sizeof(*n));
	if (!n)
		return NULL;
	*g = n;
	n = &n[(*ng)++];
	memset(n, 0, sizeof(*n));
	snprintf(n->ps, sizeof(n->ps), "%s", ps);
	snprintf(n->suffix, sizeof(n->suffix), "%s", suffix);
	return n;
}

static int add_point(struct pgroup *g, const struct ib_row *r, double mean)
{
	static const char *const skip[] = { "window", NULL };
	struct pseries *s = NULL;
	char key[600];
	double miss;
	size_t i;

	ib_row_series_key(r, skip, key, sizeof(key));
	for (i = 0; i < g->n && !s; i++)
		if (!strcmp(g->s[i].key, key))
			s = &g->s[i];
	if (!s) {
		struct pseries *n = realloc(g->s, (g->n + 1) * sizeof(*n));

		if (!n)
			return -1;
		g->s = n;
		s = &n[g->n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->key, sizeof(s->key), "%s", key);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct ppt *n = realloc(s->p, cap * sizeof(*n));

		if (!n)
			return -1;
		s->p = n;
		s->cap = cap;
	}
	memset(&s->p[s->n], 0, sizeof(s->p[0]));
	s->p[s->n].r = r;
	s->p[s->n].w = r->p.window;
	s->p[s->n].y = mean;
	/* a chase row's samples are rounds, not DMAs: never counted */
	if (!chase(r) && ib_row_counter(r, "iotlb_miss", &miss, NULL)) {
		double d = ib_row_counted_dmas(r);

		s->p[s->n].counted = isfinite(d) && d > 0;
		s->p[s->n].x = s->p[s->n].counted ? miss / d : NAN;
	}
	s->n++;
	return 0;
}

static int cmp_ppt(const void *a, const void *b)
{
	const struct ppt *x = a, *y = b;

	return x->w < y->w ? -1 : x->w > y->w;
}

static size_t windows_of(const struct pseries *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++)
		k += !i || s->p[i].w != s->p[i - 1].w;
	return k;
}

/* ---- one series ---- */

/* The timing rule of ib_timing_flatness, on one series: qemu-lab, an
 * engine that completes every DMA after a fixed timer there, medians
 * within IB_FLAT_SPREAD. */
static bool flat_by_construction(const struct out *o, const struct pseries *s, double *spread)
{
	const struct ib_engine *e = ib_engine_find(s->p[0].r->engine);
	double lo = INFINITY, hi = 0;
	struct ib_summary m;
	size_t i;

	if (!o->lab || !e || !(e->flags & IB_ENG_LAB_FIXED_TIMER))
		return false;
	for (i = 0; i < s->n; i++) {
		if (!ib_row_metric(s->p[i].r, "dma_latency_ns", &m, NULL) || !(m.median > 0))
			return false;
		lo = fmin(lo, m.median);
		hi = fmax(hi, m.median);
	}
	*spread = (hi - lo) / hi;
	return *spread <= IB_FLAT_SPREAD;
}

/* The group's ok iotlb_reach row: E (median), its bracket, its page bytes;
 * false with its reason (or that there is none) in why. */
static bool reach_of(const struct out *o, const struct pgroup *g, double *e, double *lo,
		     double *hi, double *pg, char *why, size_t len)
{
	char name[160];
	struct ib_summary s;
	size_t i;

	snprintf(name, sizeof(name), REACH_PREFIX "page_size:%s%s", g->ps, g->suffix);
	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];
		json_t *b = json_object_get(json_object_get(r->json, "params"), "iotlb_page_bytes");

		if (!r->derived || !r->name || strcmp(r->name, name))
			continue;
		if (r->status != IB_ROW_OK || !ib_row_metric(r, "iotlb_entries", &s, NULL) ||
		    !(s.median > 0) || !(json_number_value(b) > 0)) {
			snprintf(why, len, "%s is %s: %s", name,
				 r->status == IB_ROW_OK ? "without entries" : "skipped",
				 r->reason ? r->reason : "no reason given");
			return false;
		}
		*e = s.median;
		*lo = s.ci95_low > 0 ? s.ci95_low : s.median;
		*hi = s.ci95_high >= *lo ? s.ci95_high : s.median;
		*pg = json_number_value(b);
		return true;
	}
	snprintf(why, len, "no %s row (derive writes it from the window sweep)", name);
	return false;
}

static void fit_counters(const struct pseries *s, struct pres *res)
{
	double *y = malloc(s->n * sizeof(*y));
	size_t i;

	res->counters = true;
	if (!y) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	for (i = 0; i < s->n; i++) {
		res->x[i] = s->p[i].x;
		y[i] = s->p[i].y;
	}
	if (distinct(res->x, s->n) < 3)
		snprintf(res->reason, sizeof(res->reason),
			 "fewer than 3 windows with distinct IOTLB misses per DMA (%zu distinct "
			 "of %zu rows)",
			 distinct(res->x, s->n), s->n);
	else if (ib_lsq_fit(res->x, y, s->n, 2, &res->fit))
		snprintf(res->reason, sizeof(res->reason), "too few rows for a slope with a CI");
	else
		res->ok = true;
	free(y);
}

/* The model's misses per access at E entries into x; their distinct count. */
static size_t model_x(const struct pseries *s, double e, double u, double pg, double *x)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		x[i] = u * fmax(0, 1 - e / (s->p[i].w / pg));
	return distinct(x, s->n);
}

/* The residual of the fit at E entries; INFINITY where it cannot fit. */
static double model_sse(const struct pseries *s, const struct pres *res, const double *y,
			double e)
{
	struct ib_lsq f;

	if (model_x(s, e, res->u, res->pg, res->x) < 3 || ib_lsq_fit(res->x, y, s->n, 3, &f))
		return INFINITY;
	return f.sse;
}

/* E of the least residual: a log grid over [lo, hi], then golden-section
 * search between the best point's neighbours.  NaN when nothing fits. */
static double model_e(const struct pseries *s, struct pres *res, const double *y, double lo,
		      double hi)
{
	double best = INFINITY, e = NAN, a, b, c, d, fc, fd, v;
	size_t i, at = 0;

	for (i = 0; i < E_GRID; i++) {
		v = model_sse(s, res, y, lo * pow(hi / lo, (double)i / (E_GRID - 1)));
		if (v < best) {
			best = v;
			at = i;
		}
	}
	if (!isfinite(best))
		return NAN;
	a = lo * pow(hi / lo, (double)(at ? at - 1 : 0) / (E_GRID - 1));
	b = lo * pow(hi / lo, (double)(at + 1 < E_GRID ? at + 1 : at) / (E_GRID - 1));
	e = lo * pow(hi / lo, (double)at / (E_GRID - 1));
	for (i = 0; i < 80 && b - a > 1e-12 * b; i++) {
		c = b - 0.6180339887498949 * (b - a);
		d = a + 0.6180339887498949 * (b - a);
		fc = model_sse(s, res, y, c);
		fd = model_sse(s, res, y, d);
		if (fc <= fd)
			b = d;
		else
			a = c;
		if (fmin(fc, fd) < best) {
			best = fmin(fc, fd);
			e = fc <= fd ? c : d;
		}
	}
	return e;
}

static void fit_model(const struct out *o, const struct pgroup *g, const struct pseries *s,
		      struct pres *res)
{
	const struct ib_row *r = s->p[0].r;
	double lo, hi, *y = malloc(s->n * sizeof(*y));
	char why[400];
	size_t i;

	res->rank = 1;
	if (!y) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	if (!reach_of(o, g, &res->e_reach, &lo, &hi, &res->pg, why, sizeof(why))) {
		snprintf(res->reason, sizeof(res->reason),
			 "no iotlb_miss counter, and no reach to model the misses from (%s)", why);
		goto out;
	}
	/* a walk in a fixed order (seq; a rand chase with one element per
	 * page: one cycle) under LRU hits everywhere up to the reach and
	 * misses everywhere beyond: two miss rates, no slope */
	if (!r->p.pattern || strcmp(r->p.pattern, "rand") ||
	    (chase(r) && res->pg <= (double)IB_CHASE_STRIDE)) {
		snprintf(res->reason, sizeof(res->reason),
			 "no iotlb_miss counter, and the model needs random accesses: %s, which "
			 "an LRU IOTLB hits throughout up to the reach and misses throughout "
			 "beyond (2 miss rates, no slope)",
			 chase(r) ? "a chase with one element per page repeats one cycle of pages" :
				    "pattern seq walks the window in order");
		goto out;
	}
	res->u = chase(r) ? 1 : fmax(1, r->p.xfer_size / res->pg);
	for (i = 0; i < s->n; i++)
		y[i] = s->p[i].y;
	res->e = model_e(s, res, y, lo / E_BELOW, hi * E_ABOVE);
	if (!isfinite(res->e)) {
		snprintf(res->reason, sizeof(res->reason),
			 "modelled: fewer than 3 windows with distinct miss rates beyond the reach "
			 "(%g entries), or too few rows for a slope with a CI",
			 res->e_reach);
		goto out;
	}
	model_x(s, res->e, res->u, res->pg, res->x);
	ib_lsq_fit(res->x, y, s->n, 3, &res->fit);
	res->ok = true;
out:
	free(y);
}

static void eval_series(const struct out *o, const struct pgroup *g, const struct pseries *s,
			struct pres *res)
{
	double spread;
	bool counted = true;
	char a[32];
	size_t i;

	memset(res, 0, sizeof(*res));
	res->s = s;
	res->x = calloc(s->n, sizeof(*res->x));
	if (!res->x) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	if (flat_by_construction(o, s, &spread)) {
		res->rank = 3;
		snprintf(res->reason, sizeof(res->reason),
			 "DMA timing is flat by construction: the %s device completes every DMA "
			 "after a fixed timer in the lab, so the dma_latency_ns medians of its %zu "
			 "rows lie within %s %% of each other and carry no miss cost (the IOTLB "
			 "counts do: misses_per_dma, iotlb_reach)",
			 s->p[0].r->engine, s->n, num3(100 * spread, a, sizeof(a)));
		return;
	}
	for (i = 0; i < s->n; i++)
		counted &= s->p[i].counted;
	if (counted) {
		res->rank = 2;
		fit_counters(s, res);
	} else {
		fit_model(o, g, s, res);
	}
}

/* ok before skipped; counters before the model; more distinct rates, more
 * rows; among skipped, the more telling reason. */
static bool better(const struct pres *a, const struct pres *b)
{
	if (a->ok != b->ok)
		return a->ok;
	if (a->rank != b->rank)
		return a->rank > b->rank;
	if (a->fit.rates != b->fit.rates)
		return a->fit.rates > b->fit.rates;
	return a->s->n > b->s->n;
}

/* ---- the finding row ---- */

static json_t *dbl_list(const struct pseries *s, const double *v, int what)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->n; i++) {
		double x = what == 0 ? s->p[i].w : what == 1 ? v[i] : s->p[i].y;

		json_array_append_new(a, what == 0 ? json_integer((json_int_t)x) :
						     json_real(round(x * 1e6) / 1e6));
	}
	return a;
}

static void ok_text(const struct out *o, const struct pgroup *g, const struct pres *p,
		    const char *what, char *t, size_t len)
{
	char a[32], b[32], c[32], d[32], e[32], f[32];
	double lo = INFINITY, hi = -INFINITY;
	size_t i, off;

	for (i = 0; i < p->s->n; i++) {
		lo = fmin(lo, p->x[i]);
		hi = fmax(hi, p->x[i]);
	}
	off = (size_t)snprintf(t, len,
			       "%s: %s ns per miss (95 %% CI %s to %s ns%s), slope of the mean "
			       "dma_latency_ns against %s per DMA over %zu rows (%s to %s misses per DMA)",
			       what, num3(p->fit.slope, a, sizeof(a)),
			       num3(p->fit.ci_low, b, sizeof(b)), num3(p->fit.ci_high, c, sizeof(c)),
			       p->fit.ci_low <= 0 && p->fit.ci_high >= 0 ?
				       ", which includes 0: no penalty distinguishable" : "",
			       p->counters ? "the iotlb_miss counts" : "modelled misses",
			       p->s->n, num3(lo, d, sizeof(d)), num3(hi, e, sizeof(e)));
	if (!p->counters && off < len)
		off += (size_t)snprintf(t + off, len - off,
					"; modelled (no miss counters): an LRU IOTLB of %s entries "
					"(reach %s) under %s random accesses, misses = max(0, 1 - E/W)",
					num3(p->e, a, sizeof(a)), num3(p->e_reach, f, sizeof(f)),
					chase(p->s->p[0].r) ? "the chase's" : "the DMAs'");
	if (o->lab && off < len)
		snprintf(t + off, len - off, "; emulated: guest instruction time, not hardware");
	(void)g;
}

static void penalty_row_write(struct out *o, const struct pgroup *g, const struct pres *p)
{
	const struct ib_engine *e = ib_engine_find(p->s->p[0].r->engine);
	json_t *row, *params = json_object(), *metrics = json_object(), *src = json_array();
	char name[256], reach[160], what[200], text[1400], dev[96];
	struct ib_summary sm = { 0 };
	size_t i;

	snprintf(name, sizeof(name), IB_FINDING_PREFIX "iotlb_miss_penalty/%s%s", g->ps, g->suffix);
	snprintf(reach, sizeof(reach), REACH_PREFIX "page_size:%s%s", g->ps, g->suffix);
	if (e && !(e->flags & IB_ENG_DMA))
		snprintf(what, sizeof(what), "TLB miss penalty (%s, engine %s)", g->ps, e->name);
	else
		snprintf(what, sizeof(what), "IOTLB miss penalty (%s%s%s)", g->ps,
			 device_label(o->run, p->s->p[0].r, dev, sizeof(dev))[0] ? ", " : "", dev);
	if (json_object_get(o->names, name)) {
		json_decref(params);
		json_decref(metrics);
		json_decref(src);
		return;
	}
	json_object_set_new(o->names, name, json_true());
	for (i = 0; i < p->s->n; i++)
		json_array_append_new(src, json_string(p->s->p[i].r->name ?: "?"));
	json_object_set_new(params, "kind", json_string("iotlb_miss_penalty"));
	json_object_set_new(params, "page_size", json_string(g->ps));
	json_object_set_new(params, "reach_row", json_string(reach));
	row = json_object();
	json_object_set_new(row, "name", json_string(name));
	json_object_set_new(row, "bench", json_string("findings"));
	json_object_set_new(row, "engine", json_string("derive"));
	json_object_set_new(row, "run_type", json_string("derived"));
	if (!p->ok) {
		snprintf(text, sizeof(text), "%s: not estimated: %s", what, p->reason);
		json_object_set_new(row, "status", json_string("skipped"));
		json_object_set_new(row, "reason", json_string(p->reason));
		goto done;
	}
	ok_text(o, g, p, what, text, sizeof(text));
	json_object_set_new(row, "status", json_string("ok"));
	json_object_set_new(params, "source", json_string(p->counters ? "counters" : "model"));
	json_object_set_new(params, "modelled", json_boolean(!p->counters));
	json_object_set_new(params, "estimator", json_string(p->counters ? est_counters : est_model));
	json_object_set_new(params, "windows", dbl_list(p->s, NULL, 0));
	json_object_set_new(params, "misses_per_dma", dbl_list(p->s, p->x, 1));
	json_object_set_new(params, "latency_ns_mean", dbl_list(p->s, NULL, 2));
	json_object_set_new(params, "intercept_ns", json_real(p->fit.intercept));
	json_object_set_new(params, "dof", json_integer(p->fit.dof));
	json_object_set_new(params, "r2", json_real(p->fit.r2));
	if (!p->counters) {
		json_object_set_new(params, "model", json_string("lru-uniform"));
		json_object_set_new(params, "entries", json_real(round(p->e * 1000) / 1000));
		json_object_set_new(params, "entries_reach", json_real(p->e_reach));
		json_object_set_new(params, "iotlb_page_bytes", json_integer((json_int_t)p->pg));
		json_object_set_new(params, "pages_per_access", json_real(p->u));
	}
	sm.n = p->s->n;
	sm.median = sm.mean = sm.p90 = sm.p99 = sm.p999 = p->fit.slope;
	sm.min = sm.ci95_low = p->fit.ci_low;
	sm.max = sm.ci95_high = p->fit.ci_high;
	sm.stddev = p->fit.se;
	sm.cov = NAN;
	json_object_set_new(metrics, "ns_per_miss", ib_metric_json(&sm, "ns"));
done:
	json_object_set_new(row, "finding", json_string(text));
	json_object_set_new(params, "source_rows", src);
	json_object_set_new(row, "params", params);
	json_object_set_new(row, "metrics", metrics);
	json_object_set_new(row, "counters", json_object());
	json_array_append_new(o->rows, row);
}

/* One finding per page size (and engine, rank) with a window sweep: the
 * best of its series' outcomes. */
void penalty_findings(struct out *o)
{
	struct pgroup *g = NULL, *grp;
	size_t ng = 0, i, j;
	char suffix[96];
	double mean;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];

		if (!penalty_row(r, &mean))
			continue;
		group_suffix(r, suffix, sizeof(suffix));
		grp = find_group(&g, &ng, r->p.page_size, suffix);
		if (!grp || add_point(grp, r, mean))
			goto out;
	}
	for (i = 0; i < ng; i++) {
		struct pres best = { 0 }, cur;
		bool have = false;

		for (j = 0; j < g[i].n; j++) {
			struct pseries *s = &g[i].s[j];

			qsort(s->p, s->n, sizeof(s->p[0]), cmp_ppt);
			if (windows_of(s) < 2)
				continue;
			eval_series(o, &g[i], s, &cur);
			if (!have || better(&cur, &best)) {
				free(best.x);
				best = cur;
				have = true;
			} else {
				free(cur.x);
			}
		}
		if (have)
			penalty_row_write(o, &g[i], &best);
		free(best.x);
	}
out:
	for (i = 0; i < ng; i++) {
		for (j = 0; j < g[i].n; j++)
			free(g[i].s[j].p);
		free(g[i].s);
	}
	free(g);
}
