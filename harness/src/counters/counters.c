// SPDX-License-Identifier: GPL-2.0
/*
 * Counter session: opens every available source (PAPI, perf IOMMU PMUs,
 * tracefs) and fans start/stop out to them, to all or to a set: the timing
 * pass starts only the sources that cost the timed path nothing, a
 * counting pass the others (ib_counters_plan, --counters=).  A source that cannot run here
 * leaves its reasons in counters_unavailable and is simply not used; the
 * session never fails (ib_counters.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

const char *const ib_counters_mode_names[IB_CTRS_MODES] = {
	[IB_CTRS_AUTO] = "auto",
	[IB_CTRS_SEPARATE] = "separate",
	[IB_CTRS_INLINE] = "inline",
	[IB_CTRS_NONE] = "none",
};

const char *ib_counters_source_list(void)
{
	return "papi, perf or tracefs";
}

static int source_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NSOURCES; i++)
		if (strlen(sources[i]->name) == len &&
		    !strncmp(sources[i]->name, name, len))
			return (int)i;
	return -1;
}

/* Whether source i is named in the comma list s (NULL/"" = all). */
static bool source_wanted(const char *s, size_t i)
{
	const char *p = s;

	if (!s || !s[0])
		return true;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (source_index(p, n) == (int)i)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

int ib_counters_sources_check(const char *s, char *bad, size_t badlen)
{
	const char *p = s;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		if (source_index(p, n) < 0) {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

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
		if (source_wanted(cfg->sources, i))
			ctr->priv[i] = sources[i]->open(cfg, unavail);
	return ctr;
}

struct ib_counters_split ib_counters_plan(const struct ib_counters *ctr,
					  enum ib_counters_mode mode,
					  bool times_maps)
{
	struct ib_counters_split sp = { 0, 0 };
	size_t i;

	for (i = 0; ctr && i < NSOURCES; i++) {
		unsigned int bit = 1U << i;
		bool costly = times_maps && (sources[i]->costs & IB_CTR_COSTS_MAPS);

		if (!ctr->priv[i])
			continue;
		switch (mode) {
		case IB_CTRS_AUTO:
			if (costly)
				sp.counting |= bit;
			else
				sp.timing |= bit;
			break;
		case IB_CTRS_SEPARATE:
			sp.counting |= bit;
			break;
		case IB_CTRS_INLINE:
			sp.timing |= bit;
			break;
		default:
			break;
		}
	}
	return sp;
}

int ib_counters_start_set(struct ib_counters *ctr, unsigned int mask)
{
	size_t i;
	int ret = 0;

	for (i = 0; ctr && i < NSOURCES; i++)
		if (ctr->priv[i] && (mask & (1U << i)) &&
		    sources[i]->start(ctr->priv[i]))
			ret = -1;
	return ret;
}

int ib_counters_stop_set(struct ib_counters *ctr, unsigned int mask,
			 struct ib_counter_set *out)
{
	size_t i;
	int ret = 0;

	for (i = 0; ctr && i < NSOURCES; i++)
		if (ctr->priv[i] && (mask & (1U << i)) &&
		    sources[i]->stop(ctr->priv[i], out))
			ret = -1;
	return ret;
}

void ib_counters_names_json(const struct ib_counters *ctr, unsigned int mask,
			    json_t *arr)
{
	size_t i;

	for (i = 0; ctr && i < NSOURCES; i++)
		if (ctr->priv[i] && (mask & (1U << i)))
			json_array_append_new(arr, json_string(sources[i]->name));
}

int ib_counters_start(struct ib_counters *ctr)
{
	return ib_counters_start_set(ctr, ~0U);
}

int ib_counters_stop(struct ib_counters *ctr, struct ib_counter_set *out)
{
	return ib_counters_stop_set(ctr, ~0U, out);
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
