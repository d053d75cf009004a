// SPDX-License-Identifier: GPL-2.0
/*
 * The reach refinement (issue 22): after the last point of a job that
 * sweeps the window, derive's reach (output/derive_reach.c, the very code
 * that writes the iotlb_reach rows after the run) is taken from the job's
 * rows so far.  Where the knee's bracket [window below, knee window] is
 * wider than REFINE_TARGET, the harness measures the window in the middle
 * of the bracket (geometric mean, a whole number of IOMMU pages) on the
 * same device and buffer parameters as the row at the knee, and again, until
 * the bracket is narrow enough, a page wide, or REFINE_BUDGET points are
 * spent.  The added rows carry params.refined = true; their names are the
 * knee row's with its window.  The timing method (no iotlb_miss counts:
 * cuda, the cpu chase) refines the same way; where its baseline is the next
 * page size, the baseline's row at the knee is measured at the new window
 * too.  In the lab the counts come from the lab runner while the run goes on
 * (ib_lab_counters: `iommubench lab-count`), exactly as lab-merge will count
 * them.  --no-refine turns it off; the finding then states the bracket.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_console.h"
#include "ib_derive.h"
#include "ib_engine.h"
#include "ib_lab_ctl.h"
#include "ib_options.h"
#include "ib_point.h"
#include "ib_run.h"
#include "ib_sysinfo.h"
#include "run_int.h"

/* +-2.5 % around the middle: inside the finding's +-5 % (IB_REACH_CONVERGED)
 * with room for where in the bracket the true capacity lies */
#define REFINE_TARGET 1.05
/* points one job may add (each knee: about log2(ln(K/B) / ln 1.05)) */
#define REFINE_BUDGET 8

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The job's rows from row0 on, copied, with the lab's counts of each where
 * the row has no iotlb_miss of its own (asked once per row: cache). */
static json_t *job_doc(json_t *doc, size_t row0, json_t *cache)
{
	json_t *res = json_object_get(doc, "results"), *tmp = json_object(), *rows = json_array();
	size_t i;

	json_object_set(tmp, "context", json_object_get(doc, "context"));
	for (i = row0; i < json_array_size(res); i++) {
		json_t *r = json_deep_copy(json_array_get(res, i)), *c;
		const char *name = str_of(r, "name"), *st = str_of(r, "status");

		if (ib_lab_active() && name && st && !strcmp(st, "ok") &&
		    !json_object_get(json_object_get(r, "counters"), "iotlb_miss")) {
			c = json_object_get(cache, name);
			if (!c) {
				c = ib_lab_counters(name);
				json_object_set_new(cache, name, c ? c : json_object());
				c = json_object_get(cache, name);
			}
			if (!json_is_object(json_object_get(r, "counters")))
				json_object_set_new(r, "counters", json_object());
			json_object_update(json_object_get(r, "counters"), c);
		}
		json_array_append_new(rows, r);
	}
	json_object_set_new(tmp, "results", rows);
	return tmp;
}

/* The point called name: the job's, or one added. */
static const struct ib_point *point_named(const struct ib_plan *plan, int first, int last,
					  const struct ib_point *added, int nadded,
					  const char *name)
{
	int i;

	for (i = first; name && i <= last; i++)
		if (!strcmp(plan->pts[i].name, name))
			return &plan->pts[i];
	for (i = 0; name && i < nadded; i++)
		if (!strcmp(added[i].name, name))
			return &added[i];
	return NULL;
}

/* bytes as the window's text: "<n>m", "<n>k" or "<n>" */
static void window_text(double w, char *buf, size_t len)
{
	unsigned long long b = (unsigned long long)w;

	if (b % (1ULL << 20) == 0)
		snprintf(buf, len, "%llum", b >> 20);
	else if (b % 1024 == 0)
		snprintf(buf, len, "%lluk", b >> 10);
	else
		snprintf(buf, len, "%llu", b);
}

/*
 * tpl at window text w: its name's "window:<v>" component rewritten (the
 * name is built, not read for parameters).  0, or -1 when the window is
 * refused or tpl's name has no window component.
 */
