// SPDX-License-Identifier: GPL-2.0
/*
 * The engine registry (one line per engine), the descriptor queries that
 * options, plan, derive, info and help use instead of engine names, and
 * the helpers engines share for raw samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ib_engine.h"
#include "ib_rowschema.h"
#include "ib_stats.h"
#include "iommubench.h"

/* The registry: one line per engine, in `help` and `engine=` order. */
#define IB_ENGINE_LIST(X) \
	X(map)            \
	X(edu)            \
	X(dmaengine)      \
	X(cuda)           \
	X(cpu)            \
	X(nvme)           \
	X(vfio)           \
	X(net)            \
	X(null)

#define IB_ENGINE_DECL(n) extern const struct ib_engine ib_engine_##n;
#define IB_ENGINE_ENTRY(n) &ib_engine_##n,
IB_ENGINE_LIST(IB_ENGINE_DECL)

static const struct ib_engine *const registry[] = {
	IB_ENGINE_LIST(IB_ENGINE_ENTRY) NULL,
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

	for (i = 0; name && registry[i]; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

const struct ib_engine *ib_engine_of(const struct ib_params *p)
{
	return ib_engine_find(p->raw[IB_O_ENGINE]);
}

bool ib_engine_takes(const struct ib_engine *e, int id)
{
	size_t i;

	if (id < 0 || id >= IB_O_MAX)
		return false;
	if (ib_options[id].flags & IB_OPT_F_RUNNER)
		return true;
	for (i = 0; i < e->nopts; i++)
		if ((int)e->opts[i].id == id)
			return true;
	return false;
}

void ib_engine_option(const struct ib_engine_opt *eo, struct ib_option *out)
{
	*out = ib_options[eo->id];
	if (eo->min > out->min)
		out->min = eo->min;
	if (eo->max && eo->max < out->max)
		out->max = eo->max;
	if (eo->allowed)
		out->allowed = eo->allowed;
}

void ib_engine_print_params(FILE *f, const struct ib_engine *e)
{
	struct ib_option o;
	size_t i;
	int id;

	for (id = 0; id < IB_O_MAX; id++)
		for (i = 0; i < e->nopts; i++)
			if ((int)e->opts[i].id == id) {
				ib_engine_option(&e->opts[i], &o);
				ib_option_print(f, id, &o);
				break;
			}
}

/* Whether value is one item of the comma list. */
static bool in_list(const char *list, const char *value)
{
	size_t n = strlen(value);
	const char *p = list;

	while (p) {
		if (!strncmp(p, value, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

int ib_engine_check(const struct ib_engine *e, const struct ib_params *p,
		    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < e->nopts; i++) {
		const struct ib_engine_opt *eo = &e->opts[i];
		const char *name = ib_options[eo->id].name, *val = p->raw[eo->id];
		const char *unit = ib_options[eo->id].type == IB_OPT_DURATION ? "ns" : "";
		uint64_t u = p->u[eo->id];

		if (eo->allowed && !in_list(eo->allowed, val)) {
			char tmp[256], *t, *save = NULL, *items[16];
			size_t off;
			int n = 0, k;

			snprintf(tmp, sizeof(tmp), "%s", eo->allowed);
			for (t = strtok_r(tmp, ",", &save); t && n < 16;
			     t = strtok_r(NULL, ",", &save))
				items[n++] = t;
			off = (size_t)snprintf(err, errlen, "%s=%s: engine %s takes ",
					       name, val, e->name);
			for (k = 0; k < n && off < errlen; k++)
				off += (size_t)snprintf(err + off, errlen - off, "%s%s",
							k == 0 ? "" : k == n - 1 ? " or " : ", ",
							items[k]);
			return -1;
		}
		if (eo->max && u > eo->max) {
			snprintf(err, errlen, "%s=%s: engine %s takes at most %llu%s", name,
				 val, e->name, (unsigned long long)eo->max, unit);
			return -1;
		}
		if (eo->min && u < eo->min) {
			snprintf(err, errlen, "%s=%s: engine %s takes at least %llu%s", name,
				 val, e->name, (unsigned long long)eo->min, unit);
			return -1;
		}
	}
	return 0;
}

void ib_engine_opts_load(const struct ib_engine *e, const struct ib_params *p,
			 void *opts)
{
	size_t i;

	memset(opts, 0, e->opts_size);
	for (i = 0; i < e->nopts; i++) {
		const struct ib_engine_opt *o = &e->opts[i];
		uint64_t v = p->u[o->id];
		char *at = (char *)opts + o->off;

		switch (o->size) {
		case 1: {
			uint8_t x = (uint8_t)v;

			memcpy(at, &x, 1);
			break;
		}
		case 2: {
			uint16_t x = (uint16_t)v;

			memcpy(at, &x, 2);
			break;
		}
		case 4: {
			uint32_t x = (uint32_t)v;

			memcpy(at, &x, 4);
			break;
		}
		case 8:
			memcpy(at, &v, 8);
			break;
		default: /* 0: taken, used by the runner or planner, no field */
			break;
		}
	}
}

void ib_engine_metric_names(unsigned int mask, char *buf, size_t len)
{
	size_t off = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k <= IB_M_MAX && off < len; k++) {
		unsigned int bit = k < IB_M_MAX ? IB_MB(k) : IB_MB_BANDWIDTH;

		if (mask & bit)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? ", " : "",
						k < IB_M_MAX ? ib_metric_names[k] :
							       "bandwidth_bytes_per_s");
	}
	if ((mask & IB_MB_IOPS) && off < len)
		snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
			 (mask & IB_MB_PPS) ? "pps" : "iops");
}

unsigned int ib_metrics_present(const struct ib_metric_data *m,
				const struct ib_metric_data *bw)
{
	unsigned int mask = 0;
	int k;

	for (k = 0; k < IB_M_MAX; k++)
		if (m[k].n || m[k].h_count)
			mask |= IB_MB(k);
	if (bw && (bw->n || bw->h_count))
		mask |= IB_MB_BANDWIDTH;
	return mask;
}

void ib_engines_with(unsigned int flags, char *buf, size_t len)
{
	const struct ib_engine *m[16];
	size_t off = 0;
	int i, n = 0;

	for (i = 0; registry[i] && n < 16; i++)
		if ((registry[i]->flags & flags) == flags)
			m[n++] = registry[i];
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i == 0 ? "" : i == n - 1 ? " or " : ", ",
					m[i]->name);
}

/* Counts, sum and range of values added to m's histogram (allocated on
 * first use); the caller fills the buckets. */
static int hist_add(struct ib_metric_data *m, uint64_t count, uint64_t sum,
		    uint64_t min, uint64_t max)
{
	if (!m->hist) {
		m->hist = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*m->hist));
		if (!m->hist)
			return -1;
	}
	if (!m->h_count || min < m->h_min)
		m->h_min = min;
	if (!m->h_count || max > m->h_max)
		m->h_max = max;
	m->h_count += count;
	m->h_sum += sum;
	return 0;
}

