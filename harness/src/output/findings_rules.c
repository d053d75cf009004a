// SPDX-License-Identifier: GPL-2.0
/*
 * The findings' kinds (listed at the top of findings.c), one function each,
 * and the text and row helpers they share.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_engine.h"
#include "ib_findings.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "findings_int.h"

#define REACH_PREFIX "iotlb_reach/"

/* ---- text ---- */

/* Three significant digits; whole numbers from 100 on. */
const char *num3(double v, char *b, size_t n)
{
	if (!isfinite(v))
		snprintf(b, n, "?");
	else if (fabs(v) >= 100)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.3g", v);
	return b;
}

static const char *size_text(double v, char *b, size_t n)
{
	static const char *const u[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	char t[16];
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(b, n, "%s %s", num3(v, t, sizeof(t)), u[i]);
	return b;
}

/* " (95 % CI a× to b×)", or that it includes 1. */
static void ratio_ci(char *b, size_t n, double lo, double hi, const char *how)
{
	char x[32], y[32];

	if (!isfinite(lo) || !isfinite(hi)) {
		snprintf(b, n, "; 95 %% CI from %s: %s× and up", how, num3(lo, x, sizeof(x)));
		return;
	}
	snprintf(b, n, "; 95 %% CI from %s: %s× to %s×%s", how, num3(lo, x, sizeof(x)),
		 num3(hi, y, sizeof(y)),
		 lo <= 1 && hi >= 1 ? ", which includes 1: no effect distinguishable" : "");
}

/* ---- rows ---- */

static json_t *finding_row(struct out *o, const char *name, const char *kind, const char *text,
			   json_t *params, json_t *metrics, json_t *sources)
{
	json_t *row;

	if (json_object_get(o->names, name)) {
		json_decref(params);
		json_decref(metrics);
		json_decref(sources);
		return NULL;
	}
	row = json_object();
	json_object_set_new(o->names, name, json_true());
	json_object_set_new(row, "name", json_string(name));
	json_object_set_new(row, "bench", json_string("findings"));
	json_object_set_new(row, "engine", json_string("derive"));
	json_object_set_new(row, "run_type", json_string("derived"));
	json_object_set_new(row, "status", json_string("ok"));
	json_object_set_new(row, "finding", json_string(text));
	json_object_set_new(params, "kind", json_string(kind));
	json_object_set_new(params, "source_rows", sources);
	json_object_set_new(row, "params", params);
	json_object_set_new(row, "metrics", metrics);
	json_object_set_new(row, "counters", json_object());
	json_array_append_new(o->rows, row);
	return row;
}

/* A metric object: value with its bounds (NaN: null). */
static json_t *metric_of(double v, double lo, double hi, size_t n, const char *unit)
{
	struct ib_summary s = { 0 };

	s.n = n;
	s.median = s.mean = s.p90 = s.p99 = s.p999 = v;
	s.min = s.ci95_low = lo;
	s.max = s.ci95_high = hi;
	s.stddev = s.cov = NAN;
	return ib_metric_json(&s, unit);
}

static json_t *names_of(const struct ib_row *a, const struct ib_row *b)
{
	json_t *s = json_array();

	json_array_append_new(s, json_string(a->name ? a->name : "?"));
	if (b)
		json_array_append_new(s, json_string(b->name ? b->name : "?"));
	return s;
}

static double param_num(const struct ib_row *r, const char *k)
{
	json_t *v = json_object_get(json_object_get(r->json, "params"), k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *device_label(const struct ib_run *run, const struct ib_row *r, char *b, size_t n)
{
	const struct ib_row *src = r;
	const char *k = json_string_value(json_object_get(json_object_get(r->json, "params"),
							  "knee_row"));
	size_t i;

	b[0] = '\0';
	if (r->derived) {
		src = NULL;
		for (i = 0; k && i < run->nrows && !src; i++)
			if (run->rows[i].name && !strcmp(run->rows[i].name, k))
				src = &run->rows[i];
	}
	if (src && src->engine && src->p.device && src->p.device[0])
		snprintf(b, n, "%s %s", src->engine, src->p.device);
	return b;
}

void reach_findings(struct out *o)
{
	size_t i;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];
		json_t *params = json_object_get(r->json, "params"), *m, *src, *p;
		const struct ib_engine *e;
		const char *rest, *source, *series;
		char name[256], text[640], a[32], b[32], c[32], k[32], what[200], how[48], dev[96];
		struct ib_summary s;
		double knee, refined;

		if (!r->derived || r->status != IB_ROW_OK || !r->name ||
		    strncmp(r->name, REACH_PREFIX, strlen(REACH_PREFIX)) ||
		    !ib_row_metric(r, "iotlb_entries", &s, NULL))
			continue;
		rest = r->name + strlen(REACH_PREFIX);
		/* derive names a non-DMA engine's reach (its chase rows' TLB) */
		e = r->engine ? ib_engine_find(r->engine) : NULL;
		if (e && !(e->flags & IB_ENG_DMA))
			snprintf(what, sizeof(what), "TLB reach (%s, engine %s)",
				 r->p.page_size ? r->p.page_size : "?", e->name);
		else /* which device: a fleet has several */
			snprintf(what, sizeof(what), "IOTLB reach (%s%s%s)",
				 r->p.page_size ? r->p.page_size : "?",
				 device_label(o->run, r, dev, sizeof(dev))[0] ? ", " : "", dev);
		knee = param_num(r, "knee_window");
		source = json_string_value(json_object_get(params, "source"));
		refined = param_num(r, "refined_points");
		if (refined > 0)
			snprintf(how, sizeof(how), "%.0f refinement point%s", refined,
				 refined == 1 ? "" : "s");
		else if (json_is_false(json_object_get(params, "knee_sharp")))
			snprintf(how, sizeof(how), "a gradual knee, not refined");
		else
			snprintf(how, sizeof(how), "the sweep's windows, not refined");
		if (json_is_true(json_object_get(params, "converged")))
			snprintf(text, sizeof(text),
				 "%s: %s entries (bracket %s to %s, within +-5 %%; %s), knee at %s, from %s",
				 what, num3(s.median, a, sizeof(a)), num3(s.ci95_low, b, sizeof(b)),
				 num3(s.ci95_high, c, sizeof(c)), how, size_text(knee, k, sizeof(k)),
				 source && !strcmp(source, "timing") ? "latency against the window" :
								       "the iotlb_miss counts");
		else /* the bracket is the result, not its low end */
			snprintf(text, sizeof(text),
				 "%s: between %s and %s entries (bracket wider than +-5 %%; %s), knee at %s, from %s",
				 what, num3(s.ci95_low, b, sizeof(b)), num3(s.ci95_high, c, sizeof(c)),
				 how, size_text(knee, k, sizeof(k)),
				 source && !strcmp(source, "timing") ? "latency against the window" :
								       "the iotlb_miss counts");
		snprintf(name, sizeof(name), IB_FINDING_PREFIX "iotlb_reach/%s", rest);
		src = names_of(r, NULL);
		series = json_string_value(json_object_get(params, "source_series"));
		if (series)
			json_array_append_new(src, json_string(series));
		p = json_object();
		json_object_set_new(p, "page_size", json_string(r->p.page_size ? r->p.page_size : ""));
		json_object_set_new(p, "knee_bytes", json_integer((json_int_t)knee));
		if (source)
			json_object_set_new(p, "source", json_string(source));
		json_object_set_new(p, "converged",
				    json_boolean(json_is_true(json_object_get(params, "converged"))));
		m = json_object();
		json_object_set_new(m, "iotlb_entries",
				    json_deep_copy(json_object_get(r->metrics, "iotlb_entries")));
		finding_row(o, name, "iotlb_reach", text, p, m, src);
	}
}

/* Poisson 95 % bounds of a count k (Wilson-Hilferty). */
static double pois_lo(double k)
{
	double t;

	if (k <= 0)
		return 0;
	t = 1 - 1 / (9 * k) - 1.96 / (3 * sqrt(k));
	return k * t * t * t;
}

static double pois_hi(double k)
{
	double k1 = k + 1, t = 1 - 1 / (9 * k1) + 1.96 / (3 * sqrt(k1));

	return k1 * t * t * t;
}

static bool miss_row(const struct ib_row *r, double *miss, double *dmas)
{
	if (r->derived || r->status != IB_ROW_OK || !r->p.page_size || !(r->p.window > 0))
		return false;
	if (r->p.op && (!strcmp(r->p.op, "chase") || !strcmp(r->p.op, "isolation")))
		return false;
	if (!ib_row_counter(r, "iotlb_miss", miss, NULL))
		return false;
	*dmas = ib_row_counted_dmas(r);
	return isfinite(*dmas) && *dmas > 0;
}

/* "series key less page size \x1f window": the 4k row at it. */
static void pair_key(const struct ib_row *r, char *buf, size_t len)
{
	static const char *const skip[] = { "page_size", "window", NULL };
	size_t o = ib_row_series_key(r, skip, buf, len);

	if (o < len)
		snprintf(buf + o, len - o, "%.17g", r->p.window);
}

static bool rand_row(const struct ib_row *r)
{
	return r->p.pattern && !strcmp(r->p.pattern, "rand");
}

static void misses_finding(struct out *o, const struct ib_row *s, const struct ib_row *l)
{
	double ms, ds, ml, dl, rs, rl, ratio, lo, hi;
	char name[128], text[768], ci[160], a[32], b[32], c[32], w[32];
	const char *ps = l->p.page_size;
	json_t *p = json_object(), *m = json_object();
	bool fewer;

	miss_row(s, &ms, &ds);
	miss_row(l, &ml, &dl);
	rs = ms / ds;
	rl = ml / dl;
	ratio = rl > 0 ? rs / rl : NAN;
	lo = (pois_lo(ms) / ds) / (pois_hi(ml) / dl);
	hi = pois_lo(ml) > 0 ? (pois_hi(ms) / ds) / (pois_lo(ml) / dl) : INFINITY;
	fewer = !(ratio < 1);
	if (!isfinite(ratio)) {
		ratio = lo; /* no miss with the larger pages: a lower bound */
		snprintf(text, sizeof(text),
			 "%s pages: no IOTLB miss per DMA against %s with 4k at %s (%s): at least %s× "
			 "fewer (95 %% Poisson bound on the counts)",
			 ps, num3(rs, b, sizeof(b)), size_text(s->p.window, w, sizeof(w)),
			 s->p.pattern ? s->p.pattern : "?", num3(lo, a, sizeof(a)));
	} else {
		if (fewer)
			ratio_ci(ci, sizeof(ci), lo, hi, "Poisson bounds on the counts");
		else
			ratio_ci(ci, sizeof(ci), 1 / hi, 1 / lo, "Poisson bounds on the counts");
		snprintf(text, sizeof(text),
			 "%s pages: %s× %s IOTLB misses per DMA than 4k at %s (%s vs %s, %s%s)", ps,
			 num3(fewer ? ratio : 1 / ratio, a, sizeof(a)), fewer ? "fewer" : "more",
			 size_text(s->p.window, w, sizeof(w)), num3(rl, b, sizeof(b)),
			 num3(rs, c, sizeof(c)), s->p.pattern ? s->p.pattern : "?", ci);
	}
	if (o->lab)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "; exact counts of the emulated IOMMU");
	snprintf(name, sizeof(name), IB_FINDING_PREFIX "misses_per_dma/%s_vs_4k", ps);
	json_object_set_new(p, "page_size", json_string(ps));
	json_object_set_new(p, "baseline", json_string("4k"));
	json_object_set_new(p, "window", json_integer((json_int_t)s->p.window));
	if (s->p.pattern)
		json_object_set_new(p, "pattern", json_string(s->p.pattern));
	json_object_set_new(p, "misses_per_dma", json_real(rl));
	json_object_set_new(p, "misses_per_dma_4k", json_real(rs));
	json_object_set_new(p, "ci_method", json_string("poisson bounds on both counts"));
	json_object_set_new(m, "miss_ratio", metric_of(ratio, lo, hi, 2, "ratio"));
	finding_row(o, name, "misses_per_dma", text, p, m, names_of(s, l));
}

