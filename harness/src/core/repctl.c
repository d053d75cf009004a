// SPDX-License-Identifier: GPL-2.0
/*
 * The repetition controller (ib_repctl.h): warm-up, adaptive repetitions
 * until the CI of the median converges, min/max reps, max_time, interrupt.
 * Moved out of run.c unchanged, so the timed path behaves as before.
 */
#include <stdlib.h>
#include <string.h>

#include "ib_repctl.h"
#include "ib_run.h"
#include "ib_stats.h"

void ib_repctl_init(struct ib_repctl *c, const struct ib_params *p)
{
	memset(c, 0, sizeof(*c));
	c->warmup = p->u[IB_O_WARMUP];
	c->min_reps = p->u[IB_O_MIN_REPS];
	c->max_reps = p->u[IB_O_MAX_REPS];
	c->max_time_ns = p->u[IB_O_MAX_TIME];
	c->target_ci = p->d[IB_O_TARGET_CI] / 100.0;
	c->now = ib_now_ns;
	c->interrupted = &ib_interrupted;
	c->stop = IB_REPCTL_ERROR;
}

/* Appends v to a per-repetition array (at most max_reps + 1 entries). */
static int push_rep(double **a, size_t *n, double v)
{
	double *na = realloc(*a, (*n + 1) * sizeof(**a));

	if (!na)
		return -1;
	*a = na;
	na[(*n)++] = v;
	return 0;
}

static int add(struct ib_repctl *c, struct ib_rep *r)
{
	struct ib_summary s;
	int i;

	for (i = 0; i < IB_M_MAX; i++)
		if (ib_metric_merge(&c->m[i], &r->m[i]))
			return -1;
	for (i = 0; c->per_buffer && i < IB_M_MAX; i++)
		if (!ib_metric_summary(&r->m[i], &s) &&
		    push_rep(&c->rep_median[i], &c->nrep_median[i], s.median))
			return -1;
	if (r->have_facts && r->phys_pieces &&
	    push_rep(&c->pieces, &c->npieces, r->phys_pieces))
		return -1;
	if (r->bytes_moved && r->elapsed_ns &&
	    ib_metric_push(&c->bw, (double)r->bytes_moved * 1e9 / (double)r->elapsed_ns))
		return -1;
	if (r->ios && r->elapsed_ns &&
	    ib_metric_push(&c->iops, (double)r->ios * 1e9 / (double)r->elapsed_ns))
		return -1;
	c->reps++;
	return 0;
}

int ib_repctl_primary(const struct ib_repctl *c)
{
	static const int order[] = { IB_M_DMA_LATENCY, IB_M_MAP, IB_M_UNMAP,
				     IB_M_OVERHEAD, IB_M_PIN, IB_M_REGISTER };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (c->m[order[i]].n || c->m[order[i]].h_count)
			return order[i];
	return -1;
}

int ib_repctl_between(const struct ib_repctl *c, int k, struct ib_summary *s)
{
	if (!c->per_buffer || k < 0 || k >= IB_M_MAX || !c->nrep_median[k])
		return -1;
	return ib_stats_from_samples(c->rep_median[k], c->nrep_median[k], s);
}

/* Every reported figure must be tight, bandwidth too. */
static bool converged(struct ib_repctl *c)
{
	struct ib_summary s, sb;
	int pm = ib_repctl_primary(c);

	if (c->reps < c->min_reps || pm < 0)
		return false;
	return !(c->per_buffer ? ib_repctl_between(c, pm, &s) :
				 ib_metric_summary(&c->m[pm], &s)) &&
	       ib_ci_converged(&s, c->target_ci) &&
	       (!c->bw.n ||
		(!ib_metric_summary(&c->bw, &sb) && ib_ci_converged(&sb, c->target_ci)));
}

int ib_repctl_run(struct ib_repctl *c, ib_repctl_fn fn, void *arg,
		  struct ib_rep *rep, char *why, size_t whylen)
{
	uint64_t t0, i;
	int erc = IB_EXIT_OK;

	for (i = 0; i < c->warmup && !*c->interrupted; i++) {
		ib_rep_reset(rep);
		erc = fn(arg, rep, why, whylen);
		if (erc)
			return erc;
	}
	if (*c->interrupted) {
		c->stop = IB_REPCTL_INTERRUPTED;
		return IB_EXIT_OK;
	}
	t0 = c->now();
	for (;;) {
		ib_rep_reset(rep);
		erc = fn(arg, rep, why, whylen);
		if (erc)
			return erc;
		/* engines may stop a repetition early on the signal: never
		 * count a cut one */
		if (*c->interrupted) {
			c->stop = IB_REPCTL_INTERRUPTED;
			break;
		}
		if (add(c, rep)) {
			snprintf(why, whylen, "out of memory for samples");
			return IB_EXIT_FAILED;
		}
		if (rep->have_facts) {
			c->have_facts = true;
			c->facts = *rep;
			memset(c->facts.m, 0, sizeof(c->facts.m)); /* rep owns them */
		}
		if (converged(c)) {
			c->converged = true;
			c->stop = IB_REPCTL_CONVERGED;
			break;
		}
		if (c->reps >= c->max_reps) {
			c->stop = IB_REPCTL_MAX_REPS;
			break;
		}
		if (c->now() - t0 >= c->max_time_ns) {
			c->stop = IB_REPCTL_MAX_TIME;
			break;
		}
		if (*c->interrupted) {
			c->stop = IB_REPCTL_INTERRUPTED;
			break;
		}
	}
	return IB_EXIT_OK;
}

void ib_repctl_free(struct ib_repctl *c)
{
	int i;

	for (i = 0; i < IB_M_MAX; i++) {
		ib_metric_free(&c->m[i]);
		free(c->rep_median[i]);
		c->rep_median[i] = NULL;
		c->nrep_median[i] = 0;
	}
	ib_metric_free(&c->bw);
	ib_metric_free(&c->iops);
	free(c->pieces);
	c->pieces = NULL;
	c->npieces = 0;
}
