/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ranks (docs/harness.md, "Ranks"): `mpirun -np N iommubench run ...`
 * runs the plan as N ranks.  The harness dlopens libiommubench-mpi.so
 * (harness/mpi/, the only code built against MPI) when an MPI launcher
 * started it with more than one rank; otherwise nothing here is active and
 * a run is exactly a one-process run.
 *
 * Rank 0 drives every step of the plan with point-to-point messages, never
 * while anyone measures:
 *   ARM to each participant -> BEGIN mark (lab) -> READY from each -> GO to each ->
 *   everyone measures -> DONE from each -> COLLECT -> ROWS from each ->
 *   END mark -> rank 0 appends the rows and rewrites results.json.
 * A rank that dies (its pid gone, on this host) or stays silent past the
 * rank timeout gets error rows with the reason for the rest of the run.
 */
#ifndef IB_RANKS_H
#define IB_RANKS_H

#include <jansson.h>
#include <stdbool.h>

#include "ib_topology.h"

struct ib_ranks_info {
	int rank, size, local_rank, local_size;
	bool multi; /* size > 1: rows end in /rank:<N> */
	char host[256];
	double timeout_s; /* a silent remote rank is failed after this (s) */
	bool peer_failed; /* MPI_Finalize would wait for it: skipped */
};

extern struct ib_ranks_info ib_ranks;

/*
 * Detects an MPI launch (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK) and
 * initialises MPI through the shim.  0 (single or multi), or an exit code
 * after a one-line message.
 */
int ib_ranks_init(void);
void ib_ranks_finalize(void);

/* This rank's device: of the devices bound to the module, the
 * (local_rank mod n)-th; the others are hidden from the plan.  With no
 * device bound, its NUMA node: the (local_rank mod n)-th node with CPUs
 * anchors cpu_node/mem_node=local. */
void ib_ranks_pick_device(struct ib_topo *t);

/* --- messages (rank 0 <-> rank k); tags below --- */
enum ib_rank_tag { IB_TAG_CTX = 11, IB_TAG_READY, IB_TAG_GO, IB_TAG_DONE, IB_TAG_COLLECT,
		   IB_TAG_ROWS, IB_TAG_ARM };

/* Longest nap between probes: long waits, and the wait for GO. */
#define IB_NAP_LONG_NS 50000000L
#define IB_NAP_GO_NS 100000L

int ib_ranks_send(int dest, int tag, const char *text);
/*
 * Waits for a message from src: 0 with *text (malloc'd); -1 when src
 * failed (why says: process exited, or silent for the timeout).  pid: the
 * peer's pid when it runs on this host (its exit is noticed at once), else
 * 0.  Polls with sleeps growing from 0.2 ms to max_nap_ns.
 */
int ib_ranks_wait(int src, int tag, int pid, long max_nap_ns, char **text, char *why,
		  size_t whylen);

#endif
