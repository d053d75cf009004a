// SPDX-License-Identifier: GPL-2.0
/*
 * derive's IOTLB reach: the series of window sweeps gathered from the rows,
 * their curves (counters, else timing), the knee found on each (ib_knee_find,
 * derive.c) and the iotlb_reach/... derived rows written; their console lines.
 * The method is described at the top of derive.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_buffer.h"
#include "ib_derive.h"
#include "derive_int.h"
#include "ib_engine.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_stats.h"

#define REACH_PREFIX "iotlb_reach/"
/* timing knee: the step is at least this fraction of the latency before it */
#define TKNEE_MIN_REL 0.05
/* ... and this many times the plateaus' robust noise */
#define TKNEE_MIN_NOISE 4.0

static const char *const method_text =
	"knee of capacity IOTLB misses per DMA vs window: misses (warm-up "
	"included) minus one compulsory miss per IOMMU page touched per "
	"repetition, divided by the DMAs counted, over the windows whose "
	"repetitions revisit pages (seq: iterations x xfer_size >= 2 x window; "
	"rand: iterations >= pages); change point of a "
	"least-squares two-level step fit, accepted when the level after it is "
	">= 0.02 misses/DMA and >= 4x the level before; entries = last window "
	"below the knee / IOMMU page size, bounds = [last window below, knee "
	"window] / page size";

static const char *const timing_text =
	"knee of latency vs window (no iotlb_miss counters): median dma_latency_ns per "
	"window, over the windows whose accesses revisit pages (op=chase: all, after its "
	"untimed lap; seq: iterations x xfer_size >= 2 x window; rand: iterations >= "
	"pages), less the same series on the next larger page size at equal windows "
	"(baseline), else less the smallest latency; change point of a least-squares "
	"two-level step fit, accepted when the step is >= 5% of the latency before it, "
	">= 4x the plateaus' robust noise, and the point at the knee has itself jumped; "
	"entries = last window below the knee / page size, bounds = [last window below, "
	"knee window] / page size";

/* ---- rows ---- */

struct pt {
	json_t *row;
	double window, misses, dmas, compulsory;
	double raw, cap; /* misses per DMA: all, capacity */
	bool have_miss;
	bool informative; /* a repetition revisits pages: capacity can show */
	double lat;	  /* median dma_latency_ns (timing method) */
	bool t_inf;	  /* its accesses revisit pages (timing method) */
};

struct series {
	char key[600];	 /* ib_row_series_key without the window: the identity */
	char key2[600];	 /* ... without the page size too: its baseline's */
	char label[600]; /* params.source_series of the derived row */
	struct pt *p;
	size_t n, cap;
	unsigned int nwin, ninf;
	bool translated, seq, all_miss, knee;
};

struct group {
	char ps[16];
	char suffix[96]; /* "/engine:<name>" (a non-DMA engine's chase rows), "/concurrency:<c>/rank:<N>" */
	struct series *s;
	size_t n, cap;
};

