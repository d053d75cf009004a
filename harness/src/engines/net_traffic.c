// SPDX-License-Identifier: GPL-2.0
/*
 * net: one repetition's traffic between the pair.  Two anonymous network
 * namespaces (unshare on this thread, kept as descriptors: the kernel
 * gives their interfaces back to the initial namespace when the last
 * descriptor goes, SIGKILL included), each port moved into its own with
 * one RTM_NEWLINK/IFLA_NET_NS_FD message, addressed by ioctl (198.18.0.1
 * and .2/24, IPv6 off so that no router or neighbour discovery adds
 * packets, static ARP entries so that no ARP does), then per thread pair a
 * sender in namespace A and a receiver in namespace B, each thread moved
 * there with setns before it makes its socket.  Nothing here runs a
 * program: the kernel is asked through netlink and ioctls only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ib_run.h"
#include "net_int.h"

#define NET_PORT 47000	 /* + thread index; inside the namespaces only */
#define NET_IDLE_MS 2000 /* a stream silent this long is over */
#define NET_RCVBUF (32 << 20)

enum { T_DATA, T_DONE, T_PING, T_PONG };

struct net_hdr {
	uint32_t type, thread;
	uint64_t seq;
};

static const char *const net_addr[2] = { "198.18.0.1", "198.18.0.2" };

/* The threads' start: each makes its socket, then waits for go (abort:
 * a thread could not be started; nobody sends). */
struct net_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int ready;
	bool go, abort;
};

struct net_worker {
	const struct net_pair *pair;
	struct net_gate *gate;
	int nsfd;
	unsigned int t;
	bool receiver;
	/* results */
	uint64_t packets, bytes;
	uint64_t rtt[64];
	unsigned int nrtt;
	char err[256];
};

/* Moves the interface ifindex (of this thread's namespace) into nsfd's. */
static int nl_move(int ifindex, int nsfd, char *err, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(sizeof(int))];
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr e;
		char more[256];
	} ack;
	struct rtattr *rta;
	int fd, rc = -1;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFLA_NET_NS_FD;
	rta->rta_len = RTA_LENGTH(sizeof(int));
	memcpy(RTA_DATA(rta), &nsfd, sizeof(int));
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		snprintf(err, len, "netlink: %s", strerror(errno));
		goto out;
	}
	n = recv(fd, &ack, sizeof(ack), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ack.nh.nlmsg_type != NLMSG_ERROR) {
		snprintf(err, len, "netlink: no answer to RTM_NEWLINK");
		goto out;
	}
	if (ack.e.error) {
		snprintf(err, len, "netlink RTM_NEWLINK (move to a namespace): %s",
			 strerror(-ack.e.error));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int in_ns(int fd)
{
	return setns(fd, CLONE_NEWNET);
}

/* In this thread's namespace: ifname up with addr/24, IPv6 off, its MAC
 * into hw. */
static int if_setup(const char *ifname, const char *addr, struct sockaddr *hw, char *err,
		    size_t len)
{
	struct ifreq r;
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
	char path[128];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), fd, rc = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) { /* a kernel without IPv6 has nothing to switch off */
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "iommubench: net: %s: %s\n", path, strerror(errno));
		close(fd);
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", ifname);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (s < 0 || ioctl(s, SIOCSIFADDR, &r)) {
		snprintf(err, len, "%s: address %s: %s", ifname, addr, strerror(errno));
		goto out;
	}
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &r) || ioctl(s, SIOCGIFFLAGS, &r)) {
		snprintf(err, len, "%s: netmask: %s", ifname, strerror(errno));
		goto out;
	}
	r.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &r) || ioctl(s, SIOCGIFHWADDR, &r)) {
		snprintf(err, len, "%s: up: %s", ifname, strerror(errno));
		goto out;
	}
	*hw = r.ifr_hwaddr;
	rc = 0;
out:
	if (s >= 0)
		close(s);
	return rc;
}

/* In this thread's namespace: peer's address at hw on ifname, for good;
 * then up to 5 s for the link (IFF_RUNNING). */
static int if_peer(const char *ifname, const char *peer, const struct sockaddr *hw, char *err,
		   size_t len)
{
	struct arpreq a;
	struct ifreq r;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.arp_pa;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), i, rc = -1;

	memset(&a, 0, sizeof(a));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, peer, &sin->sin_addr);
	a.arp_ha = *hw;
	a.arp_flags = ATF_COM | ATF_PERM;
	snprintf(a.arp_dev, sizeof(a.arp_dev), "%s", ifname);
	if (s < 0 || ioctl(s, SIOCSARP, &a)) {
		snprintf(err, len, "%s: neighbour %s: %s", ifname, peer, strerror(errno));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", ifname);
	for (i = 0; i < 100; i++) {
		if (!ioctl(s, SIOCGIFFLAGS, &r) && (r.ifr_flags & IFF_RUNNING)) {
			rc = 0;
			goto out;
		}
		usleep(50000);
	}
	snprintf(err, len, "%s: no link (IFF_RUNNING) within 5 s", ifname);
out:
	if (s >= 0)
		close(s);
	return rc;
}