/*
 * Per larger page size, the (4k row, its row) pair at equal parameters and
 * window: rand before seq, then the largest window.
 */
void misses_findings(struct out *o)
{
	json_t *small = json_object(), *best = json_object(), *v;
	const char *ps;
	char key[1024];
	double m, d;
	size_t i;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];

		if (!miss_row(r, &m, &d) || strcmp(r->p.page_size, "4k"))
			continue;
		pair_key(r, key, sizeof(key));
		if (!json_object_get(small, key))
			json_object_set_new(small, key, json_integer((json_int_t)i));
	}
	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i], *cur;
		json_t *s;

		if (!miss_row(r, &m, &d) || !strcmp(r->p.page_size, "4k"))
			continue;
		pair_key(r, key, sizeof(key));
		s = json_object_get(small, key);
		if (!s)
			continue;
		v = json_object_get(best, r->p.page_size);
		cur = v ? &o->run->rows[json_integer_value(json_array_get(v, 1))] : NULL;
		if (cur && (rand_row(cur) > rand_row(r) ||
			    (rand_row(cur) == rand_row(r) && cur->p.window >= r->p.window)))
			continue;
		json_object_set_new(best, r->p.page_size,
				    json_pack("[II]", (json_int_t)json_integer_value(s), (json_int_t)i));
	}
	/* in page size order: 2m, thp, 1g */
	{
		static const char *const order[] = { "2m", "thp", "1g", NULL };
		const char *const *q;

		for (q = order; *q; q++) {
			v = json_object_get(best, *q);
			if (v)
				misses_finding(o, &o->run->rows[json_integer_value(json_array_get(v, 0))],
					       &o->run->rows[json_integer_value(json_array_get(v, 1))]);
		}
		json_object_foreach(best, ps, v) {
			for (q = order; *q && strcmp(*q, ps); q++)
				;
			if (!*q)
				misses_finding(o, &o->run->rows[json_integer_value(json_array_get(v, 0))],
					       &o->run->rows[json_integer_value(json_array_get(v, 1))]);
		}
	}
	json_decref(small);
	json_decref(best);
}

