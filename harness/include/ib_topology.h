/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topology from hwloc: NUMA nodes, which have CPUs and memory, distances
 * between them, PCI devices and their locality; and CPU binding.
 */
#ifndef IB_TOPOLOGY_H
#define IB_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#define IB_TOPO_MAX_NODES 64
#define IB_TOPO_MAX_DEVS 128

struct ib_topo_dev {
	char bdf[16];	/* 0000:00:03.0 */
	int node;	/* -1 = no locality */
	uint16_t vendor, device;
	uint32_t class_id; /* PCI class << 8 | subclass */
	char kind[16];	/* gpu, nic, storage, dma, other */
	uint32_t engines; /* IOMMUBENCH_ENGINE_BIT mask (from GET_INFO) */
	int iommu_group;
	uint32_t domain_type;
};

struct ib_topo {
	int nnodes;
	int node[IB_TOPO_MAX_NODES];	   /* OS ids, ascending */
	bool has_cpu[IB_TOPO_MAX_NODES];
	bool has_mem[IB_TOPO_MAX_NODES];
	uint64_t mem_bytes[IB_TOPO_MAX_NODES];
	unsigned int dist[IB_TOPO_MAX_NODES][IB_TOPO_MAX_NODES]; /* by index */
	bool dist_from_os;
	int ndevs;
	struct ib_topo_dev devs[IB_TOPO_MAX_DEVS];
	void *hwloc; /* hwloc_topology_t */
	/* several ranks, no device (core/ranks.c): this rank's node with CPUs,
	 * the anchor of device-less points instead of the first one */
	bool rank_node_set;
	int rank_node;
};

/* xml = NULL: this machine (honours HWLOC_XMLFILE/HWLOC_SYNTHETIC). */
int ib_topo_load(struct ib_topo *t, const char *xml, char *err, size_t errlen);
void ib_topo_free(struct ib_topo *t);

int ib_topo_index(const struct ib_topo *t, int node); /* -1 if unknown */
/* hwloc distance (10 = local); 0 if unknown node. */
unsigned int ib_topo_distance(const struct ib_topo *t, int a, int b);
const struct ib_topo_dev *ib_topo_find_dev(const struct ib_topo *t,
					   const char *bdf);
/* The anchor of a point without a device: the rank's node (ranks.c),
 * else the first node with CPUs. */
int ib_topo_anchor_node(const struct ib_topo *t);
/* First node with CPUs. */
int ib_topo_first_cpu_node(const struct ib_topo *t);
/* The farthest other node from `from` that has CPUs (want_cpu) or memory;
 * -1 if none. */
int ib_topo_remote(const struct ib_topo *t, int from, bool want_cpu);

/* CPUs (OS indexes) of a node; returns how many, at most max. */
int ib_topo_node_cpus(const struct ib_topo *t, int node, uint32_t *cpus, int max);
/* Binds the calling thread to the CPUs of node (hwloc_set_cpubind). */
int ib_topo_bind_thread(const struct ib_topo *t, int node);

/* Replaces/adds a device (e.g. from GET_INFO). */
void ib_topo_add_dev(struct ib_topo *t, const struct ib_topo_dev *d);

#endif