/* One sample into the histogram (negative or NaN counts as 0 ns). */
static int fold(struct ib_metric_data *m, double x)
{
	uint64_t v = x > 0 ? (uint64_t)x : 0;

	if (hist_add(m, 1, v, v, v))
		return -1;
	m->hist[ib_hist_bucket(v)]++;
	return 0;
}

int ib_metric_push(struct ib_metric_data *m, double v)
{
	size_t limit = m->limit ? m->limit : IB_SAMPLES_MAX;

	if (m->n >= limit)
		return fold(m, v);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		double *n;

		if (cap > limit)
			cap = limit;
		n = realloc(m->v, cap * sizeof(*n));
		if (!n)
			return -1;
		m->v = n;
		m->cap = cap;
	}
	m->v[m->n++] = v;
	return 0;
}

int ib_metric_merge(struct ib_metric_data *dst, const struct ib_metric_data *src)
{
	size_t k;

	for (k = 0; k < src->n; k++)
		if (ib_metric_push(dst, src->v[k]))
			return -1;
	if (src->hist && src->h_count) {
		if (hist_add(dst, src->h_count, src->h_sum, src->h_min, src->h_max))
			return -1;
		ib_hist_merge(dst->hist, src->hist);
	}
	return 0;
}

bool ib_metric_exact(const struct ib_metric_data *m)
{
	return !m->h_count;
}

int ib_metric_summary(struct ib_metric_data *m, struct ib_summary *s)
{
	size_t k;

	if (!m->h_count)
		return m->n ? ib_stats_from_samples(m->v, m->n, s) : -1;
	for (k = 0; k < m->n; k++)
		if (fold(m, m->v[k]))
			return -1;
	m->n = 0;
	return ib_stats_from_hist(m->hist, m->h_count, m->h_sum, m->h_min,
				  m->h_max, s);
}

