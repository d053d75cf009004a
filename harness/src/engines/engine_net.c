// SPDX-License-Identifier: GPL-2.0
/*
 * Engine `net`: packets through the IOMMU.  Two network interfaces the
 * kernel drives (netdev=A:B, ':' never occurs in an interface name), each
 * moved into a network namespace of its own that the engine creates for
 * the repetition, so that the only path between them is the wire (or, in
 * the lab, the QEMU hub that joins the two virtio-net ports).  Per
 * repetition and per thread pair: a UDP stream of `iterations` datagrams
 * of msg_size bytes from A (198.18.0.1) to B (198.18.0.2, the RFC 2544
 * benchmark range), B's "done" datagram, then NET_PINGS request/response
 * round trips (dma_latency_ns: one round trip, both NICs' DMA twice).
 * pps: every datagram the repetition moved (stream received, done, pings,
 * pongs) per second of its wall time; bandwidth: their payload bytes.
 * The counters per packet divide by the same datagrams of the counting
 * pass (rep->ios; counting_pass.ios).
 *
 * The namespaces are anonymous and held only by this process's file
 * descriptors: whatever ends the run (error, signal, SIGKILL) the kernel
 * tears them down and hands the interfaces back to the initial namespace
 * (down, without the addresses given here); the normal path moves them
 * back itself.  The groups' IOMMU types are switched like nvme's (the
 * first port's by the runner, the second's in settle()) and restored
 * through the ledger (iommu_mode.c).  Refused before anything changes:
 * an interface carrying a default route, any address other than IPv6
 * link-local, the local address of $SSH_CONNECTION, loopback, or one
 * without a PCI device.  See docs/engines-net.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <dirent.h>

#include "ib_engine.h"
#include "ib_fileio.h"
#include "ib_iommu_mode.h"
#include "ib_ranks.h"
#include "ib_rowschema.h"
#include "ib_run.h"
#include "net_int.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define NET_PINGS 16 /* round trips per thread pair per repetition */
#define NET_SETTLE_NS (15ULL * 1000000000ULL)

struct net_opts {
	uint64_t iterations, threads, msg_size;
};

static const struct ib_option net_netdev = {
	"netdev", IB_OPT_STR, IB_OPT_F_NOLIST, 0, 0, "", NULL,
	"net: the pair of interfaces A:B (each moved into a namespace of its own)",
};
static const struct ib_option net_msg_size = {
	"msg_size", IB_OPT_SIZE, 0, 64, 65507, "", NULL,
	"net: UDP payload bytes per datagram, 64..65507 (default 1472)",
};
static const struct ib_row_field net_netdev_field = {
	.name = "netdev", .where = IB_FW_PARAMS, .type = IB_FT_STR,
	.flags = IB_FF_REQUESTED, .resolves = -1, .view = IB_V_NONE,
};
static const struct ib_row_field net_msg_size_field = {
	.name = "msg_size", .where = IB_FW_PARAMS, .type = IB_FT_INT,
	.flags = IB_FF_REQUESTED, .resolves = -1, .view = IB_V_INT,
};

#define O(field, id, ...) IB_EOPT(struct net_opts, field, id, __VA_ARGS__)
/* not const: the registry writes the own parameters' ids at start-up */
static struct ib_engine_opt net_opt_table[] = {
	{ .id = 0, .param = &net_netdev, .field = &net_netdev_field },
	O(msg_size, 0, .param = &net_msg_size, .field = &net_msg_size_field),
	O(threads, IB_O_THREADS, .max = IB_NET_MAX_THREADS),
	{ .id = IB_O_IOMMU_MODE },
	O(iterations, IB_O_ITERATIONS, .max = 1000000),
	{ .id = IB_O_PAGE_SIZE },
	{ .id = IB_O_BUF_SIZE },
};
#undef O

/* the pair, as named and as found in sysfs (pci_device) */
static char net_if[2][IFNAMSIZ];
static char net_bdf[2][32];

/*
 * Ranks (mpirun): ranks 2k and 2k+1 are a pair, each with one port of its
 * own host, the even one sending (A), the odd one receiving (B), the two
 * finding each other on the wire (net_traffic.c's handshake).
 */
static bool net_ranked(void)
{
	return ib_ranks.multi;
}

static int net_side(void)
{
	return net_ranked() ? ib_ranks.rank % 2 : -1;
}

/* This process's ports: both, or its rank's side's. */
static void net_ports(int *lo, int *hi)
{
	ib_net_ports(net_side(), lo, hi);
}

/* "A:B" into a and b: 1..15 bytes each, no '/' or whitespace, distinct;
 * across ranks also "X" (every rank's port) and the same name twice. */