static void size_text(double b, char *buf, size_t len)
{
	static const char *const u[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (b >= 1024 && i < 4 && fmod(b, 1024) == 0) {
		b /= 1024;
		i++;
	}
	snprintf(buf, len, "%.0f %s", b, u[i]);
}

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static double num_of(json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/*
 * The label of a series in its derived row (params.source_series): the name
 * of its first row without the "/window:<v>" component.  Only a label: a
 * series is told apart by its parameters (ib_row_series_key).
 */
static void series_label(const char *name, char *key, size_t len)
{
	const char *w = strstr(name, "/window:");

	if (!w) {
		snprintf(key, len, "%s", name);
		return;
	}
	snprintf(key, len, "%.*s%s", (int)(w - name), name, w + strcspn(w + 1, "/") + 1);
}

static bool chase_row(const struct ib_row *r)
{
	return r->p.op && !strcmp(r->p.op, "chase");
}

/* A measured, ok row of a DMA engine with a window, or a chase row. */
static bool dma_row(const struct ib_row *r)
{
	const struct ib_engine *e;

	if (r->derived || r->status != IB_ROW_OK || !r->engine)
		return false;
	e = ib_engine_find(r->engine);
	if (e && !(e->flags & IB_ENG_DMA) && !chase_row(r))
		return false;
	if (r->p.op && !strcmp(r->p.op, "isolation"))
		return false;
	if (!json_object_get(r->metrics, "dma_latency_ns"))
		return false;
	return r->p.window > 0 && r->p.page_size;
}

/* What one IOTLB entry covers: params.iotlb_entry_bytes where the IOTLB's
 * granularity is known to differ from the IOPTEs (lab-merge: QEMU's AMD-Vi
 * caches per 4 KiB page), else the IOMMU page size the row's mapping used
 * (largest IOPTE size). */
static double iommu_page(json_t *params)
{
	json_t *a = json_object_get(params, "iommu_page_sizes"), *v;
	const char *t;
	double best = num_of(params, "iotlb_entry_bytes", 0);
	size_t i;

	if (best > 0)
		return best;
	json_array_foreach(a, i, v)
		if (json_is_number(v) && json_number_value(v) > best)
			best = json_number_value(v);
	if (best > 0)
		return best;
	best = num_of(params, "page_size_obtained", 0);
	if (best > 0)
		return best;
	t = str_of(params, "page_size");
	return t ? (double)ib_page_size_bytes(t) : 0;
}

static bool timing_chase(json_t *params)
{
	const char *op = str_of(params, "op");

	return op && !strcmp(op, "chase");
}

/* Whether a row's timed accesses revisit the window's pages, so that its
 * median latency shows whether their translations stay cached. */
static bool timing_informative(json_t *params, double window)
{
	double it = num_of(params, "iterations", 0), xfer = num_of(params, "xfer_size", 0);
	const char *pat = str_of(params, "pattern");

	if (timing_chase(params))
		return true; /* its untimed lap touches every page first */
	if (pat && !strcmp(pat, "rand"))
		return it >= ceil(window / 4096);
	return it * fmax(xfer, 1) >= 2 * window;
}

static void fill_point(struct pt *p, json_t *row)
{
	json_t *params = json_object_get(row, "params");
	json_t *c = json_object_get(json_object_get(row, "counters"), "iotlb_miss");
	json_t *lat = json_object_get(json_object_get(row, "metrics"), "dma_latency_ns");
	double reps = num_of(row, "repetitions", 0), warm = num_of(params, "warmup", 0);
	double n = num_of(lat, "n", 0), pg = iommu_page(params);
	double xfer = num_of(params, "xfer_size", 0), thr = num_of(params, "threads", 1);
	double pages, per_rep, touched;
	const char *pat = str_of(params, "pattern");

	memset(p, 0, sizeof(*p));
	p->row = row;
	p->window = num_of(params, "window", 0);
	p->lat = num_of(lat, "median", NAN);
	p->t_inf = timing_informative(params, p->window);
	/* a chase row's samples are rounds, not DMAs: timing only */
	p->have_miss = json_is_integer(json_object_get(c, "value")) && !timing_chase(params);
	if (!p->have_miss)
		return;
	p->misses = (double)json_integer_value(json_object_get(c, "value"));
	if (reps < 1) {
		/* no repetition count: assume the counters saw only n DMAs */
		reps = 1;
		warm = 0;
	}
	p->dmas = n * (warm + reps) / reps;
	if (p->dmas <= 0 || pg <= 0)
		return;
	pages = ceil(p->window / pg);
	per_rep = p->dmas / (warm + reps);
	if (thr < 1)
		thr = 1;
	if (pat && !strcmp(pat, "rand")) {
		touched = pages * (1 - pow(1 - 1 / pages, per_rep));
		p->informative = per_rep >= pages;
	} else {
		touched = fmin(pages, ceil(per_rep / thr * fmax(xfer, 1) / pg));
		p->informative = per_rep / thr * fmax(xfer, 1) >= 2 * p->window;
	}
	p->compulsory = touched * (warm + reps);
	p->raw = p->misses / p->dmas;
	p->cap = fmax(0, p->misses - p->compulsory) / p->dmas;
}

static int push_pt(struct series *s, json_t *row)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct pt *n = realloc(s->p, cap * sizeof(*n));

		if (!n)
			return -1;
		s->p = n;
		s->cap = cap;
	}
	fill_point(&s->p[s->n++], row);
	return 0;
}