static const char *eff_mode(const struct ib_row *r)
{
	return ib_row_mode(r, "");
}

/* The median and CI of a metric, false unless all are finite and > 0. */
static bool med_ci(const struct ib_row *r, const char *metric, struct ib_summary *s)
{
	return !r->derived && r->status == IB_ROW_OK && ib_row_metric(r, metric, s, NULL) &&
	       s->median > 0 && s->ci95_low > 0 && s->ci95_high > 0 && isfinite(s->median) &&
	       isfinite(s->ci95_low) && isfinite(s->ci95_high);
}

/* name less its "/<key>:<value>" component, after prefix */
static void name_without(char *buf, size_t len, const char *prefix, const char *name,
			 const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "/%s:", key);
	at = strstr(name, pat);
	if (!at) {
		snprintf(buf, len, "%s%s", prefix, name);
		return;
	}
	snprintf(buf, len, "%s%.*s%s", prefix, (int)(at - name), name, at + strcspn(at + 1, "/") + 1);
}

void unmap_findings(struct out *o)
{
	static const char *const skip[] = { "iommu_mode", NULL };
	json_t *lazy = json_object(), *v;
	struct ib_summary s, l;
	char key[1024];
	size_t i;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];

		if (!med_ci(r, "unmap_ns", &l) || strcmp(eff_mode(r), "dma-lazy"))
			continue;
		ib_row_series_key(r, skip, key, sizeof(key));
		if (!json_object_get(lazy, key))
			json_object_set_new(lazy, key, json_integer((json_int_t)i));
	}
	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i], *z;
		char name[512], text[1024], ci[160], a[32], b[32], c[32], label[400];
		double ratio, lo, hi;
		json_t *p, *m;

		if (!med_ci(r, "unmap_ns", &s) || strcmp(eff_mode(r), "dma-strict") || !r->name)
			continue;
		ib_row_series_key(r, skip, key, sizeof(key));
		v = json_object_get(lazy, key);
		if (!v)
			continue;
		z = &o->run->rows[json_integer_value(v)];
		med_ci(z, "unmap_ns", &l);
		ratio = s.median / l.median;
		lo = s.ci95_low / l.ci95_high;
		hi = s.ci95_high / l.ci95_low;
		name_without(label, sizeof(label), "", r->name, "iommu_mode");
		ratio_ci(ci, sizeof(ci), lo, hi, "the two medians' CIs");
		snprintf(text, sizeof(text), "strict/lazy unmap (%s): %s× (%s vs %s ns%s)%s", label,
			 num3(ratio, a, sizeof(a)), num3(s.median, b, sizeof(b)),
			 num3(l.median, c, sizeof(c)), ci,
			 o->lab ? "; emulated: guest instruction time, not hardware" : "");
		snprintf(name, sizeof(name), IB_FINDING_PREFIX "unmap_strict_vs_lazy/%s", label);
		p = json_object();
		json_object_set_new(p, "unmap_ns_strict", json_real(s.median));
		json_object_set_new(p, "unmap_ns_lazy", json_real(l.median));
		m = json_object();
		json_object_set_new(m, "unmap_ratio",
				    metric_of(ratio, lo, hi, (size_t)fmin(s.n, l.n), "ratio"));
		finding_row(o, name, "unmap_strict_vs_lazy", text, p, m, names_of(r, z));
	}
	json_decref(lazy);
}

