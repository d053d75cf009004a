// SPDX-License-Identifier: GPL-2.0
/*
 * The planner: suite jobs -> concrete points.  List values expand into a
 * cross product; cpu_node/mem_node/dev_node (id|local|remote|all) are
 * resolved on the topology, anchored on the device when the engine uses
 * one (cpu relative to the device, memory relative to the cpu), and the
 * hwloc distance of each triple is recorded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_engine.h"
#include "ib_plan.h"
#include "iommubench.h"

bool ib_engine_uses_device(const char *engine)
{
	const struct ib_engine *e = ib_engine_find(engine);

	return e && (e->flags & IB_ENG_NEEDS_DEVICE);
}

static int plan_push(struct ib_plan *plan, const struct ib_point *pt)
{
	if (plan->n == plan->cap) {
		int cap = plan->cap ? plan->cap * 2 : 64;
		struct ib_point *n = realloc(plan->pts, (size_t)cap * sizeof(*n));

		if (!n)
			return -1;
		plan->pts = n;
		plan->cap = cap;
	}
	plan->pts[plan->n++] = *pt;
	return 0;
}

void ib_plan_free(struct ib_plan *plan)
{
	free(plan->pts);
	memset(plan, 0, sizeof(*plan));
}

static void name_add(char *name, size_t len, const char *key, const char *val)
{
	size_t off = strlen(name);

	if (off < len)
		snprintf(name + off, len - off, "/%s:%s", key, val);
}

/* Candidate nodes for a node option; returns count. */
static int node_choices(const struct ib_topo *t, const struct ib_params *p,
			int id, int anchor, bool want_cpu, int *out,
			char *why, size_t whylen)
{
	int i, n = 0, r;

	switch (p->node_kind[id]) {
	case IB_NODE_ID:
		if (ib_topo_index(t, (int)p->u[id]) < 0) {
			snprintf(why, whylen, "%s=%s: no such NUMA node here",
				 ib_options[id].name, p->raw[id]);
			return 0;
		}
		out[n++] = (int)p->u[id];
		break;
	case IB_NODE_LOCAL:
		out[n++] = anchor;
		break;
	case IB_NODE_REMOTE:
		r = ib_topo_remote(t, anchor, want_cpu);
		if (r < 0) {
			snprintf(why, whylen,
				 "%s=remote: no other NUMA node with %s than node %d",
				 ib_options[id].name, want_cpu ? "CPUs" : "memory",
				 anchor);
			return 0;
		}
		out[n++] = r;
		break;
	case IB_NODE_ALL:
		for (i = 0; i < t->nnodes; i++)
			if (want_cpu ? t->has_cpu[i] : t->has_mem[i])
				out[n++] = t->node[i];
		break;
	}
	return n;
}

static const struct ib_topo_dev *pick_dev(const struct ib_topo *t,
					  const char *engine, int node)
{
	const struct ib_engine *e = ib_engine_find(engine);
	int i;

	for (i = 0; i < t->ndevs; i++) {
		const struct ib_topo_dev *d = &t->devs[i];

		if (!d->engines)
			continue; /* not bound to the module */
		/* the module offers the engine on this device */
		if (!e || e->module_engine < 0 ||
		    !(d->engines & IOMMUBENCH_ENGINE_BIT(e->module_engine)))
			continue;
		if (node == -2 || d->node == node)
			return d;
	}
	return NULL;
}

/* job/param:value/... in option-table order: swept lists with the item,
 * node "all" with the resolved node. */
static void make_name(struct ib_point *pt, const bool *swept)
{
	const struct ib_params *p = &pt->p;
	int id;

	snprintf(pt->name, sizeof(pt->name), "%s", pt->job);
	for (id = 0; id < IB_O_MAX; id++) {
		bool all = ib_options[id].type == IB_OPT_NODE &&
			   p->node_kind[id] == IB_NODE_ALL;
		char v[16];

		if (all) {
			int n = id == IB_O_CPU_NODE ? pt->cpu_node :
				id == IB_O_MEM_NODE ? pt->mem_node : pt->dev_node;

			if (id == IB_O_DEV_NODE && !ib_engine_uses_device(p->raw[IB_O_ENGINE]))
				continue;
			snprintf(v, sizeof(v), "%d", n);
			name_add(pt->name, sizeof(pt->name), ib_options[id].name, v);
		} else if (swept[id]) {
			name_add(pt->name, sizeof(pt->name), ib_options[id].name, p->raw[id]);
		}
	}
}