void ib_metric_free(struct ib_metric_data *m)
{
	free(m->v);
	free(m->hist);
	memset(m, 0, sizeof(*m));
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
int ib_params_validate(const struct ib_params *p, char *err, size_t errlen)
{
	const struct ib_engine *e;

	if (ib_params_check_fields(p, err, errlen))
		return -1;
	e = ib_engine_of(p);
	if (!e) { /* ib_opt_set checked the name against the registry */
		snprintf(err, errlen, "engine=%s: unknown engine", p->raw[IB_O_ENGINE]);
		return -1;
	}
	if (p->u[IB_O_OP] == IOMMUBENCH_OP_ISOLATION && !(e->flags & IB_ENG_ISOLATION)) {
		char names[128];

		ib_engines_with(IB_ENG_ISOLATION, names, sizeof(names));
		snprintf(err, errlen, "op=isolation: engine=%s: expected engine %s",
			 p->raw[IB_O_ENGINE], names);
		return -1;
	}
	if (ib_device_index(p->raw[IB_O_DEVICE], NULL) && !(e->flags & IB_ENG_DEVICE_INDEX)) {
		snprintf(err, errlen,
			 "device=%s: engine %s expects a PCI address such as 0000:00:03.0, or auto",
			 p->raw[IB_O_DEVICE], e->name);
		return -1;
	}
	if (ib_device_path(p->raw[IB_O_DEVICE]) != !!(e->flags & IB_ENG_DEVICE_PATH) &&
	    (e->flags & IB_ENG_DEVICE_PATH || ib_device_path(p->raw[IB_O_DEVICE]))) {
		snprintf(err, errlen, (e->flags & IB_ENG_DEVICE_PATH) ?
			 "device=%s: engine %s expects a block device such as /dev/nvme0n1" :
			 "device=%s: engine %s expects a PCI address such as 0000:00:03.0, or auto",
			 p->raw[IB_O_DEVICE], e->name);
		return -1;
	}
	if (ib_engine_check(e, p, err, errlen))
		return -1;
	if (e->validate)
		return e->validate(p, err, errlen);
	return 0;
}


/* The engines' own parameters (struct ib_engine_opt .param) into the
 * engine-parameter slots of the option table, and their row-schema fields
 * (.field) into the row schema's, in registry order. */
static void engine_params_register(const struct ib_engine *const *e)
{
	struct ib_row_field plain;
	size_t k;
	int i, id;

	for (i = 0; e[i]; i++)
		for (k = 0; k < e[i]->nopts; k++) {
			/* the entry is not const (ib_engine.h) */
			struct ib_engine_opt *eo = (struct ib_engine_opt *)&e[i]->opts[k];

			if (!eo->param)
				continue;
			id = ib_opt_register(eo->param);
			if (id < 0) {
				fprintf(stderr, "iommubench: engine %s: parameter %s: "
						"more than %d engine parameters (IB_O_EPARAM_SLOTS)\n",
					e[i]->name, eo->param->name, IB_O_EPARAM_SLOTS);
				abort();
			}
			eo->id = (enum ib_opt_id)id;
			/* a parameter without its own entry still gets one: the
			 * row writes every option through the schema */
			plain = (struct ib_row_field){
				.name = eo->param->name, .where = IB_FW_PARAMS,
				.type = eo->param->type == IB_OPT_SIZE || eo->param->type == IB_OPT_UINT ?
						IB_FT_INT : IB_FT_STR,
				.flags = IB_FF_REQUESTED, .resolves = -1,
			};
			if (ib_row_field_register(eo->field ? eo->field : &plain) < 0) {
				fprintf(stderr, "iommubench: engine %s: parameter %s: no row-schema "
						"field (more than %d, or not an integer view)\n",
					e[i]->name, eo->param->name, IB_ROW_EPARAMS);
				abort();
			}
		}
}

/* The option table's engine= values: the registry's names, handed over
 * before main() so that options.c calls nothing here. */
static void __attribute__((constructor)) engine_names_register(void)
{
	const struct ib_engine *const *e = ib_engines();
	char names[512];
	size_t off = 0;
	int i;

	engine_params_register(e);

	names[0] = '\0';
	for (i = 0; e[i] && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
					i ? "," : "", e[i]->name);
	ib_options_set_engine_names(names);
}