/* The series key plus msg_size (net's own parameter, not a series field). */
static void net_key(const struct ib_row *r, const char *const *skip, char *key, size_t len)
{
	size_t o = ib_row_series_key(r, skip, key, len);

	if (o < len)
		snprintf(key + o, len - o, "msg_size=%lld",
			 (long long)json_integer_value(
				 json_object_get(json_object_get(r->json, "params"), "msg_size")));
}

/*
 * Per net row in strict mode with its identity twin (everything else
 * equal): "strict: N invalidations per packet, X % fewer packets/s than
 * identity".  The invalidations divide by the packets of the pass that
 * counted them; the rate is pps's median.
 */
void net_findings(struct out *o)
{
	static const char *const skip[] = { "iommu_mode", NULL };
	json_t *ident = json_object(), *v;
	struct ib_summary s, z;
	char key[1024];
	size_t i;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];

		if (!med_ci(r, "pps", &z) || strcmp(eff_mode(r), "identity"))
			continue;
		net_key(r, skip, key, sizeof(key));
		if (!json_object_get(ident, key))
			json_object_set_new(ident, key, json_integer((json_int_t)i));
	}
	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i], *id;
		char name[512], text[1024], a[32], b[32], c[32], d[32], label[400];
		double inv = 0, pk = ib_row_counter_ios(r, "iommu_invalidations"), fewer;
		json_t *p, *m;

		if (!med_ci(r, "pps", &s) || strcmp(eff_mode(r), "dma-strict") || !r->name || pk <= 0 ||
		    !ib_row_counter(r, "iommu_invalidations", &inv, NULL))
			continue;
		net_key(r, skip, key, sizeof(key));
		v = json_object_get(ident, key);
		if (!v)
			continue;
		id = &o->run->rows[json_integer_value(v)];
		med_ci(id, "pps", &z);
		fewer = 100.0 * (1.0 - s.median / z.median);
		name_without(label, sizeof(label), "", r->name, "iommu_mode");
		snprintf(text, sizeof(text),
			 "strict: %s invalidations per packet, %s %% %s packets/s than identity "
			 "(%s: %s vs %s pps)%s", num3(inv / pk, a, sizeof(a)),
			 num3(fabs(fewer), b, sizeof(b)), fewer >= 0 ? "fewer" : "more", label,
			 num3(s.median, c, sizeof(c)), num3(z.median, d, sizeof(d)),
			 o->lab ? "; emulated: guest instruction time, not hardware" : "");
		snprintf(name, sizeof(name), IB_FINDING_PREFIX "net_strict_vs_identity/%s", label);
		p = json_object();
		json_object_set_new(p, "invalidations_per_packet", json_real(inv / pk));
		json_object_set_new(p, "pps_strict", json_real(s.median));
		json_object_set_new(p, "pps_identity", json_real(z.median));
		m = json_object();
		json_object_set_new(m, "pps_fewer_percent",
				    metric_of(fewer, NAN, NAN, (size_t)fmin(s.n, z.n), "percent"));
		finding_row(o, name, "net_strict_vs_identity", text, p, m, names_of(r, id));
	}
	json_decref(ident);
}

