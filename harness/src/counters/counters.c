// SPDX-License-Identifier: GPL-2.0
/*
 * Counter session: opens every available source (PAPI, perf IOMMU PMUs,
 * tracefs) and fans start/stop out to them.  A source that cannot run here
 * leaves its reasons in counters_unavailable and is simply not used; the
 * session never fails (ib_counters.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters_sources.h"
#include "ib_counters.h"

static const struct ib_counter_source *const sources[] = {
	&ib_counters_papi,
	&ib_counters_perf,
	&ib_counters_tracefs,
};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

struct ib_counters {
	void *priv[NSOURCES];
};

void ib_counter_set_add(struct ib_counter_set *set, const char *name,
			const char *source, uint64_t value)
{
	int i;

	/* same name and source again (e.g. two PMUs summed): accumulate */
	for (i = 0; i < set->n; i++)
		if (!strcmp(set->c[i].name, name) &&
		    !strcmp(set->c[i].source, source)) {
			set->c[i].value += value;
			return;
		}
	if (set->n >= IB_COUNTERS_MAX)
		return;
	snprintf(set->c[set->n].name, sizeof(set->c[0].name), "%s", name);
	snprintf(set->c[set->n].source, sizeof(set->c[0].source), "%s", source);
	set->c[set->n++].value = value;
}

void ib_unavail_add(struct ib_counter_unavail_list *l, const char *name,
		    const char *fmt, ...)
{
	va_list ap;

	if (!l || l->n >= IB_COUNTERS_MAX)
		return;
	snprintf(l->u[l->n].name, sizeof(l->u[0].name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(l->u[l->n].reason, sizeof(l->u[0].reason), fmt, ap);
	va_end(ap);
	l->n++;
}

struct ib_counters *ib_counters_open(const struct ib_counters_cfg *cfg,
				     struct ib_counter_unavail_list *unavail)
{
	static const struct ib_counters_cfg defaults = { .tracefs = 1 };
	struct ib_counters *ctr = calloc(1, sizeof(*ctr));
	size_t i;

	if (!ctr) {
		ib_unavail_add(unavail, "counters", "out of memory");
		return NULL;
	}
	if (!cfg)
		cfg = &defaults;
	for (i = 0; i < NSOURCES; i++)
		ctr->priv[i] = sources[i]->open(cfg, unavail);
	return ctr;
}

int ib_counters_start(struct ib_counters *ctr)
{
	size_t i;
	int ret = 0;

	if (!ctr)
		return 0;
	for (i = 0; i < NSOURCES; i++)
		if (ctr->priv[i] && sources[i]->start(ctr->priv[i]))
			ret = -1;
	return ret;
}

int ib_counters_stop(struct ib_counters *ctr, struct ib_counter_set *out)
{
	size_t i;
	int ret = 0;

	if (!ctr)
		return 0;
	for (i = 0; i < NSOURCES; i++)
		if (ctr->priv[i] && sources[i]->stop(ctr->priv[i], out))
			ret = -1;
	return ret;
}

void ib_counters_close(struct ib_counters *ctr)
{
	size_t i;

	if (!ctr)
		return;
	for (i = 0; i < NSOURCES; i++)
		if (ctr->priv[i])
			sources[i]->close(ctr->priv[i]);
	free(ctr);
}