static struct sockaddr_in net_sin(int k, unsigned int t)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(NET_PORT + t) };

	inet_pton(AF_INET, net_addr[k], &a.sin_addr);
	return a;
}

/* The worker's socket in its namespace, bound to its side's address and
 * connected to the other's. */
static int worker_socket(struct net_worker *w)
{
	int k = w->receiver, s, big = NET_RCVBUF;
	struct sockaddr_in me = net_sin(k, w->t), peer = net_sin(!k, w->t);

	if (in_ns(w->nsfd)) {
		snprintf(w->err, sizeof(w->err), "setns: %s", strerror(errno));
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) ||
	    connect(s, (struct sockaddr *)&peer, sizeof(peer))) {
		snprintf(w->err, sizeof(w->err), "socket %s:%u: %s", net_addr[k],
			 NET_PORT + w->t, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* One datagram of type/seq (msg_size bytes); 0 or -1. */
static int put(int s, char *buf, size_t n, uint32_t type, uint32_t t, uint64_t seq)
{
	struct net_hdr h = { type, t, seq };

	memcpy(buf, &h, sizeof(h));
	while (send(s, buf, n, 0) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return -1;
		usleep(100); /* the qdisc or the ring is full: let it drain */
	}
	return 0;
}

/* The next datagram within ms (its type in h, its size returned; 0 on
 * timeout, -1 on error). */
static ssize_t get(int s, char *buf, size_t n, struct net_hdr *h, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	r = recv(s, buf, n, 0);
	if (r >= (ssize_t)sizeof(*h))
		memcpy(h, buf, sizeof(*h));
	return r < (ssize_t)sizeof(*h) ? -1 : r;
}

static void sender(struct net_worker *w, int s, char *buf)
{
	const struct net_pair *p = w->pair;
	struct net_hdr h;
	uint64_t i, t0;
	ssize_t n;

	for (i = 0; i < p->datagrams && !ib_interrupted; i++)
		if (put(s, buf, p->msg_size, T_DATA, w->t, i)) {
			snprintf(w->err, sizeof(w->err), "send: %s", strerror(errno));
			return;
		}
	do
		n = get(s, buf, p->msg_size, &h, 4 * NET_IDLE_MS);
	while (n > 0 && h.type != T_DONE);
	if (n <= 0) {
		snprintf(w->err, sizeof(w->err), "thread %u: no answer from the receiver", w->t);
		return;
	}
	w->packets++, w->bytes += (uint64_t)n;
	for (i = 0; i < p->pings && !ib_interrupted; i++) {
		int tries = 0;

		/* a lost fragment loses the whole datagram: ask again (the
		 * round trip is the answered one's) */
		do {
			t0 = ib_now_ns();
			if (put(s, buf, p->msg_size, T_PING, w->t, i))
				break;
			do
				n = get(s, buf, p->msg_size, &h, NET_IDLE_MS / 4);
			while (n > 0 && !(h.type == T_PONG && h.seq == i));
		} while (n <= 0 && ++tries < 5 && !ib_interrupted);
		if (n <= 0) {
			snprintf(w->err, sizeof(w->err), "thread %u: ping %llu had no answer", w->t,
				 (unsigned long long)i);
			return;
		}
		if (w->nrtt < sizeof(w->rtt) / sizeof(w->rtt[0]))
			w->rtt[w->nrtt++] = ib_now_ns() - t0;
		w->packets++, w->bytes += (uint64_t)n;
	}
}

static void receiver(struct net_worker *w, int s, char *buf)
{
	const struct net_pair *p = w->pair;
	struct net_hdr h;
	uint64_t got = 0;
	ssize_t n;

	/* the first datagram may take a while (the sender's start) */
	while ((n = get(s, buf, p->msg_size, &h, got ? NET_IDLE_MS : 4 * NET_IDLE_MS)) > 0) {
		if (h.type != T_DATA)
			continue;
		got++, w->bytes += (uint64_t)n;
		if (h.seq + 1 >= p->datagrams)
			break;
	}
	w->packets += got;
	if (!got || put(s, buf, sizeof(h), T_DONE, w->t, got)) {
		snprintf(w->err, sizeof(w->err), "thread %u: %s", w->t,
			 got ? strerror(errno) : "no datagram arrived");
		return;
	}
	/* every ping answered (asked again: again), until the last one's */
	do {
		do
			n = get(s, buf, p->msg_size, &h, 2 * NET_IDLE_MS);
		while (n > 0 && h.type != T_PING);
		if (n <= 0 || put(s, buf, p->msg_size, T_PONG, w->t, h.seq))
			return; /* the sender says which ping went unanswered */
		w->packets++, w->bytes += (uint64_t)n;
	} while (h.seq + 1 < p->pings && !ib_interrupted);
}

static void *worker(void *arg)
{
	struct net_worker *w = arg;
	char *buf = calloc(1, w->pair->msg_size + sizeof(struct net_hdr));
	int s = buf ? worker_socket(w) : -1;

	if (!buf)
		snprintf(w->err, sizeof(w->err), "out of memory");
	pthread_mutex_lock(&w->gate->mu);
	w->gate->ready++;
	pthread_cond_broadcast(&w->gate->cv);
	while (!w->gate->go)
		pthread_cond_wait(&w->gate->cv, &w->gate->mu);
	if (w->gate->abort && s >= 0) {
		close(s);
		s = -1;
	}
	pthread_mutex_unlock(&w->gate->mu);
	if (s >= 0) {
		if (w->receiver)
			receiver(w, s, buf);
		else
			sender(w, s, buf);
		close(s);
	}
	free(buf);
	return NULL;
}

/* The threads: start together, joined; their results into rep. */
static int traffic(const struct net_pair *p, const int ns[2], struct ib_rep *rep, char *err,
		   size_t errlen)
{
	struct net_worker w[2 * IB_NET_MAX_THREADS];
	pthread_t tid[2 * IB_NET_MAX_THREADS];
	struct net_gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false,
				 false };
	unsigned int n = 2 * p->threads, i, j, started = 0;
	uint64_t t0, t1;
	int rc = IB_EXIT_OK;

	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i] = (struct net_worker){ .pair = p, .gate = &gate, .t = i / 2,
					    .receiver = i % 2, .nsfd = ns[i % 2] };
		if (pthread_create(&tid[i], NULL, worker, &w[i]))
			break;
		started++;
	}
	pthread_mutex_lock(&gate.mu);
	while (gate.ready < started)
		pthread_cond_wait(&gate.cv, &gate.mu);
	gate.go = true;
	gate.abort = started < n;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
	t0 = ib_now_ns();
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	t1 = ib_now_ns();
	if (started < n) {
		snprintf(err, errlen, "pthread_create: %u of %u threads started", started, n);
		return IB_EXIT_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (w[i].err[0] && rc == IB_EXIT_OK) {
			snprintf(err, errlen, "%s", w[i].err);
			rc = IB_EXIT_FAILED;
		}
		rep->ios += w[i].packets;
		rep->bytes_moved += w[i].bytes;
		for (j = 0; j < w[i].nrtt; j++)
			if (ib_metric_push(&rep->m[IB_M_DMA_LATENCY], (double)w[i].rtt[j]))
				rc = IB_EXIT_FAILED;
	}
	rep->elapsed_ns = t1 - t0;
	return rc;
}

