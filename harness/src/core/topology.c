// SPDX-License-Identifier: GPL-2.0
/*
 * Topology through hwloc: NUMA nodes (with or without CPUs/memory), their
 * distances, PCI devices with their locality, and CPU binding.  The same
 * code reads this machine or an XML fixture (tests/fixtures/topology/).
 */
#include <hwloc.h>
#include <stdio.h>
#include <string.h>

#include "ib_topology.h"

int ib_topo_index(const struct ib_topo *t, int node)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		if (t->node[i] == node)
			return i;
	return -1;
}

unsigned int ib_topo_distance(const struct ib_topo *t, int a, int b)
{
	int ia = ib_topo_index(t, a), ib = ib_topo_index(t, b);

	if (ia < 0 || ib < 0)
		return 0;
	return t->dist[ia][ib];
}

const struct ib_topo_dev *ib_topo_find_dev(const struct ib_topo *t,
					   const char *bdf)
{
	int i;

	for (i = 0; i < t->ndevs; i++)
		if (!strcasecmp(t->devs[i].bdf, bdf))
			return &t->devs[i];
	return NULL;
}

int ib_topo_first_cpu_node(const struct ib_topo *t)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		if (t->has_cpu[i])
			return t->node[i];
	return t->nnodes ? t->node[0] : 0;
}

int ib_topo_anchor_node(const struct ib_topo *t)
{
	return t->rank_node_set ? t->rank_node : ib_topo_first_cpu_node(t);
}

int ib_topo_remote(const struct ib_topo *t, int from, bool want_cpu)
{
	int f = ib_topo_index(t, from), i, best = -1;
	unsigned int bd = 0;

	if (f < 0)
		return -1;
	for (i = 0; i < t->nnodes; i++) {
		if (i == f || !(want_cpu ? t->has_cpu[i] : t->has_mem[i]))
			continue;
		if (best < 0 || t->dist[f][i] > bd) {
			best = i;
			bd = t->dist[f][i];
		}
	}
	return best < 0 ? -1 : t->node[best];
}

void ib_topo_add_dev(struct ib_topo *t, const struct ib_topo_dev *d)
{
	struct ib_topo_dev *e = (struct ib_topo_dev *)ib_topo_find_dev(t, d->bdf);

	if (!e) {
		if (t->ndevs >= IB_TOPO_MAX_DEVS)
			return;
		e = &t->devs[t->ndevs++];
	}
	*e = *d;
}

static const char *pci_kind(unsigned int class_id)
{
	switch (class_id >> 8) {
	case 0x03:
		return "gpu";
	case 0x02:
		return "nic";
	case 0x01:
		return "storage";
	case 0x08:
		return (class_id & 0xff) == 0x80 ? "dma" : "system";
	case 0x12:
		return "accelerator";
	default:
		return "other";
	}
}

static int node_of_obj(hwloc_topology_t h, hwloc_obj_t obj)
{
	hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(h, obj);

	if (!anc || !anc->nodeset || hwloc_bitmap_iszero(anc->nodeset) ||
	    hwloc_bitmap_isequal(anc->nodeset,
				 hwloc_topology_get_topology_nodeset(h)))
		/* attached at the machine level: no locality */
		return hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE) == 1 ?
			       (int)hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, 0)->os_index :
			       -1;
	return hwloc_bitmap_first(anc->nodeset);
}