static struct series *find_series(struct group *g, const char *key, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->s[i].key, key))
			return &g->s[i];
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4;
		struct series *n = realloc(g->s, cap * sizeof(*n));

		if (!n)
			return NULL;
		g->s = n;
		g->cap = cap;
	}
	memset(&g->s[g->n], 0, sizeof(g->s[0]));
	snprintf(g->s[g->n].key, sizeof(g->s[0].key), "%s", key);
	series_label(name, g->s[g->n].label, sizeof(g->s[0].label));
	return &g->s[g->n++];
}

static int cmp_pt(const void *a, const void *b)
{
	const struct pt *x = a, *y = b;

	return x->window < y->window ? -1 : x->window > y->window;
}

/*
 * The curve of a series, one value per window whose points are usable
 * (repeated windows, e.g. one per node: their mean): counters, capacity
 * misses per DMA over the informative windows; timing, the median latency
 * over the timing-informative ones.  w and m hold s->n entries; returns how
 * many were filled.
 */
static size_t curve_of(const struct series *s, bool timing, double *w, double *m)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->n; i = j) {
		double sum = 0;
		size_t cnt = 0;

		for (j = i; j < s->n && s->p[j].window == s->p[i].window; j++) {
			const struct pt *p = &s->p[j];

			if (timing ? !p->t_inf || !isfinite(p->lat) : !p->informative)
				continue;
			sum += timing ? p->lat : p->cap;
			cnt++;
		}
		if (!cnt)
			continue;
		w[n] = s->p[i].window;
		m[n++] = sum / (double)cnt;
	}
	return n;
}

static int series_facts(struct series *s)
{
	json_t *params = json_object_get(s->p[0].row, "params");
	const char *eff = str_of(params, "iommu_mode_effective");
	const char *pat = str_of(params, "pattern");
	double *w = calloc(s->n, sizeof(*w)), *m = calloc(s->n, sizeof(*m));
	struct ib_knee k;
	size_t i;

	if (!w || !m) {
		free(w);
		free(m);
		return -1;
	}
	qsort(s->p, s->n, sizeof(s->p[0]), cmp_pt);
	s->nwin = 0;
	s->all_miss = true;
	for (i = 0; i < s->n; i++) {
		if (!i || s->p[i].window != s->p[i - 1].window)
			s->nwin++;
		s->all_miss &= s->p[i].have_miss;
	}
	s->translated = !eff || (strcmp(eff, "identity") && strcmp(eff, "off"));
	s->seq = !pat || !strcmp(pat, "seq");
	s->ninf = (unsigned int)(s->all_miss ? curve_of(s, false, w, m) : curve_of(s, true, w, m));
	s->knee = s->ninf >= 2 && !ib_knee_find(m, s->ninf, &k) && k.found;
	free(w);
	free(m);
	return 0;
}

/*
 * Better series for the reach: translated, counted, with a knee, seq, most
 * informative windows, most windows.
 */
static bool better(const struct series *a, const struct series *b)
{
	if (a->translated != b->translated)
		return a->translated;
	if (a->all_miss != b->all_miss)
		return a->all_miss;
	if (a->knee != b->knee)
		return a->knee;
	if (a->seq != b->seq)
		return a->seq;
	if (a->ninf != b->ninf)
		return a->ninf > b->ninf;
	return a->nwin > b->nwin;
}

/* Why iotlb_miss is absent: context.counters_unavailable, if it says. */
static void missing_reason(json_t *doc, char *buf, size_t len)
{
	json_t *ua = json_object_get(json_object_get(doc, "context"), "counters_unavailable");
	json_t *u;
	size_t i, off;

	off = (size_t)snprintf(buf, len, "no iotlb_miss counter in the window sweep");
	json_array_foreach(ua, i, u) {
		const char *n = str_of(u, "name"), *r = str_of(u, "reason");

		if (!r || !n)
			continue;
		if (strstr(n, "iotlb") || strstr(r, "iotlb") || !strncmp(n, "perf", 4)) {
			snprintf(buf + off, len - off, " (%s: %s)", n, r);
			return;
		}
	}
	snprintf(buf + off, len - off,
		 " (no IOMMU PMU or lab trace counted it; see context.counters_unavailable)");
}

static json_t *dbl_array(const struct pt *p, size_t n, int what)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		double v = what == 0 ? p[i].window : what == 1 ? p[i].raw : p[i].cap;

		json_array_append_new(a, what == 0 ? json_integer((json_int_t)v) :
						     json_real(round(v * 1e6) / 1e6));
	}
	return a;
}

