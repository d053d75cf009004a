/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What engine_net.c (the descriptor, the pair's checks and groups) and
 * net_traffic.c (namespaces, interfaces moved, the UDP traffic) share.
 */
#ifndef IB_NET_INT_H
#define IB_NET_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "ib_engine.h"

#define IB_NET_MAX_THREADS 4

struct net_pair {
	char ifname[2][IFNAMSIZ]; /* A (sender side), B (receiver side), now */
	int side;		  /* -1: both ports here; 0: A only, 1: B only (a
				   * rank pair: the other side is another rank's) */
	unsigned int subnet;	  /* 198.18.<subnet>.1 (A) and .2 (B) */
	uint64_t rep_seq;	  /* side >= 0: the repetition's number within
				   * the point (both ranks count alike) */
	unsigned int threads;	  /* sender/receiver thread pairs */
	uint64_t datagrams;	  /* per thread pair: the stream */
	uint64_t msg_size;	  /* UDP payload bytes */
	unsigned int pings;	  /* round trips per thread pair after the stream */
};

/* The ports a process drives: both (side -1), or its side's only. */
static inline void ib_net_ports(int side, int *lo, int *hi)
{
	*lo = side < 0 ? 0 : side;
	*hi = side < 0 ? 1 : side;
}

/* One repetition: A into namespace 1, B into namespace 2, addressed, the
 * traffic, both back.  rep: ios = datagrams moved, bytes_moved, elapsed,
 * dma_latency_ns = round trips.  side >= 0: this side's port only, the
 * other's found on the wire (the handshake, docs/engines-net.md "Ranks"):
 * ios = the datagrams through this port. */
int ib_net_pair_run(const struct net_pair *pair, struct ib_rep *rep, char *err, size_t errlen);

/* Whether ifname carries a default route (IPv4 or IPv6) in
 * root/proc/net/route, root/proc/net/ipv6_route (root "" = /). */
bool ib_net_default_route(const char *root, const char *ifname);

#endif