static bool node_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool numa_row(const struct ib_row *r, struct ib_summary *s)
{
	if (r->p.op && (!strcmp(r->p.op, "chase") || !strcmp(r->p.op, "isolation")))
		return false;
	return med_ci(r, "dma_latency_ns", s) && node_id(r->p.cpu_node) &&
	       node_id(r->p.mem_node) && node_id(r->p.dev_node);
}

/*
 * Per job, the largest remote/local ratio: a row whose memory is off the
 * device's node against the row with memory on it, same cpu and everything
 * else equal.
 */
void numa_findings(struct out *o)
{
	static const char *const skip[] = { "mem_node", NULL };
	json_t *local = json_object(), *best = json_object(), *v;
	struct ib_summary s, l;
	const char *bench;
	char key[1024];
	size_t i;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];

		if (!numa_row(r, &s) || strcmp(r->p.mem_node, r->p.dev_node))
			continue;
		ib_row_series_key(r, skip, key, sizeof(key));
		if (!json_object_get(local, key))
			json_object_set_new(local, key, json_integer((json_int_t)i));
	}
	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];
		double ratio;
		json_t *cur;

		if (!numa_row(r, &s) || !strcmp(r->p.mem_node, r->p.dev_node) || !r->bench)
			continue;
		ib_row_series_key(r, skip, key, sizeof(key));
		v = json_object_get(local, key);
		if (!v)
			continue;
		numa_row(&o->run->rows[json_integer_value(v)], &l);
		ratio = s.median / l.median;
		cur = json_object_get(best, r->bench);
		if (cur && json_real_value(json_array_get(cur, 2)) >= ratio)
			continue;
		json_object_set_new(best, r->bench,
				    json_pack("[IIf]", (json_int_t)i, json_integer_value(v), ratio));
	}
	json_object_foreach(best, bench, v) {
		const struct ib_row *r = &o->run->rows[json_integer_value(json_array_get(v, 0))];
		const struct ib_row *z = &o->run->rows[json_integer_value(json_array_get(v, 1))];
		char name[256], text[1024], ci[160], a[32], b[32], c[32];
		double lo, hi, ratio;
		json_t *p, *m;

		numa_row(r, &s);
		numa_row(z, &l);
		ratio = s.median / l.median;
		lo = s.ci95_low / l.ci95_high;
		hi = s.ci95_high / l.ci95_low;
		ratio_ci(ci, sizeof(ci), lo, hi, "the two medians' CIs");
		snprintf(text, sizeof(text),
			 "NUMA penalty (%s): memory on node %s, device on node %s: %s× the DMA latency "
			 "of memory on the device's node (cpu %s; %s vs %s ns%s)",
			 bench, r->p.mem_node, r->p.dev_node, num3(ratio, a, sizeof(a)), r->p.cpu_node,
			 num3(s.median, b, sizeof(b)), num3(l.median, c, sizeof(c)), ci);
		snprintf(name, sizeof(name), IB_FINDING_PREFIX "numa_penalty/%s", bench);
		p = json_object();
		json_object_set_new(p, "cpu_node", json_string(r->p.cpu_node));
		json_object_set_new(p, "mem_node", json_string(r->p.mem_node));
		json_object_set_new(p, "dev_node", json_string(r->p.dev_node));
		m = json_object();
		json_object_set_new(m, "latency_ratio",
				    metric_of(ratio, lo, hi, (size_t)fmin(s.n, l.n), "ratio"));
		finding_row(o, name, "numa_penalty", text, p, m, names_of(r, z));
	}
	json_decref(local);
	json_decref(best);
}