int ib_topo_load(struct ib_topo *t, const char *xml, char *err, size_t errlen)
{
	hwloc_topology_t h;
	hwloc_obj_t obj = NULL;
	struct hwloc_distances_s *dist[4];
	unsigned int nr = 4, i, j;
	int n;

	memset(t, 0, sizeof(*t));
	if (hwloc_topology_init(&h)) {
		snprintf(err, errlen, "hwloc: cannot initialise");
		return -1;
	}
	hwloc_topology_set_io_types_filter(h, HWLOC_TYPE_FILTER_KEEP_ALL);
	if (xml && hwloc_topology_set_xml(h, xml)) {
		snprintf(err, errlen, "hwloc: %s: cannot read the XML topology", xml);
		hwloc_topology_destroy(h);
		return -1;
	}
	if (hwloc_topology_load(h)) {
		snprintf(err, errlen, "hwloc: cannot load the topology");
		hwloc_topology_destroy(h);
		return -1;
	}
	t->hwloc = h;
	n = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
	for (i = 0; i < (unsigned int)n && t->nnodes < IB_TOPO_MAX_NODES; i++) {
		hwloc_obj_t nd = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, i);
		int k = t->nnodes++;

		t->node[k] = (int)nd->os_index;
		t->has_cpu[k] = nd->cpuset && !hwloc_bitmap_iszero(nd->cpuset);
		t->mem_bytes[k] = nd->attr ? nd->attr->numanode.local_memory : 0;
		t->has_mem[k] = t->mem_bytes[k] > 0 || !xml;
	}
	/* keep node[] ascending by OS id */
	for (i = 0; i < (unsigned int)t->nnodes; i++)
		for (j = i + 1; j < (unsigned int)t->nnodes; j++)
			if (t->node[j] < t->node[i]) {
				int tn = t->node[i];
				bool tc = t->has_cpu[i], tm = t->has_mem[i];
				uint64_t tb = t->mem_bytes[i];

				t->node[i] = t->node[j], t->node[j] = tn;
				t->has_cpu[i] = t->has_cpu[j], t->has_cpu[j] = tc;
				t->has_mem[i] = t->has_mem[j], t->has_mem[j] = tm;
				t->mem_bytes[i] = t->mem_bytes[j], t->mem_bytes[j] = tb;
			}
	for (i = 0; i < (unsigned int)t->nnodes; i++)
		for (j = 0; j < (unsigned int)t->nnodes; j++)
			t->dist[i][j] = i == j ? 10 : 20;
	if (!hwloc_distances_get_by_type(h, HWLOC_OBJ_NUMANODE, &nr, dist,
					 HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) &&
	    nr > 0) {
		struct hwloc_distances_s *d = dist[0];

		for (i = 0; i < d->nbobjs; i++)
			for (j = 0; j < d->nbobjs; j++) {
				int a = ib_topo_index(t, (int)d->objs[i]->os_index);
				int b = ib_topo_index(t, (int)d->objs[j]->os_index);

				if (a >= 0 && b >= 0)
					t->dist[a][b] = (unsigned int)d->values[i * d->nbobjs + j];
			}
		t->dist_from_os = true;
		for (i = 0; i < nr; i++)
			hwloc_distances_release(h, dist[i]);
	}
	while ((obj = hwloc_get_next_pcidev(h, obj)) && t->ndevs < IB_TOPO_MAX_DEVS) {
		struct ib_topo_dev *d = &t->devs[t->ndevs++];
		struct hwloc_pcidev_attr_s *a = &obj->attr->pcidev;

		snprintf(d->bdf, sizeof(d->bdf), "%04x:%02x:%02x.%01x", a->domain,
			 a->bus, a->dev, a->func);
		d->vendor = a->vendor_id;
		d->device = a->device_id;
		d->class_id = a->class_id;
		snprintf(d->kind, sizeof(d->kind), "%s", pci_kind(a->class_id));
		d->node = node_of_obj(h, obj);
		d->iommu_group = -1;
	}
	return 0;
}

void ib_topo_free(struct ib_topo *t)
{
	if (t->hwloc)
		hwloc_topology_destroy((hwloc_topology_t)t->hwloc);
	t->hwloc = NULL;
}

static hwloc_obj_t node_obj(const struct ib_topo *t, int node)
{
	hwloc_topology_t h = t->hwloc;

	return h ? hwloc_get_numanode_obj_by_os_index(h, (unsigned int)node) : NULL;
}

int ib_topo_node_cpus(const struct ib_topo *t, int node, uint32_t *cpus, int max)
{
	hwloc_obj_t nd = node_obj(t, node);
	int i, n = 0;

	if (!nd || !nd->cpuset)
		return 0;
	hwloc_bitmap_foreach_begin(i, nd->cpuset)
	{
		if (n < max)
			cpus[n++] = (uint32_t)i;
	}
	hwloc_bitmap_foreach_end();
	return n;
}

int ib_topo_bind_thread(const struct ib_topo *t, int node)
{
	hwloc_obj_t nd = node_obj(t, node);

	if (!nd || !nd->cpuset || hwloc_bitmap_iszero(nd->cpuset))
		return -1;
	return hwloc_set_cpubind((hwloc_topology_t)t->hwloc, nd->cpuset,
				 HWLOC_CPUBIND_THREAD);
}
