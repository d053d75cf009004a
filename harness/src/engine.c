// SPDX-License-Identifier: GPL-2.0
/*
 * The engine registry (one line per engine) and the helpers engines share
 * for raw samples.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ib_engine.h"
#include "iommubench.h"

extern const struct ib_engine ib_engine_null;
extern const struct ib_engine ib_engine_cpu;
extern const struct ib_engine ib_engine_map;
extern const struct ib_engine ib_engine_edu;
extern const struct ib_engine ib_engine_dmaengine;
extern const struct ib_engine ib_engine_cuda;

static const struct ib_engine *const registry[] = {
	&ib_engine_map,
	&ib_engine_edu,
	&ib_engine_dmaengine,
	&ib_engine_cuda,
	&ib_engine_cpu,
	&ib_engine_null,
	NULL,
};

const char *const ib_metric_names[IB_M_MAX] = {
	[IB_M_MAP] = "map_ns",
	[IB_M_UNMAP] = "unmap_ns",
	[IB_M_DMA_LATENCY] = "dma_latency_ns",
	[IB_M_PIN] = "pin_ns",
	[IB_M_REGISTER] = "register_ns",
	[IB_M_OVERHEAD] = "overhead_ns",
};

const struct ib_engine *const *ib_engines(void)
{
	return registry;
}

const struct ib_engine *ib_engine_find(const char *name)
{
	int i;

	for (i = 0; registry[i]; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int ib_metric_push(struct ib_metric_data *m, double v)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		double *n = realloc(m->v, cap * sizeof(*n));

		if (!n)
			return -1;
		m->v = n;
		m->cap = cap;
	}
	m->v[m->n++] = v;
	return 0;
}

void ib_rep_reset(struct ib_rep *rep)
{
	int i;

	for (i = 0; i < IB_M_MAX; i++) {
		struct ib_metric_data *m = &rep->m[i];
		double *v = m->v;
		uint64_t *h = m->hist;
		size_t cap = m->cap;

		memset(m, 0, sizeof(*m));
		m->v = v;
		m->cap = cap;
		m->hist = h;
		if (h)
			memset(h, 0, IOMMUBENCH_HIST_BUCKETS * sizeof(*h));
	}
	{
		struct ib_metric_data keep[IB_M_MAX];

		memcpy(keep, rep->m, sizeof(keep));
		memset(rep, 0, sizeof(*rep));
		memcpy(rep->m, keep, sizeof(keep));
	}
}

void ib_rep_free(struct ib_rep *rep)
{
	int i;

	for (i = 0; i < IB_M_MAX; i++) {
		free(rep->m[i].v);
		free(rep->m[i].hist);
	}
	memset(rep, 0, sizeof(*rep));
}

uint64_t ib_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