static bool must_isolate(const char *mode)
{
	return strcmp(mode, "identity") && strcmp(mode, "off");
}

/* Whether every verdict of a mode ({isolated: n, not_isolated: n}) is want. */
static bool all_verdicts(json_t *counts, bool isolated)
{
	long long iso = json_integer_value(json_object_get(counts, "isolated"));
	long long no = json_integer_value(json_object_get(counts, "not_isolated"));

	return isolated ? iso && !no : no && !iso;
}

/* "a, b and c" of the modes whose verdicts are all isolated (or all not). */
static void mode_list(json_t *modes, bool isolated, char *buf, size_t len)
{
	const char *mode;
	size_t off = 0, n = 0, k = 0;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach(modes, mode, v)
		n += all_verdicts(v, isolated);
	json_object_foreach(modes, mode, v) {
		if (!all_verdicts(v, isolated))
			continue;
		k++;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						k == 1 ? "" : k == n ? " and " : ", ", mode);
	}
}

void isolation_finding(struct out *o)
{
	json_t *modes = json_object(), *src = json_array(), *p, *m, *v;
	char held[256], not_held[256], bad[512] = "", text[1200];
	size_t i, n = 0, unexpected = 0, off = 0;
	const char *mode;

	for (i = 0; i < o->run->nrows; i++) {
		const struct ib_row *r = &o->run->rows[i];
		const char *verdict = json_string_value(json_object_get(r->json, "verdict"));
		json_t *e;

		if (r->derived || r->status != IB_ROW_OK || !verdict ||
		    (strcmp(verdict, "isolated") && strcmp(verdict, "not_isolated")))
			continue;
		mode = eff_mode(r);
		e = json_object_get(modes, mode);
		if (!e) {
			e = json_pack("{s:i,s:i}", "isolated", 0, "not_isolated", 0);
			json_object_set_new(modes, mode, e);
		}
		json_object_set_new(e, verdict, json_integer(json_integer_value(json_object_get(e, verdict)) + 1));
		if (must_isolate(mode) != !strcmp(verdict, "isolated"))
			unexpected++;
		json_array_append_new(src, json_string(r->name ? r->name : "?"));
		n++;
	}
	if (!n) {
		json_decref(modes);
		json_decref(src);
		return;
	}
	mode_list(modes, true, held, sizeof(held));
	mode_list(modes, false, not_held, sizeof(not_held));
	json_object_foreach(modes, mode, v) {
		long long iso = json_integer_value(json_object_get(v, "isolated"));
		long long no = json_integer_value(json_object_get(v, "not_isolated"));
		long long wrong = must_isolate(mode) ? no : iso;

		if (wrong && off < sizeof(bad))
			off += (size_t)snprintf(bad + off, sizeof(bad) - off,
						"%s%s %s in %lld of %lld rows (expected %s)",
						off ? "; " : "", mode,
						must_isolate(mode) ? "not isolated" : "isolated", wrong,
						iso + no, must_isolate(mode) ? "isolated" : "not_isolated");
	}
	snprintf(text, sizeof(text), "isolation: %s%s%s%s%s%s", held[0] ? "held in " : "", held,
		 held[0] && not_held[0] ? ", " : "", not_held[0] ? "not in " : "", not_held,
		 unexpected ? "" : " (as expected)");
	if (unexpected)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "; NOT as expected: %s",
			 bad);
	p = json_object();
	json_object_set_new(p, "verdicts", modes);
	m = json_object();
	json_object_set_new(m, "unexpected_verdicts", metric_of((double)unexpected,
								(double)unexpected,
								(double)unexpected, n, "rows"));
	finding_row(o, IB_FINDING_PREFIX "isolation", "isolation", text, p, m, src);
}