/* The reach from a knee at w[idx] of series s: metrics.iotlb_entries
 * (median = the bracket's middle, bounds = the bracket [last window below,
 * knee window] / page) and the knee params: the row at the knee (what the
 * refinement bisects from, cli/run_refine.c), the points it added, and
 * whether the bracket is within +-5 % of its middle (converged). */
static void put_reach(json_t *params, json_t *metrics, const struct series *s, const double *w,
		      size_t n, size_t idx, double pg)
{
	struct ib_summary sm = { 0 };
	json_int_t refined = 0;
	size_t i;

	sm.n = n;
	sm.min = sm.ci95_low = w[idx - 1] / pg;
	sm.max = sm.ci95_high = w[idx] / pg;
	sm.median = sm.mean = sm.p90 = sm.p99 = sm.p999 = (sm.min + sm.max) / 2;
	json_object_set_new(metrics, "iotlb_entries", ib_metric_json(&sm, "entries"));
	json_object_set_new(params, "knee_window", json_integer((json_int_t)w[idx]));
	json_object_set_new(params, "window_below_knee", json_integer((json_int_t)w[idx - 1]));
	for (i = 0; i < s->n; i++) {
		refined += json_is_true(json_object_get(json_object_get(s->p[i].row, "params"),
							"refined"));
		if (s->p[i].window == w[idx])
			json_object_set_new(params, "knee_row",
					    json_string(str_of(s->p[i].row, "name")));
	}
	json_object_set_new(params, "refined_points", json_integer(refined));
	json_object_set_new(params, "converged",
			    json_boolean(w[idx] <= IB_REACH_CONVERGED * w[idx - 1]));
}

/* The series of the same parameters on the next larger page size (2m, thp,
 * 1g order), in the group with the same suffix: the timing baseline. */
static const struct series *timing_base(const struct group *g, size_t ng,
					const struct group *own, const struct series *s,
					double pg)
{
	static const char *const order[] = { "2m", "thp", "1g" };
	size_t o, gi, j;

	for (o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		if ((double)ib_page_size_bytes(order[o]) <= pg)
			continue;
		for (gi = 0; gi < ng; gi++) {
			if (strcmp(g[gi].ps, order[o]) || strcmp(g[gi].suffix, own->suffix))
				continue;
			for (j = 0; j < g[gi].n; j++)
				if (!strcmp(g[gi].s[j].key2, s->key2))
					return &g[gi].s[j];
		}
	}
	return NULL;
}

/* Robust spread (1.4826 x median absolute deviation) of the residuals of
 * a two-level fit split at idx. */
static double step_noise(const double *d, size_t n, size_t idx, const struct ib_knee *k)
{
	double *r = malloc(n * sizeof(*r)), v;
	size_t i;

	if (!r)
		return INFINITY;
	for (i = 0; i < n; i++)
		r[i] = fabs(d[i] - (i < idx ? k->before : k->after));
	v = 1.4826 * median_of(r, n);
	free(r);
	return v;
}

/*
 * The timing method: fills params/metrics, or reason when it finds no
 * knee.  d = latency less the baseline's at equal windows (or less the
 * smallest latency), stepped as the counters' curve is.
 */