/* Resolves placement of one combination; pushes 1..n points. */
static int resolve(const struct ib_topo *t, struct ib_point *base,
		   const bool *swept, struct ib_plan *plan)
{
	struct ib_params *p = &base->p;
	const char *engine = p->raw[IB_O_ENGINE];
	bool usedev = ib_engine_uses_device(engine);
	int devnodes[IB_TOPO_MAX_NODES], ndev = 0, di;
	char why[256] = "";

	if (usedev) {
		const struct ib_topo_dev *d = NULL;

		if (strcmp(p->raw[IB_O_DEVICE], "auto")) {
			d = ib_topo_find_dev(t, p->raw[IB_O_DEVICE]);
			devnodes[ndev++] = d ? d->node : -1;
		} else if (p->node_kind[IB_O_DEV_NODE] == IB_NODE_ALL) {
			for (di = 0; di < t->nnodes; di++)
				if (pick_dev(t, engine, t->node[di]))
					devnodes[ndev++] = t->node[di];
			if (!ndev)
				devnodes[ndev++] = -1;
		} else if (p->node_kind[IB_O_DEV_NODE] == IB_NODE_ID) {
			devnodes[ndev++] = (int)p->u[IB_O_DEV_NODE];
		} else {
			d = pick_dev(t, engine, -2);
			devnodes[ndev++] = d ? d->node : -1;
		}
	} else {
		devnodes[ndev++] = -1;
	}

	for (di = 0; di < ndev; di++) {
		struct ib_point pt = *base;
		const struct ib_topo_dev *d = NULL;
		int cpus[IB_TOPO_MAX_NODES], mems[IB_TOPO_MAX_NODES];
		int nc, nm, ci, mi, anchor;

		pt.dev_node = -1;
		if (usedev) {
			if (strcmp(p->raw[IB_O_DEVICE], "auto")) {
				d = ib_topo_find_dev(t, p->raw[IB_O_DEVICE]);
				snprintf(pt.device, sizeof(pt.device), "%.31s",
					 p->raw[IB_O_DEVICE]);
				if (d && p->node_kind[IB_O_DEV_NODE] == IB_NODE_ID &&
				    d->node != (int)p->u[IB_O_DEV_NODE])
					snprintf(pt.skip, sizeof(pt.skip),
						 "device %s is on node %d, not dev_node=%s",
						 d->bdf, d->node,
						 p->raw[IB_O_DEV_NODE]);
			} else {
				d = devnodes[di] >= 0 || p->node_kind[IB_O_DEV_NODE] ==
								 IB_NODE_ID ?
					    pick_dev(t, engine, devnodes[di]) :
					    pick_dev(t, engine, -2);
				if (d)
					snprintf(pt.device, sizeof(pt.device),
						 "%s", d->bdf);
				else if (p->node_kind[IB_O_DEV_NODE] == IB_NODE_ID)
					snprintf(pt.skip, sizeof(pt.skip),
						 "dev_node=%s: no device for engine %s on that node",
						 p->raw[IB_O_DEV_NODE], engine);
			}
			pt.dev_node = d ? d->node : -1;
			if (ndev > 1 || p->node_kind[IB_O_DEV_NODE] == IB_NODE_ALL) {
				char v[16];

				snprintf(v, sizeof(v), "%d", pt.dev_node);
				name_add(pt.name, sizeof(pt.name), "dev_node", v);
			}
		}
		anchor = pt.dev_node >= 0 ? pt.dev_node : ib_topo_anchor_node(t);
		why[0] = '\0';
		nc = node_choices(t, p, IB_O_CPU_NODE, anchor, true, cpus, why,
				  sizeof(why));
		if (!nc) {
			cpus[nc++] = anchor;
			if (!pt.skip[0])
				snprintf(pt.skip, sizeof(pt.skip), "%s", why);
		}
		for (ci = 0; ci < nc; ci++) {
			struct ib_point pc = pt;

			pc.cpu_node = cpus[ci];
			if (p->node_kind[IB_O_CPU_NODE] == IB_NODE_ALL) {
				char v[16];

				snprintf(v, sizeof(v), "%d", pc.cpu_node);
				name_add(pc.name, sizeof(pc.name), "cpu_node", v);
			}
			why[0] = '\0';
			nm = node_choices(t, p, IB_O_MEM_NODE, pc.cpu_node, false,
					  mems, why, sizeof(why));
			if (!nm) {
				mems[nm++] = pc.cpu_node;
				if (!pc.skip[0])
					snprintf(pc.skip, sizeof(pc.skip), "%s", why);
			}
			for (mi = 0; mi < nm; mi++) {
				struct ib_point pm = pc;

				pm.mem_node = mems[mi];
				if (p->node_kind[IB_O_MEM_NODE] == IB_NODE_ALL) {
					char v[16];

					snprintf(v, sizeof(v), "%d", pm.mem_node);
					name_add(pm.name, sizeof(pm.name),
						 "mem_node", v);
				}
				pm.dist_cpu_mem = ib_topo_distance(t, pm.cpu_node,
								   pm.mem_node);
				pm.dist_dev_mem = pm.dev_node >= 0 ?
					ib_topo_distance(t, pm.dev_node, pm.mem_node) : 0;
				pm.numa_distance = usedev ? pm.dist_dev_mem :
							    pm.dist_cpu_mem;
				make_name(&pm, swept);
				if (plan_push(plan, &pm))
					return -1;
			}
		}
	}
	return 0;
}

