// SPDX-License-Identifier: GPL-2.0
/*
 * PAPI counters (CPU side) around each measured point: events from the
 * suite's papi_events ("none" disables PAPI), default PAPI_TOT_CYC ->
 * cpu_cycles and PAPI_TLB_DM -> dtlb_misses.  Each event PAPI cannot count here (no PMU in
 * a VM, no such preset) goes to counters_unavailable as "papi:<event>" with
 * PAPI's own reason string.  The event set counts the thread that calls
 * ib_counters_start/stop (user and kernel when permitted); other worker
 * threads and the module's kernel threads are not included.
 */
#include <ctype.h>
#include <papi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters_sources.h"

#define PAPI_MAX_EV 16

struct papi_src {
	int evset;
	int n;
	char common[PAPI_MAX_EV][IB_COUNTER_NAME_LEN];
	char source[PAPI_MAX_EV][IB_COUNTER_SOURCE_LEN];
};

static const struct {
	const char *papi, *common;
} papi_names[] = {
	{ "PAPI_TOT_CYC", "cpu_cycles" },
	{ "PAPI_TLB_DM", "dtlb_misses" },
};

static void common_name(const char *ev, char *out, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(papi_names) / sizeof(papi_names[0]); i++)
		if (!strcmp(ev, papi_names[i].papi)) {
			snprintf(out, len, "%s", papi_names[i].common);
			return;
		}
	/* not in the common schema: keep PAPI's name, lower-cased */
	for (i = 0; ev[i] && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)ev[i]);
	out[i] = 0;
}

static void unavail_all(const char *events, struct ib_counter_unavail_list *u,
			const char *reason)
{
	char *list = strdup(events), *save = NULL, *tok, name[IB_COUNTER_SOURCE_LEN];

	if (!list)
		return;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		snprintf(name, sizeof(name), "papi:%s", tok);
		ib_unavail_add(u, name, "%s", reason);
	}
	free(list);
}

static void *papi_open(const struct ib_counters_cfg *cfg,
		       struct ib_counter_unavail_list *u)
{
	const char *events = cfg->papi_events && *cfg->papi_events ?
				     cfg->papi_events : "PAPI_TOT_CYC,PAPI_TLB_DM";
	struct papi_src *p = NULL;
	char *list = NULL, *save = NULL, *tok, name[IB_COUNTER_SOURCE_LEN];
	int ret, code;

	if (!strcmp(events, "none"))
		return NULL;
	if (!PAPI_is_initialized()) {
		ret = PAPI_library_init(PAPI_VER_CURRENT);
		if (ret != PAPI_VER_CURRENT) {
			unavail_all(events, u, ret < 0 ? PAPI_strerror(ret) :
					       "PAPI library version mismatch");
			return NULL;
		}
	}
	p = calloc(1, sizeof(*p));
	list = strdup(events);
	if (!p || !list) {
		unavail_all(events, u, "out of memory");
		goto fail;
	}
	/* the default domain applies to event sets created afterwards:
	 * user + kernel when perf_event_paranoid allows, else PAPI keeps user */
	PAPI_set_domain(PAPI_DOM_ALL);
	p->evset = PAPI_NULL;
	ret = PAPI_create_eventset(&p->evset);
	if (ret != PAPI_OK) {
		unavail_all(events, u, PAPI_strerror(ret));
		goto fail;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		snprintf(name, sizeof(name), "papi:%s", tok);
		if (p->n >= PAPI_MAX_EV) {
			ib_unavail_add(u, name, "more than %d PAPI events", PAPI_MAX_EV);
			continue;
		}
		ret = PAPI_event_name_to_code(tok, &code);
		if (ret == PAPI_OK)
			ret = PAPI_add_event(p->evset, code);
		if (ret == PAPI_ECMP_DISABLED) {
			/* say why: e.g. "perf_event: ... perf_event_paranoid" or no PMU */
			const PAPI_component_info_t *ci =
				PAPI_get_component_info(PAPI_get_event_component(code));
			int before = u->n;

			ib_unavail_add(u, name, "%s%s%s%s", PAPI_strerror(ret),
				       ci ? " (" : "", ci ? ci->name : "",
				       ci ? ")" : "");
			if (u->n > before && ci && ci->disabled_reason[0])
				snprintf(u->u[u->n - 1].reason + strlen(u->u[u->n - 1].reason),
					 sizeof(u->u[0].reason) - strlen(u->u[u->n - 1].reason),
					 ": %s", ci->disabled_reason);
			continue;
		}
		if (ret != PAPI_OK) {
			ib_unavail_add(u, name, "%s", PAPI_strerror(ret));
			continue;
		}
		common_name(tok, p->common[p->n], sizeof(p->common[0]));
		snprintf(p->source[p->n], sizeof(p->source[0]), "%s", name);
		p->n++;
	}
	if (!p->n) {
		PAPI_destroy_eventset(&p->evset);
		goto fail;
	}
	free(list);
	return p;
fail:
	free(list);
	free(p);
	return NULL;
}

static int papi_start(void *priv)
{
	struct papi_src *p = priv;

	return PAPI_start(p->evset) == PAPI_OK ? 0 : -1;
}

static int papi_stop(void *priv, struct ib_counter_set *out)
{
	struct papi_src *p = priv;
	long long v[PAPI_MAX_EV];
	int i;

	if (PAPI_stop(p->evset, v) != PAPI_OK)
		return -1;
	for (i = 0; i < p->n; i++)
		ib_counter_set_add(out, p->common[i], p->source[i],
				   v[i] < 0 ? 0 : (uint64_t)v[i]);
	return 0;
}

static void papi_close(void *priv)
{
	struct papi_src *p = priv;

	PAPI_cleanup_eventset(p->evset);
	PAPI_destroy_eventset(&p->evset);
	free(p);
}

const struct ib_counter_source ib_counters_papi = {
	.name = "papi",
	.open = papi_open,
	.start = papi_start,
	.stop = papi_stop,
	.close = papi_close,
};