static void timing_reach(const struct group *g, size_t ng, const struct group *own,
			 const struct series *s, double pg, json_t *params, json_t *metrics,
			 char *reason, size_t rlen)
{
	const struct series *base = timing_base(g, ng, own, s, pg);
	double *w = calloc(s->n, sizeof(*w)), *y = calloc(s->n, sizeof(*y));
	double *bw = NULL, *by = NULL, *d = calloc(s->n, sizeof(*d)), *dw = calloc(s->n, sizeof(*dw));
	json_t *ja = json_array(), *jw = json_array();
	size_t n, nb = 0, nd = 0, i, j;
	double lo = INFINITY, level, noise;
	struct ib_knee k;
	char a[32];

	json_object_set_new(params, "source", json_string("timing"));
	json_object_set_new(params, "method", json_string(timing_text));
	if (!w || !y || !d || !dw) {
		snprintf(reason, rlen, "out of memory");
		goto out;
	}
	n = curve_of(s, true, w, y);
	if (base) {
		bw = calloc(base->n, sizeof(*bw));
		by = calloc(base->n, sizeof(*by));
		if (!bw || !by) {
			snprintf(reason, rlen, "out of memory");
			goto out;
		}
		nb = curve_of(base, true, bw, by);
	}
	for (i = 0; i < n; i++)
		lo = fmin(lo, y[i]);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nb && bw[j] != w[i]; j++)
			;
		if (nb && j == nb)
			continue; /* no baseline at this window */
		dw[nd] = w[i];
		d[nd++] = nb ? y[i] - by[j] : y[i] - lo;
	}
	json_object_set_new(params, "baseline",
			    json_string(nb ? json_string_value(json_object_get(
						     json_object_get(base->p[0].row, "params"), "page_size")) :
					     "smallest latency"));
	for (i = 0; i < nd; i++) {
		json_array_append_new(jw, json_integer((json_int_t)dw[i]));
		json_array_append_new(ja, json_real(round(d[i] * 1000) / 1000));
	}
	json_object_set_new(params, "windows", jw);
	json_object_set_new(params, "latency_over_baseline_ns", ja);
	jw = ja = NULL;
	if (nd < 3) {
		snprintf(reason, rlen,
			 "no knee: fewer than 3 windows whose accesses revisit pages%s",
			 nb ? " at the windows the baseline has" : "");
		goto out;
	}
	ib_knee_find(d, nd, &k);
	{
		/* the latency before the knee: its median, the step's yardstick */
		double *yb = malloc(k.idx * sizeof(*yb));
		size_t m = 0;

		for (i = 0; yb && i < n; i++)
			if (w[i] < dw[k.idx])
				yb[m++] = y[i];
		level = m ? median_of(yb, m) : y[0];
		free(yb);
	}
	noise = step_noise(d, nd, k.idx, &k);
	k.found = k.after - k.before >= TKNEE_MIN_REL * level &&
		  k.after - k.before >= TKNEE_MIN_NOISE * noise &&
		  d[k.idx] >= k.before + (k.after - k.before) / 2;
	if (!k.found) {
		size_text(dw[nd - 1], a, sizeof(a));
		snprintf(reason, rlen, "no knee up to %s", a);
		json_object_set_new(params, "max_window", json_integer((json_int_t)dw[nd - 1]));
		goto out;
	}
	put_reach(params, metrics, s, dw, nd, k.idx, pg);
	json_object_set_new(params, "knee_sharp", json_boolean(ib_knee_sharp(d, &k)));
	for (i = 0; base && i < base->n; i++) /* refined with it (run_refine.c) */
		if (base->p[i].window == dw[k.idx])
			json_object_set_new(params, "baseline_knee_row",
					    json_string(str_of(base->p[i].row, "name")));
	json_object_set_new(params, "latency_ns_before", json_real(round(level * 1000) / 1000));
	json_object_set_new(params, "step_ns", json_real(round((k.after - k.before) * 1000) / 1000));
out:
	json_decref(ja);
	json_decref(jw);
	free(w);
	free(y);
	free(bw);
	free(by);
	free(d);
	free(dw);
}

static json_t *reach_row(json_t *doc, const struct group *all, size_t ng, struct group *g,
			 struct series *s)
{
	json_t *row = json_object(), *params = json_object(), *metrics = json_object();
	json_t *src = json_object_get(s->p[0].row, "params");
	char reason[768] = "", a[32], b[32];
	double *w = NULL, *m = NULL, pg = iommu_page(src);
	size_t i, n = 0;
	struct ib_knee k;
	char name[128];

	snprintf(name, sizeof(name), REACH_PREFIX "page_size:%s%s", g->ps, g->suffix);
	json_object_set_new(row, "name", json_string(name));
	json_object_set_new(row, "bench", json_string("derive"));
	json_object_set_new(row, "engine", json_string(str_of(s->p[0].row, "engine")));
	json_object_set_new(row, "run_type", json_string("derived"));
	json_object_set_new(params, "page_size", json_string(g->ps));
	json_object_set_new(params, "iotlb_page_bytes", json_integer((json_int_t)pg));
	json_object_set_new(params, "method", json_string(method_text));
	json_object_set_new(params, "source_series", json_string(s->label));