/* The list items of each option for one job: CLI, then job, then
 * [global], then the default; plan-only options (max_points) have none. */
struct job_items {
	const struct ib_job *src[IB_O_MAX];
	char (*items[IB_O_MAX])[IB_VAL_LEN];
	int n[IB_O_MAX];
};

static void job_items_free(struct job_items *ji)
{
	int id;

	for (id = 0; id < IB_O_MAX; id++)
		free(ji->items[id]);
	memset(ji, 0, sizeof(*ji));
}

static int job_items_load(const struct ib_suite *s, const struct ib_job *job,
			  const struct ib_job *cli, struct job_items *ji)
{
	int id;

	memset(ji, 0, sizeof(*ji));
	for (id = 0; id < IB_O_MAX; id++) {
		const char *v;
		size_t n;

		ji->src[id] = cli && cli->set[id] ? cli :
			      job->set[id]	  ? job :
			      s->global.set[id]	  ? &s->global :
						    NULL;
		v = ji->src[id] ? ji->src[id]->value[id] : ib_options[id].def;
		if (!v[0] || (ib_options[id].flags & IB_OPT_F_PLAN))
			continue;
		/* ib_job_set refused anything longer; defaults are one item */
		n = ib_opt_count(id, v);
		if (n > IB_LIST_MAX_ITEMS)
			n = IB_LIST_MAX_ITEMS;
		ji->items[id] = calloc(n, sizeof(*ji->items[id]));
		if (!ji->items[id]) {
			job_items_free(ji);
			return -1;
		}
		ji->n[id] = ib_opt_split(id, v, ji->items[id], (int)n);
		if (ji->n[id] > (int)n)
			ji->n[id] = (int)n;
	}
	return 0;
}

/*
 * A key of the job's own section (or, for an ad-hoc run, of the command
 * line) that no engine of the job takes is an error; with an engine list
 * (engine=map,edu) a key applies to the engines that take it.  [global]
 * keys and command-line overrides of a suite apply to the jobs that take
 * them.  Unknown engine names are left to ib_params_validate.
 */
static int engine_takes_keys(const struct ib_job *job, const struct ib_job *cli,
			     bool adhoc, const struct job_items *ji, char *err,
			     size_t errlen)
{
	int id, k;

	for (id = 0; id < IB_O_MAX; id++) {
		const char *first = NULL;
		bool taken = false, known = false;

		if (!job->set[id] && !(adhoc && cli && cli->set[id]))
			continue;
		for (k = 0; k < ji->n[IB_O_ENGINE] && !taken; k++) {
			const struct ib_engine *e = ib_engine_find(ji->items[IB_O_ENGINE][k]);

			if (!e)
				continue;
			known = true;
			first = first ? first : e->name;
			taken = ib_engine_takes(e, id);
		}
		if (taken || !known)
			continue;
		if (ji->n[IB_O_ENGINE] > 1 && ji->src[IB_O_ENGINE])
			snprintf(err, errlen, "%s: no engine of engine=%s takes this key",
				 ib_options[id].name, ji->src[IB_O_ENGINE]->value[IB_O_ENGINE]);
		else
			snprintf(err, errlen, "%s: engine %s does not take this key",
				 ib_options[id].name, first);
		return -1;
	}
	return 0;
}

