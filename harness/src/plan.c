// SPDX-License-Identifier: GPL-2.0
/*
 * The planner: suite jobs -> concrete points.  List values expand into a
 * cross product; cpu_node/mem_node/dev_node (id|local|remote|all) are
 * resolved on the topology, anchored on the device when the engine uses
 * one (cpu relative to the device, memory relative to the cpu), and the
 * hwloc distance of each triple is recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "ib_plan.h"

bool ib_engine_uses_device(const char *engine)
{
	return !strcmp(engine, "map") || !strcmp(engine, "edu");
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
	int i;

	for (i = 0; i < t->ndevs; i++) {
		const struct ib_topo_dev *d = &t->devs[i];

		if (!d->engines)
			continue; /* not bound to the module */
		if (!strcmp(engine, "edu") && !(d->engines & (1U << 1)))
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
		anchor = pt.dev_node >= 0 ? pt.dev_node : ib_topo_first_cpu_node(t);
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
int ib_plan_expand(const struct ib_suite *s, const struct ib_job *cli,
		   const char *only, const struct ib_topo *t, bool adhoc,
		   struct ib_plan *plan, char *err, size_t errlen)
{
	int i, found = 0;

	memset(plan, 0, sizeof(*plan));
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