	if (!s->all_miss) {
		timing_reach(all, ng, g, s, pg, params, metrics, reason, sizeof(reason));
		if (reason[0]) {
			size_t off = strlen(reason);

			snprintf(reason + off, sizeof(reason) - off, "; ");
			off = strlen(reason);
			missing_reason(doc, reason + off, sizeof(reason) - off);
		}
		goto out;
	}
	json_object_set_new(params, "source", json_string("counters"));
	w = calloc(s->n, sizeof(*w));
	m = calloc(s->n, sizeof(*m));
	if (!w || !m) {
		snprintf(reason, sizeof(reason), "out of memory");
		goto out;
	}
	n = curve_of(s, false, w, m);
	json_object_set_new(params, "windows", dbl_array(s->p, s->n, 0));
	json_object_set_new(params, "iotlb_misses_per_dma", dbl_array(s->p, s->n, 1));
	json_object_set_new(params, "capacity_misses_per_dma", dbl_array(s->p, s->n, 2));
	{
		json_t *u = json_array();

		for (i = 0; i < s->n; i++)
			if (!s->p[i].informative)
				json_array_append_new(u, json_integer((json_int_t)s->p[i].window));
		json_object_set_new(params, "windows_not_revisited", u);
	}
	if (n < 2) {
		json_t *r = json_object_get(src, "xfer_size");

		snprintf(reason, sizeof(reason),
			 "no knee: fewer than 2 windows whose repetitions revisit pages "
			 "(seq needs iterations x xfer_size >= 2 x window; xfer_size %lld)",
			 (long long)json_integer_value(r));
		goto out;
	}
	ib_knee_find(m, n, &k);
	if (!k.found) {
		size_text(w[n - 1], a, sizeof(a));
		size_text(w[0], b, sizeof(b));
		if (median_of(m, n) >= IB_KNEE_MIN_MISSES && m[0] >= IB_KNEE_MIN_MISSES)
			snprintf(reason, sizeof(reason),
				 "no knee: capacity misses from the smallest window (%s) on; reach below %s",
				 b, b);
		else
			snprintf(reason, sizeof(reason), "no knee up to %s", a);
		json_object_set_new(params, "max_window", json_integer((json_int_t)w[n - 1]));
		goto out;
	}
	put_reach(params, metrics, s, w, n, k.idx, pg);
	json_object_set_new(params, "knee_sharp", json_boolean(ib_knee_sharp(m, &k)));
	json_object_set_new(params, "misses_per_dma_before", json_real(k.before));
	json_object_set_new(params, "misses_per_dma_after", json_real(k.after));
out:
	free(w);
	free(m);
	json_object_set_new(row, "status", json_string(reason[0] ? "skipped" : "ok"));
	if (reason[0])
		json_object_set_new(row, "reason", json_string(reason));
	json_object_set_new(row, "params", params);
	json_object_set_new(row, "metrics", metrics);
	json_object_set_new(row, "counters", json_object());
	return row;
}

/* Multi-rank runs: one reach per concurrency and rank (each device alone
 * and together, the contention suite): "/concurrency:<c>/rank:<N>". */
static void rank_suffix(json_t *row, char *suffix, size_t len)
{
	json_t *p = json_object_get(row, "params");
	const char *c = json_string_value(json_object_get(p, "concurrency"));
	json_t *rank = json_object_get(p, "rank");
	size_t off = strlen(suffix);

	if (c && off < len)
		off += (size_t)snprintf(suffix + off, len - off, "/concurrency:%s", c);
	if (json_is_integer(rank) && off < len)
		snprintf(suffix + off, len - off, "/rank:%lld", (long long)json_integer_value(rank));
}

int ib_derive_iotlb_reach(json_t *doc, char *err, size_t errlen)
{
	return ib_run_view_apply(doc, ib_derive_iotlb_reach_run, err, errlen);
}