static int expand_job(const struct ib_suite *s, const struct ib_job *job,
		      const struct ib_job *cli, const struct ib_topo *t,
		      bool adhoc, struct ib_plan *plan, char *err, size_t errlen)
{
	struct job_items ji;
	int *nitems = ji.n, idx[IB_O_MAX], id, rc = -1;
	bool swept[IB_O_MAX];
	const struct ib_job **src = ji.src;

	if (job_items_load(s, job, cli, &ji)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (engine_takes_keys(job, cli, adhoc, &ji, err, errlen)) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: [%s] %s", s->file, job->name, msg);
		goto out;
	}
	for (id = 0; id < IB_O_MAX; id++) {
		swept[id] = nitems[id] > 1 ||
			    (adhoc && src[id] && id != IB_O_ENGINE &&
			     !(ib_options[id].flags & IB_OPT_F_HARNESS));
		idx[id] = 0;
	}

	for (;;) {
		struct ib_point pt;
		char msg[512];

		memset(&pt, 0, sizeof(pt));
		ib_params_defaults(&pt.p);
		snprintf(pt.job, sizeof(pt.job), "%s", job->name);
		snprintf(pt.name, sizeof(pt.name), "%s", job->name);
		for (id = 0; id < IB_O_MAX; id++) {
			if (!nitems[id])
				continue;
			ib_opt_set(&pt.p, id, ji.items[id][idx[id]], msg, sizeof(msg));
			pt.p.given[id] = src[id] != NULL;
			if (swept[id] && !(ib_options[id].type == IB_OPT_NODE &&
					   pt.p.node_kind[id] == IB_NODE_ALL))
				name_add(pt.name, sizeof(pt.name),
					 ib_options[id].name, ji.items[id][idx[id]]);
		}
		if (ib_params_validate(&pt.p, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: [%s] %s", s->file, job->name, msg);
			goto out;
		}
		if (resolve(t, &pt, swept, plan)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		/* odometer over the lists */
		for (id = IB_O_MAX - 1; id >= 0; id--) {
			if (nitems[id] <= 1)
				continue;
			if (++idx[id] < nitems[id])
				break;
			idx[id] = 0;
		}
		if (id < 0)
			break;
	}
	rc = 0;
out:
	job_items_free(&ji);
	return rc;
}
/* ---- the size of a plan, before it is allocated ---- */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static bool item_is(const char *start, size_t len, const char *word)
{
	return len == strlen(word) && !strncmp(start, word, len);
}

static const char *job_value(const struct ib_suite *s, const struct ib_job *job,
			     const struct ib_job *cli, int id)
{
	return cli && cli->set[id] ? cli->value[id] :
	       job->set[id]	   ? job->value[id] :
	       s->global.set[id]   ? s->global.value[id] :
				     ib_options[id].def;
}

/* Sum over a node option's items of the points each one gives: `all` one
 * per node with CPUs (or memory), anything else one (resolve()). */
static uint64_t node_weight(const struct ib_topo *t, const char *v, bool cpu)
{
	const char *cur = v, *start;
	uint64_t sum = 0, all = 0;
	size_t len;
	int i;

	for (i = 0; i < t->nnodes; i++)
		all += cpu ? t->has_cpu[i] : t->has_mem[i];
	while (ib_opt_item(-1, &cur, &start, &len))
		sum += item_is(start, len, "all") && all ? all : 1;
	return sum;
}

/*
 * The points one job expands to, exactly as expand_job() and resolve()
 * will push them, without building any: the product of the list lengths,
 * with node `all` items weighted by the nodes they stand for.  Saturates
 * at UINT64_MAX.
 */
static uint64_t count_job(const struct ib_suite *s, const struct ib_job *job,
			  const struct ib_job *cli, const struct ib_topo *t)
{
	const char *dev = job_value(s, job, cli, IB_O_DEVICE);
	const char *devnode = job_value(s, job, cli, IB_O_DEV_NODE);
	const char *cur, *start;
	uint64_t total = 1, d, a = 0, nd, na = 0, per_dev = 0;
	size_t len;
	int id, i;

	for (id = 0; id < IB_O_MAX; id++) {
		const char *v = job_value(s, job, cli, id);

		if (!v[0] || (ib_options[id].flags & IB_OPT_F_PLAN) ||
		    id == IB_O_ENGINE || id == IB_O_DEVICE || id == IB_O_DEV_NODE ||
		    id == IB_O_CPU_NODE || id == IB_O_MEM_NODE)
			continue;
		total = mul_sat(total, ib_opt_count(id, v));
	}
	total = mul_sat(total, node_weight(t, job_value(s, job, cli, IB_O_CPU_NODE), true));
	total = mul_sat(total, node_weight(t, job_value(s, job, cli, IB_O_MEM_NODE), false));

	/* device x dev_node per engine: device=auto with dev_node=all is one
	 * point per node holding a device for the engine (at least one) */
	d = ib_opt_count(IB_O_DEVICE, dev);
	for (cur = dev; ib_opt_item(IB_O_DEVICE, &cur, &start, &len);)
		a += item_is(start, len, "auto");
	nd = ib_opt_count(IB_O_DEV_NODE, devnode);
	for (cur = devnode; ib_opt_item(IB_O_DEV_NODE, &cur, &start, &len);)
		na += item_is(start, len, "all");
	cur = job_value(s, job, cli, IB_O_ENGINE);
	while (ib_opt_item(IB_O_ENGINE, &cur, &start, &len)) {
		char engine[IB_VAL_LEN];
		uint64_t nodes = 0;

		snprintf(engine, sizeof(engine), "%.*s",
			 (int)(len < IB_VAL_LEN ? len : IB_VAL_LEN - 1), start);
		if (!ib_engine_uses_device(engine)) {
			per_dev = add_sat(per_dev, mul_sat(d, nd));
			continue;
		}
		for (i = 0; i < t->nnodes; i++)
			nodes += pick_dev(t, engine, t->node[i]) != NULL;
		per_dev = add_sat(per_dev, add_sat(mul_sat(mul_sat(a, na), nodes ? nodes : 1),
						   mul_sat(d, nd) - a * na));
	}
	return mul_sat(total, per_dev);
}

/* Smallest (or largest) item of a number/duration option of a job. */
static uint64_t job_bound(const struct ib_suite *s, const struct ib_job *job,
			  const struct ib_job *cli, int id, bool largest)
{
	const char *cur = job_value(s, job, cli, id), *start;
	uint64_t best = largest ? 0 : UINT64_MAX, v;
	char item[IB_VAL_LEN];
	size_t len;

	if (!cur[0])
		return 0;
	while (ib_opt_item(id, &cur, &start, &len)) {
		snprintf(item, sizeof(item), "%.*s",
			 (int)(len < IB_VAL_LEN ? len : IB_VAL_LEN - 1), start);
		if (ib_options[id].type == IB_OPT_DURATION) {
			if (ib_parse_duration(item, &v))
				continue;
		} else {
			v = strtoull(item, NULL, 10);
		}
		if (largest ? v > best : v < best)
			best = v;
	}
	return best == UINT64_MAX ? 0 : best;
}

static void fmt_hms(double sec, char *buf, size_t len)
{
	double h = floor(sec / 3600);
	long rest = (long)(sec - h * 3600);

	if (h >= 1e6)
		snprintf(buf, len, "%.3g days", sec / 86400);
	else
		snprintf(buf, len, "%.0f:%02ld:%02ld", h, rest / 60, rest % 60);
}

static void fmt_bytes(double b, char *buf, size_t len)
{
	if (b >= 1024.0 * 1024 * 1024 * 1024)
		snprintf(buf, len, "%.3g TiB", b / (1024.0 * 1024 * 1024 * 1024));
	else if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
	else
		snprintf(buf, len, "%.0f MiB", b / (1024.0 * 1024));
}

/*
 * Refuses a plan over max_points (or over half this machine's memory)
 * before anything is allocated, with the point count and the ETA bounds:
 * at most max_time per point, and at least (warmup + min_reps) x duration
 * when repetitions are timed.
 */
static int plan_check_size(const struct ib_suite *s, const struct ib_job *cli,
			   const char *only, const struct ib_topo *t,
			   uint64_t *total, char *err, size_t errlen)
{
	const char *mp = cli && cli->set[IB_O_MAX_POINTS] ? cli->value[IB_O_MAX_POINTS] :
			 s->global.set[IB_O_MAX_POINTS] ? s->global.value[IB_O_MAX_POINTS] :
							  ib_options[IB_O_MAX_POINTS].def;
	uint64_t max = strtoull(mp, NULL, 10), n = 0, pages;
	double hi = 0, lo = 0, bytes, mem;
	char eta[160], a[48], b[48], sz[32], msz[32];
	bool timed = true;
	int i;

	for (i = 0; i < s->njobs; i++) {
		const struct ib_job *j = &s->jobs[i];
		uint64_t c, dur;

		if (only && strcmp(only, j->name))
			continue;
		c = count_job(s, j, cli, t);
		n = add_sat(n, c);
		hi += (double)c * (double)job_bound(s, j, cli, IB_O_MAX_TIME, true) / 1e9;
		dur = job_bound(s, j, cli, IB_O_DURATION, false);
		timed = timed && dur;
		lo += (double)c * (double)dur / 1e9 *
		      (double)(job_bound(s, j, cli, IB_O_WARMUP, false) +
			       job_bound(s, j, cli, IB_O_MIN_REPS, false));
	}
	*total = n;
	bytes = (double)n * (double)sizeof(struct ib_point);
	fmt_bytes(bytes, sz, sizeof(sz));
	fmt_hms(hi, b, sizeof(b));
	if (timed) {
		fmt_hms(lo, a, sizeof(a));
		snprintf(eta, sizeof(eta), "ETA %s to %s: (warmup + min_reps) x duration to max_time per point", a, b);
	} else {
		snprintf(eta, sizeof(eta), "ETA up to %s at max_time per point", b);
	}
	if (n > max) {
		snprintf(err, errlen,
			 "%s: plan of %s%llu points is more than --max-points %llu (%s; %s of plan): narrow the lists, or raise --max-points (max_points in [global]) up to %llu",
			 s->file, n == UINT64_MAX ? "at least " : "",
			 (unsigned long long)n, (unsigned long long)max, eta, sz,
			 (unsigned long long)ib_options[IB_O_MAX_POINTS].max);
		return -1;
	}
	pages = (uint64_t)sysconf(_SC_PHYS_PAGES);
	mem = (double)pages * (double)sysconf(_SC_PAGESIZE);
	if (pages && bytes > mem / 2) {
		fmt_bytes(mem, msz, sizeof(msz));
		snprintf(err, errlen,
			 "%s: plan of %llu points needs %s, more than half of this machine's %s (%s): narrow the lists",
			 s->file, (unsigned long long)n, sz, msz, eta);
		return -1;
	}
	return 0;
}

int ib_plan_expand(const struct ib_suite *s, const struct ib_job *cli,
		   const char *only, const struct ib_topo *t, bool adhoc,
		   struct ib_plan *plan, char *err, size_t errlen)
{
	int i, found = 0;
	uint64_t total;

	memset(plan, 0, sizeof(*plan));
	if (plan_check_size(s, cli, only, t, &total, err, errlen))
		return -1;
	/* exactly the size counted, so no doubling on the way */
	if (total) {
		plan->pts = malloc((size_t)total * sizeof(*plan->pts));
		if (!plan->pts) {
			snprintf(err, errlen, "plan of %llu points: out of memory",
				 (unsigned long long)total);
			return -1;
		}
		plan->cap = (int)total;
	}
	for (i = 0; i < s->njobs; i++) {
		if (only && strcmp(only, s->jobs[i].name))
			continue;
		found++;
		if (expand_job(s, &s->jobs[i], cli, t, adhoc, plan, err, errlen)) {
			ib_plan_free(plan);
			return -1;
		}
	}
	if (only && !found) {
		char list[1024] = "";
		size_t off = 0;

		for (i = 0; i < s->njobs && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						"%s%s", i ? ", " : "",
						s->jobs[i].name);
		snprintf(err, errlen, "--only %s: no such job in %s; jobs: %s",
			 only, s->file, list);
		return -1;
	}
	return 0;
}