static int net_parse(const char *s, char a[IFNAMSIZ], char b[IFNAMSIZ], char *err, size_t len)
{
	const char *c = s ? strchr(s, ':') : NULL;
	size_t la = c ? (size_t)(c - s) : s ? strlen(s) : 0, lb = c ? strlen(c + 1) : la;
	const char *bs = c ? c + 1 : s;

	if ((!c && !net_ranked()) || !la || !lb || la >= IFNAMSIZ || lb >= IFNAMSIZ ||
	    (c && strchr(c + 1, ':')) || strpbrk(s, "/ \t\n") ||
	    (!net_ranked() && la == lb && !strncmp(s, bs, la))) {
		snprintf(err, len,
			 net_ranked() ? "netdev=%s: expected the port X of every rank, or A:B (A "
					"on even ranks, B on odd ones; 1-15 characters each, no '/' "
					"or spaces), such as ens1f0"
				      : "netdev=%s: expected two different interfaces A:B (1-15 "
					"characters each, no '/' or spaces), such as eth1:eth2",
			 s && *s ? s : "(unset)");
		return -1;
	}
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, bs, lb);
	b[lb] = '\0';
	return 0;
}

static const char *netdev_raw(const struct ib_params *p)
{
	int id = ib_opt_find(net_netdev.name);

	return id >= 0 ? p->raw[id] : NULL;
}

static int net_validate(const struct ib_params *p, char *err, size_t errlen)
{
	char a[IFNAMSIZ], b[IFNAMSIZ];

	return net_parse(netdev_raw(p), a, b, err, errlen);
}

static const char *net_supported(const struct ib_point *pt, char *buf, size_t len)
{
	if (geteuid()) {
		snprintf(buf, len, "unavailable: engine net needs root (network namespaces, "
				   "moving interfaces)");
		return buf;
	}
	if (!net_ranked())
		return NULL;
	if (ib_ranks.rank == ib_ranks.size - 1 && ib_ranks.size % 2)
		snprintf(buf, len, "unavailable: engine net pairs rank 2k (sending) with 2k+1 "
				   "(receiving); rank %d of %d has no partner",
			 ib_ranks.rank, ib_ranks.size);
	else if (ib_ranks.rank / 2 > 255)
		snprintf(buf, len, "unavailable: engine net: at most 256 rank pairs (198.18.0-255.x)");
	else if (!strcmp(pt->p.raw[IB_O_CONCURRENCY], "alone"))
		snprintf(buf, len, "unavailable: engine net across ranks needs "
				   "concurrency=together (the sender and the receiver at once)");
	else
		return NULL;
	return buf;
}

/* The root the route tables are read under ("" = /): the tests' fixtures. */
static const char *net_root(void)
{
	const char *r = getenv("IOMMUBENCH_NET_ROOT");

	return r ? r : "";
}

bool ib_net_default_route(const char *root, const char *ifname)
{
	char path[PATH_MAX], line[512], dev[64], dst[64], mask[64], plen[8];
	FILE *f;
	bool hit = false;

	snprintf(path, sizeof(path), "%s/proc/net/route", root);
	f = fopen(path, "r");
	while (f && !hit && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %63s %*s %*s %*s %*s %*s %63s", dev, dst, mask) == 3 &&
		    !strcmp(dev, ifname) && !strcmp(dst, "00000000") && !strcmp(mask, "00000000"))
			hit = true;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/proc/net/ipv6_route", root);
	f = fopen(path, "r");
	while (f && !hit && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %7s %*s %*s %*s %*s %*s %*s %*s %63s", dst, plen, dev) == 3 &&
		    !strcmp(dev, ifname) && !strcmp(plen, "00") &&
		    !strcmp(dst, "00000000000000000000000000000000"))
			hit = true;
	if (f)
		fclose(f);
	return hit;
}

/* The local address of $SSH_CONNECTION ("client cport server sport"). */
static bool ssh_local(char *out, size_t len)
{
	const char *s = getenv("SSH_CONNECTION");

	return s && sscanf(s, "%*s %*s %63s", out) == 1 && len >= 64;
}

/* Why ifname must not be used, or NULL: its addresses, the SSH one first. */
static bool net_addr_refused(const char *ifname, char *why, size_t len)
{
	struct ifaddrs *ifa, *i;
	char ssh[64] = "", txt[INET6_ADDRSTRLEN];
	bool refused = false;

	if (getifaddrs(&ifa))
		return false;
	ssh_local(ssh, sizeof(ssh));
	for (i = ifa; i && !refused; i = i->ifa_next) {
		int af = i->ifa_addr ? i->ifa_addr->sa_family : -1;
		const void *a;

		if (strcmp(i->ifa_name, ifname) || (af != AF_INET && af != AF_INET6))
			continue;
		if (af == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)a))
			continue;
		inet_ntop(af, a, txt, sizeof(txt));
		if (ssh[0] && !strcmp(ssh, txt))
			snprintf(why, len, "%s carries %s, the local address of your SSH connection "
					   "($SSH_CONNECTION)", ifname, txt);
		else
			snprintf(why, len, "%s carries the address %s (in use outside the benchmark's "
					   "namespaces)", ifname, txt);
		refused = true;
	}
	freeifaddrs(ifa);
	return refused;
}

