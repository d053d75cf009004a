// SPDX-License-Identifier: GPL-2.0
/*
 * The repetition controller (ib_repctl.h): warm-up, adaptive repetitions
 * until the CI of the median converges, min/max reps, max_time, interrupt.
 * Moved out of run.c unchanged, so the timed path behaves as before.
 */
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

static int add(struct ib_repctl *c, const struct ib_rep *r)
{
	int i;

	for (i = 0; i < IB_M_MAX; i++)
		if (ib_metric_merge(&c->m[i], &r->m[i]))
			return -1;
	if (r->bytes_moved && r->elapsed_ns &&
	    ib_metric_push(&c->bw, (double)r->bytes_moved * 1e9 / (double)r->elapsed_ns))
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

/* Every reported figure must be tight, bandwidth too. */
static bool converged(struct ib_repctl *c)
{
	struct ib_summary s, sb;
	int pm = ib_repctl_primary(c);

	if (c->reps < c->min_reps || pm < 0)
		return false;
	return !ib_metric_summary(&c->m[pm], &s) &&
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

	for (i = 0; i < IB_M_MAX; i++)
		ib_metric_free(&c->m[i]);
	ib_metric_free(&c->bw);
}