int ib_derive_iotlb_reach_run(struct ib_run *run, char *err, size_t errlen)
{
	json_t *doc = run->doc, *rows = json_object_get(doc, "results");
	struct group *g = NULL;
	size_t ng = 0, i, j, gi;
	int written = 0, ret = -1;
	bool dropped = false;

	if (!json_is_array(rows)) {
		snprintf(err, errlen, "results: expected an array");
		return -1;
	}
	/* idempotent: drop the rows an earlier derive wrote (the view is
	 * rebuilt only then) */
	for (i = json_array_size(rows); i-- > 0;) {
		const char *n = str_of(json_array_get(rows, i), "name");
		const char *rt = str_of(json_array_get(rows, i), "run_type");

		if (n && rt && !strcmp(rt, "derived") && !strncmp(n, REACH_PREFIX, strlen(REACH_PREFIX))) {
			json_array_remove(rows, i);
			dropped = true;
		}
	}
	if (dropped && ib_run_refresh(run, err, errlen))
		return -1;
	for (i = 0; i < run->nrows; i++) {
		static const char *const skip_window[] = { "window", NULL };
		static const char *const skip_page[] = { "window", "page_size", NULL };
		const struct ib_row *r = &run->rows[i];
		const struct ib_engine *e = ib_engine_find(r->engine);
		const char *ps = r->p.page_size;
		char key[600], suffix[96] = "";
		struct series *s;

		if (!dma_row(r))
			continue;
		if (e && !(e->flags & IB_ENG_DMA))
			snprintf(suffix, sizeof(suffix), "/engine:%s", e->name);
		rank_suffix(r->json, suffix, sizeof(suffix));
		for (gi = 0; gi < ng; gi++)
			if (!strcmp(g[gi].ps, ps) && !strcmp(g[gi].suffix, suffix))
				break;
		if (gi == ng) {
			struct group *n = realloc(g, (ng + 1) * sizeof(*n));

			if (!n)
				goto nomem;
			g = n;
			memset(&g[ng], 0, sizeof(g[0]));
			snprintf(g[ng].ps, sizeof(g[0].ps), "%s", ps);
			snprintf(g[ng].suffix, sizeof(g[0].suffix), "%s", suffix);
			ng++;
		}
		ib_row_series_key(r, skip_window, key, sizeof(key));
		s = find_series(&g[gi], key, r->name ? r->name : "");
		if (!s || push_pt(s, r->json))
			goto nomem;
		ib_row_series_key(r, skip_page, s->key2, sizeof(s->key2));
	}
	/* every series sorted first: the timing method reads other groups' */
	for (gi = 0; gi < ng; gi++)
		for (j = 0; j < g[gi].n; j++)
			if (series_facts(&g[gi].s[j]))
				goto nomem;
	for (gi = 0; gi < ng; gi++) {
		struct series *best = NULL;

		for (j = 0; j < g[gi].n; j++) {
			if (g[gi].s[j].nwin < 2)
				continue;
			if (!best || better(&g[gi].s[j], best))
				best = &g[gi].s[j];
		}
		if (!best)
			continue; /* no window sweep at this page size */
		json_array_append_new(rows, reach_row(doc, g, ng, &g[gi], best));
		written++;
	}
	ret = written;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	for (gi = 0; gi < ng; gi++) {
		for (j = 0; j < g[gi].n; j++)
			free(g[gi].s[j].p);
		free(g[gi].s);
	}
	free(g);
	/* the rows it wrote join the view */
	if (written && ib_run_refresh(run, err, errlen))
		ret = -1;
	return ret;
}

/* ---- the console ---- */

/* One console line per derived row (what `derive` and `finish` print). */
void ib_derive_print(json_t *doc)
{
	json_t *rows, *row;
	size_t i;

	rows = json_object_get(doc, "results");
	json_array_foreach(rows, i, row) {
		const char *name = str_of(row, "name"), *rt = str_of(row, "run_type");
		json_t *e = json_object_get(json_object_get(row, "metrics"), "iotlb_entries");
		char a[32], tn[512], tr[512];

		if (!rt || strcmp(rt, "derived") || strncmp(name, REACH_PREFIX, strlen(REACH_PREFIX)))
			continue;
		if (e) {
			size_text(num_of(json_object_get(row, "params"), "knee_window", 0), a, sizeof(a));
			printf("%s: %.0f entries (bounds %.0f .. %.0f), knee at window %s\n",
			       ib_text_safe(tn, sizeof(tn), name),
			       num_of(e, "median", 0), num_of(e, "ci95_low", 0),
			       num_of(e, "ci95_high", 0), a);
		} else {
			printf("%s: skipped: %s\n", ib_text_safe(tn, sizeof(tn), name),
			       ib_text_safe(tr, sizeof(tr), str_of(row, "reason")));
		}
	}
}