/* The PCI device behind ifname: the last BDF in its device link's path. */
static int net_bdf_of(const char *ifname, char *bdf, size_t len)
{
	char link[PATH_MAX], real[PATH_MAX], *p, *last = NULL;
	unsigned int d, b, s, f;

	snprintf(link, sizeof(link), "%s/sys/class/net/%s/device", ib_sysfs_root, ifname);
	if (!realpath(link, real))
		return -1;
	for (p = strtok(real, "/"); p; p = strtok(NULL, "/"))
		if (strlen(p) == 12 && sscanf(p, "%4x:%2x:%2x.%1x", &d, &b, &s, &f) == 4)
			last = p;
	if (!last)
		return -1;
	snprintf(bdf, len, "%s", last);
	return 0;
}

/* The ports as first found (name, BDF), for the run. */
static struct {
	char name[IFNAMSIZ], bdf[32];
} net_known[8];

static bool net_seen(const char *name, char *bdf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(net_known) / sizeof(net_known[0]) && net_known[i].name[0]; i++)
		if (!strcmp(net_known[i].name, name)) {
			snprintf(bdf, len, "%s", net_known[i].bdf);
			return true;
		}
	return false;
}

static void net_seen_add(const char *name, const char *bdf)
{
	size_t i;

	for (i = 0; i < sizeof(net_known) / sizeof(net_known[0]); i++)
		if (!net_known[i].name[0]) {
			snprintf(net_known[i].name, sizeof(net_known[i].name), "%s", name);
			snprintf(net_known[i].bdf, sizeof(net_known[i].bdf), "%s", bdf);
			return;
		}
}

static void net_ifname_of(const char *bdf, char *out, size_t len);

/* Why ifname must not be used ("" = it may): loopback, a default route,
 * an address (the SSH connection's named as such). */
static void net_refused(const char *ifname, char *r, size_t len)
{
	r[0] = '\0';
	if (!strcmp(ifname, "lo"))
		snprintf(r, len, "lo is the loopback, not a NIC");
	else if (ib_net_default_route(net_root(), ifname))
		snprintf(r, len, "%s carries a default route", ifname);
	else
		net_addr_refused(ifname, r, len);
}

/* The one line of a refusal (reason r) of netdev=raw; IB_EXIT_USAGE. */
static int net_refusing(const char *raw, const char *r, char *why, size_t whylen)
{
	snprintf(why, whylen, "netdev=%s: %s; refusing (name two ports used for nothing else)",
		 raw, r);
	return IB_EXIT_USAGE;
}

/* Both ports checked before either is looked up in sysfs; a refusal is one
 * line naming netdev (IB_EXIT_USAGE: an error row, nothing changed). */
static int net_pci_device(const struct ib_point *pt, char *bdf, size_t bdflen, char *why,
			  size_t whylen)
{
	const char *raw = netdev_raw(&pt->p);
	char r[512] = "", now[IFNAMSIZ];
	bool seen[2];
	int k, lo, hi;

	net_ports(&lo, &hi);
	if (net_parse(raw, net_if[0], net_if[1], why, whylen))
		return IB_EXIT_USAGE;
	/* a port seen before is its device: the rebinds of earlier points
	 * (this rank's, or another's at once) may have renamed it */
	for (k = lo; k <= hi && !r[0]; k++) {
		seen[k] = net_seen(net_if[k], net_bdf[k], sizeof(net_bdf[k]));
		if (seen[k])
			net_ifname_of(net_bdf[k], now, sizeof(now));
		net_refused(seen[k] && now[0] ? now : net_if[k], r, sizeof(r));
	}
	for (k = lo; k <= hi && !r[0]; k++)
		if (!seen[k] && net_bdf_of(net_if[k], net_bdf[k], sizeof(net_bdf[k])))
			snprintf(r, sizeof(r), "%s: no such interface with a PCI device (sysfs "
					       "/sys/class/net/%s/device)", net_if[k], net_if[k]);
		else if (!seen[k])
			net_seen_add(net_if[k], net_bdf[k]);
	if (r[0])
		return net_refusing(raw, r, why, whylen);
	snprintf(bdf, bdflen, "%s", net_bdf[lo]);
	return IB_EXIT_OK;
}

/* Before the run (one process): a port that must not be touched. */
static int net_refuse(const struct ib_point *pt, char *why, size_t whylen)
{
	const char *raw = netdev_raw(&pt->p);
	char r[512] = "", a[IFNAMSIZ], b[IFNAMSIZ];

	if (net_parse(raw, a, b, why, whylen))
		return -1;
	net_refused(a, r, sizeof(r));
	if (!r[0])
		net_refused(b, r, sizeof(r));
	return r[0] ? net_refusing(raw, r, why, whylen) : 0;
}