/* Port k's interface, in namespace ns[k], back into orig (this thread is
 * in orig before and after). */
static void move_back(const struct net_pair *p, int k, int ns, int orig)
{
	char err[256];
	unsigned int idx;

	if (in_ns(ns))
		return; /* closing ns hands the interface back (the kernel) */
	idx = if_nametoindex(p->ifname[k]);
	if (idx && nl_move((int)idx, orig, err, sizeof(err)))
		fprintf(stderr, "iommubench: net: %s: %s\n", p->ifname[k], err);
	if (in_ns(orig))
		fprintf(stderr, "iommubench: net: setns back: %s\n", strerror(errno));
}

int ib_net_pair_run(const struct net_pair *p, struct ib_rep *rep, char *err, size_t errlen)
{
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns[2] = { -1, -1 }, moved[2] = { 0, 0 }, k, rc = IB_EXIT_FAILED;
	struct sockaddr hw[2];
	unsigned int idx;

	if (orig < 0) {
		snprintf(err, errlen, "/proc/thread-self/ns/net: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	for (k = 0; k < 2; k++) {
		if (unshare(CLONE_NEWNET)) {
			snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
			goto out;
		}
		ns[k] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (in_ns(orig) || ns[k] < 0) {
			snprintf(err, errlen, "network namespace: %s", strerror(errno));
			goto out;
		}
	}
	for (k = 0; k < 2; k++) {
		idx = if_nametoindex(p->ifname[k]);
		if (!idx || nl_move((int)idx, ns[k], err, errlen)) {
			if (!idx)
				snprintf(err, errlen, "%s: %s", p->ifname[k], strerror(errno));
			goto out;
		}
		moved[k] = 1;
	}
	for (k = 0; k < 2; k++) {
		int bad = in_ns(ns[k]) || if_setup(p->ifname[k], net_addr[k], &hw[k], err, errlen);

		if (in_ns(orig) || bad)
			goto out;
	}
	for (k = 0; k < 2; k++) {
		int bad = in_ns(ns[k]) || if_peer(p->ifname[k], net_addr[!k], &hw[!k], err, errlen);

		if (in_ns(orig) || bad)
			goto out;
	}
	rc = traffic(p, ns, rep, err, errlen);
out:
	for (k = 0; k < 2; k++)
		if (moved[k])
			move_back(p, k, ns[k], orig);
	for (k = 0; k < 2; k++)
		if (ns[k] >= 0)
			close(ns[k]);
	close(orig);
	return rc;
}