static int point_at(const struct ib_point *tpl, const char *w, struct ib_point *np)
{
	char want[IB_VAL_LEN + 16], err[256];
	const char *at = tpl->name, *end;
	size_t wl;

	snprintf(want, sizeof(want), "window:%s", tpl->p.raw[IB_O_WINDOW]);
	wl = strlen(want);
	while ((at = strstr(at, want)) && !((at == tpl->name || at[-1] == '/') &&
					    (at[wl] == '/' || !at[wl])))
		at++;
	if (!at)
		return -1;
	*np = *tpl;
	if (ib_opt_set(&np->p, IB_O_WINDOW, w, err, sizeof(err)) ||
	    ib_params_validate(&np->p, err, sizeof(err)))
		return -1;
	end = at + wl;
	if ((size_t)snprintf(np->name, sizeof(np->name), "%.*swindow:%s%s", (int)(at - tpl->name),
			     tpl->name, w, end) >= sizeof(np->name))
		return -1;
	np->refined = true;
	return 0;
}

/* One added point measured, its row appended, the console told. */
static void run_added(struct refine_ctx *rc, const struct ib_point *pt, int k)
{
	json_t *row = json_object();
	char brief[1024];
	int r = ib_point_run(pt, rc->topo, rc->ctr, row, brief, sizeof(brief));

	ib_sysinfo_add_device(json_object_get(rc->doc, "context"), row);
	json_array_append_new(json_object_get(rc->doc, "results"), row);
	rc->nok += r == IB_POINT_OK;
	rc->nskip += r == IB_POINT_SKIPPED;
	rc->nres += r == IB_POINT_SKIPPED_RESOURCE;
	rc->nerr += r == IB_POINT_ERROR;
	ib_console_brief(json_object_get(rc->doc, "context"), row, brief, sizeof(brief));
	printf("[refine %d/%d] %s: %s%s%s\n", k, REFINE_BUDGET, pt->name,
	       str_of(row, "status") ?: "?", brief[0] ? ": " : "", brief);
	fflush(stdout);
}

/*
 * The next window of one reach row of the job's derive (tmp's row r): 0
 * when its bracket is narrow enough or cannot narrow, else the window in
 * bytes, its text in w.
 */
static double next_window(json_t *r, char *w, size_t wlen)
{
	json_t *p = json_object_get(r, "params");
	double k = json_number_value(json_object_get(p, "knee_window"));
	double b = json_number_value(json_object_get(p, "window_below_knee"));
	double pg = json_number_value(json_object_get(p, "iotlb_page_bytes")), m;

	if (pg <= 0 || b <= 0 || k <= REFINE_TARGET * b ||
	    !json_is_true(json_object_get(p, "knee_sharp")))
		return 0; /* narrow enough, or a ramp bisection cannot narrow */
	m = round(sqrt(b * k) / pg) * pg;
	if (m <= b)
		m = b + pg;
	if (m >= k)
		return 0; /* a page apart: the bracket is exact */
	window_text(m, w, wlen);
	return m;
}

int run_refine_job(struct refine_ctx *rc, int first, int last, size_t row0)
{
	struct ib_point added[REFINE_BUDGET * 2];
	json_t *cache = json_object();
	int nadded = 0, k = 0;
	char err[512];

	while (k < REFINE_BUDGET && !ib_interrupted) {
		json_t *tmp = job_doc(rc->doc, row0, cache), *r;
		bool more = false;
		size_t i;

		if (ib_derive_iotlb_reach(tmp, err, sizeof(err)) <= 0) {
			json_decref(tmp);
			break;
		}
		json_array_foreach(json_object_get(tmp, "results"), i, r) {
			const char *rt = str_of(r, "run_type"), *st = str_of(r, "status");
			const struct ib_point *tpl, *base;
			struct ib_point np;
			char w[32];

			if (!rt || strcmp(rt, "derived") || !st || strcmp(st, "ok") ||
			    k >= REFINE_BUDGET || nadded + 2 > (int)(sizeof(added) / sizeof(added[0])) ||
			    !next_window(r, w, sizeof(w)))
				continue;
			tpl = point_named(rc->plan, first, last, added, nadded,
					  str_of(json_object_get(r, "params"), "knee_row"));
			if (!tpl || point_at(tpl, w, &np))
				continue;
			base = point_named(rc->plan, first, last, added, nadded,
					   str_of(json_object_get(r, "params"), "baseline_knee_row"));
			added[nadded++] = np;
			run_added(rc, &np, ++k);
			if (base && !point_at(base, w, &np)) {
				added[nadded++] = np;
				run_added(rc, &np, k);
			}
			more = true;
		}
		json_decref(tmp);
		if (!more)
			break;
	}
	json_decref(cache);
	return nadded;
}