/* The interface under bdf now ("" = none yet): a rebind may rename it. */
static void net_ifname_of(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *e, *n;
	DIR *d, *dn;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/net", ib_sysfs_root, bdf);
	d = opendir(path);
	while (d && !out[0] && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(out, len, "%s", e->d_name);
	if (d)
		closedir(d);
	/* virtio: the netdev hangs off the virtio device below the PCI one */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", ib_sysfs_root, bdf);
	d = out[0] ? NULL : opendir(path);
	while (d && !out[0] && (e = readdir(d))) {
		if (strncmp(e->d_name, "virtio", 6))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/net", path, e->d_name);
		dn = opendir(sub);
		while (dn && !out[0] && (n = readdir(dn)))
			if (n->d_name[0] != '.')
				snprintf(out, len, "%s", n->d_name);
		if (dn)
			closedir(dn);
	}
	if (d)
		closedir(d);
}

/* After the first port's switch (the runner's): the second port's group
 * the same way, then both interfaces back. */
static int net_settle(const struct ib_point *pt, const char *bdf, char *why, size_t whylen)
{
	char eff[32], name[2][IFNAMSIZ];
	uint64_t t0 = ib_now_ns();
	int rc, k, lo, hi;

	(void)bdf;
	net_ports(&lo, &hi);
	/* a rank has one port: the runner switched it */
	rc = net_ranked() ? 0 : ib_iommu_mode_apply_bind(net_bdf[1], pt->p.raw[IB_O_IOMMU_MODE],
							 NULL, eff, sizeof(eff), why, whylen);
	if (rc)
		return rc;
	for (;;) {
		for (k = lo; k <= hi; k++)
			net_ifname_of(net_bdf[k], name[k], sizeof(name[k]));
		if (name[lo][0] && name[hi][0])
			return IB_EXIT_OK;
		if (ib_now_ns() - t0 > NET_SETTLE_NS) {
			snprintf(why, whylen, "netdev=%s:%s: the interface of %s%s%s did not come "
					      "back within 15 s after the rebind",
				 net_if[0], net_if[1], net_bdf[lo], lo != hi ? " or " : "",
				 lo != hi ? net_bdf[hi] : "");
			return IB_EXIT_FAILED;
		}
		usleep(50000);
	}
}

static int net_run(struct ib_run_ctx *ctx, struct ib_rep *rep, char *err, size_t errlen)
{
	const struct net_opts *o = ctx->opts;
	struct net_pair pair = {
		.threads = (unsigned int)(o->threads ? o->threads : 1),
		.datagrams = o->iterations,
		.msg_size = o->msg_size ? o->msg_size : 1472,
		.pings = NET_PINGS,
		.side = net_side(),
		.subnet = net_ranked() ? (unsigned int)ib_ranks.rank / 2 : 0,
	};
	int k, lo, hi;
	static const struct ib_point *seq_pt;
	static uint64_t seq;

	net_ports(&lo, &hi);
	/* both ranks of a pair run a point's repetitions alike (IB_ENG_RANK_PAIRS):
	 * the n-th of this point is the n-th of the other side's */
	if (ctx->pt != seq_pt)
		seq_pt = ctx->pt, seq = 0;
	pair.rep_seq = seq++;
	for (k = lo; k <= hi; k++) {
		net_ifname_of(net_bdf[k], pair.ifname[k], sizeof(pair.ifname[k]));
		if (!pair.ifname[k][0]) {
			snprintf(err, errlen, "netdev=%s:%s: %s has no interface now", net_if[0],
				 net_if[1], net_bdf[k]);
			return IB_EXIT_FAILED;
		}
	}
	return ib_net_pair_run(&pair, rep, err, errlen);
}

const struct ib_engine ib_engine_net = {
	.name = "net",
	.help = "UDP stream and ping-pong between two NIC ports (netdev=A:B), each in a "
		"namespace of its own: pps, bandwidth, dma_latency_ns per round trip; "
		"iommu_mode switches both ports' groups; counters per packet",
	.flags = IB_ENG_TIMES_MAPS | IB_ENG_RANK_PAIRS,
	.metrics = IB_MB(IB_M_DMA_LATENCY) | IB_MB_BANDWIDTH | IB_MB_IOPS | IB_MB_PPS,
	.module_engine = -1,
	IB_ENGINE_OPTS(net_opt_table),
	.opts_size = sizeof(struct net_opts),
	.validate = net_validate,
	.supported = net_supported,
	.pci_device = net_pci_device,
	.settle = net_settle,
	.refuse = net_refuse,
	.run = net_run,
};
