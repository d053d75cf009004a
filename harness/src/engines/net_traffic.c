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
#define NET_HS_PORT 46999 /* the handshake of a rank pair */
#define NET_IDLE_MS 2000 /* a stream silent this long is over */
#define NET_RCVBUF (32 << 20)
#define NET_HS_WAIT_NS (30ULL * 1000000000ULL) /* the other rank's port */
#define NET_HS_EVERY_MS 20			/* HELLO again, unanswered: first */
#define NET_HS_EVERY_MAX_MS 320			/* then twice as long, up to this */

enum { T_DATA, T_DONE, T_PING, T_PONG, T_HELLO, T_ACK };

struct net_hdr {
	uint32_t type, thread;
	uint64_t seq;
};

/* A rank pair's handshake datagram: its port's MAC, so that each side
 * gets a static neighbour entry (no ARP) for the other. */
struct net_hello {
	struct net_hdr h;
	unsigned char mac[6];
};

/* One side's handshake (side >= 0). */
struct net_hs {
	int s;			 /* bound to NET_HS_PORT in this side's namespace */
	struct sockaddr hw;	 /* this port's MAC */
	uint64_t packets;	 /* handshake datagrams (net_hello) through this port */
	uint64_t untimed;	 /* of those, outside the timed window */
	uint64_t t0;		 /* the answered HELLO: sent (A), received (B) */
};

/* 198.18.<subnet>.<host> */
static struct in_addr net_ip(const struct net_pair *p, unsigned int host)
{
	struct in_addr a = { htonl((198U << 24) | (18U << 16) | (p->subnet << 8) | host) };

	return a;
}

/* The threads' start: each makes its socket, then waits for go (abort:
 * a thread could not be started; nobody sends). */
struct net_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int ready, finished;
	bool go, abort;
};

struct net_worker {
	const struct net_pair *pair;
	struct net_gate *gate;
	int nsfd;
	unsigned int t;
	bool receiver;
	/* results */
	uint64_t packets, bytes, t_end;
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
static int if_setup(const char *ifname, struct in_addr addr, struct sockaddr *hw, char *err,
		    size_t len)
{
	struct ifreq r;
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
	char path[128], txt[INET_ADDRSTRLEN];
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
	sin->sin_addr = addr;
	if (s < 0 || ioctl(s, SIOCSIFADDR, &r)) {
		snprintf(err, len, "%s: address %s: %s", ifname,
			 inet_ntop(AF_INET, &addr, txt, sizeof(txt)), strerror(errno));
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

/* In s's namespace: peer's address at hw on ifname, for good (no ARP). */
static int arp_set(int s, const char *ifname, struct in_addr peer, const struct sockaddr *hw,
		   char *err, size_t len)
{
	struct arpreq a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.arp_pa;
	char txt[INET_ADDRSTRLEN];

	memset(&a, 0, sizeof(a));
	sin->sin_family = AF_INET;
	sin->sin_addr = peer;
	a.arp_ha = *hw;
	a.arp_flags = ATF_COM | ATF_PERM;
	snprintf(a.arp_dev, sizeof(a.arp_dev), "%s", ifname);
	if (s >= 0 && !ioctl(s, SIOCSARP, &a))
		return 0;
	snprintf(err, len, "%s: neighbour %s: %s", ifname,
		 inet_ntop(AF_INET, &peer, txt, sizeof(txt)), strerror(errno));
	return -1;
}

/* In this thread's namespace: peer's address at hw on ifname (hw NULL:
 * none, the handshake finds it); then up to 5 s for the link
 * (IFF_RUNNING). */
static int if_peer(const char *ifname, struct in_addr peer, const struct sockaddr *hw, char *err,
		   size_t len)
{
	struct ifreq r;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), i, rc = -1;

	if (s < 0 || (hw && arp_set(s, ifname, peer, hw, err, len)))
		goto out;
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

/* 198.18.<subnet>.<host>:port (host 1: A, 2: B, 255: broadcast) */
static struct sockaddr_in net_sin(const struct net_pair *p, unsigned int host, unsigned int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr = net_ip(p, host) };

	return a;
}

/* The worker's socket in its namespace, bound to its side's address and
 * connected to the other's. */
static int worker_socket(struct net_worker *w)
{
	int k = w->receiver, s, big = NET_RCVBUF;
	struct sockaddr_in me = net_sin(w->pair, k + 1, NET_PORT + w->t),
			   peer = net_sin(w->pair, !k + 1, NET_PORT + w->t);
	char txt[INET_ADDRSTRLEN];

	if (in_ns(w->nsfd)) {
		snprintf(w->err, sizeof(w->err), "setns: %s", strerror(errno));
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) ||
	    connect(s, (struct sockaddr *)&peer, sizeof(peer))) {
		snprintf(w->err, sizeof(w->err), "socket %s:%u: %s",
			 inet_ntop(AF_INET, &me.sin_addr, txt, sizeof(txt)), NET_PORT + w->t,
			 strerror(errno));
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

/* A datagram w sent: counted on a rank pair's side only (both ports in one
 * process: the receiving side counts it, once). */
static void sent(struct net_worker *w, uint64_t bytes)
{
	if (w->pair->side >= 0)
		w->packets++, w->bytes += bytes;
}

static void sender(struct net_worker *w, int s, char *buf)
{
	const struct net_pair *p = w->pair;
	struct net_hdr h;
	uint64_t i, t0;
	ssize_t n;

	for (i = 0; i < p->datagrams && !ib_interrupted; i++) {
		if (put(s, buf, p->msg_size, T_DATA, w->t, i)) {
			snprintf(w->err, sizeof(w->err), "send: %s", strerror(errno));
			return;
		}
		sent(w, p->msg_size);
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
			sent(w, p->msg_size);
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
	sent(w, sizeof(h));
	/* every ping answered (asked again: again), until the last one's */
	do {
		do
			n = get(s, buf, p->msg_size, &h, 2 * NET_IDLE_MS);
		while (n > 0 && h.type != T_PING);
		if (n <= 0 || put(s, buf, p->msg_size, T_PONG, w->t, h.seq))
			return; /* the sender says which ping went unanswered */
		w->packets++, w->bytes += (uint64_t)n;
		sent(w, p->msg_size);
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
	w->t_end = ib_now_ns();
	pthread_mutex_lock(&w->gate->mu);
	w->gate->finished++;
	pthread_mutex_unlock(&w->gate->mu);
	return NULL;
}

/* --- a rank pair's handshake (side >= 0), on this side's NET_HS_PORT --- */

/* 1 sent (counted), 0 not sent (the port's queue full), -1 error. */
static int hs_put(struct net_hs *hs, uint32_t type, uint64_t seq, struct sockaddr_in to)
{
	struct net_hello m = { { type, 0, seq }, { 0 } };

	memcpy(m.mac, hs->hw.sa_data, sizeof(m.mac));
	/* never blocks: a port whose peer is not there yet may hold its
	 * frames (a QEMU hub does); a HELLO not sent is sent again */
	if (sendto(hs->s, &m, sizeof(m), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) !=
	    sizeof(m))
		return errno == EAGAIN || errno == ENOBUFS ? 0 : -1;
	hs->packets++;
	return 1;
}

/* The next handshake datagram within ms into m (counted: it crossed this
 * port); 1, or 0 on timeout or error. */
static int hs_get(struct net_hs *hs, struct net_hello *m, int ms)
{
	struct pollfd pf = { .fd = hs->s, .events = POLLIN };

	if (poll(&pf, 1, ms) <= 0 || recv(hs->s, m, sizeof(*m), 0) != sizeof(*m))
		return 0;
	hs->packets++;
	return 1;
}

/* m's MAC as the neighbour entry of the other side (address host). */
static int hs_learn(const struct net_pair *p, struct net_hs *hs, const struct net_hello *m,
		    unsigned int host, char *err, size_t len)
{
	struct sockaddr hw = hs->hw;

	memcpy(hw.sa_data, m->mac, sizeof(m->mac));
	return arp_set(hs->s, p->ifname[p->side], net_ip(p, host), &hw, err, len);
}

/* A: HELLO (broadcast) until B's ACK of this repetition, after
 * NET_HS_EVERY_MS unanswered again, then at twice the interval up to
 * NET_HS_EVERY_MAX_MS (a B still setting up its port costs a few HELLOs,
 * not one per 20 ms); t0 = when the last one before the ACK left.  The
 * HELLOs before it and whatever else arrived (an earlier repetition's
 * ACKs) are untimed. */
static int hs_sender(const struct net_pair *p, struct net_hs *hs, char *err, size_t len)
{
	struct sockaddr_in bc = net_sin(p, 255, NET_HS_PORT);
	struct net_hello m;
	uint64_t start = ib_now_ns(), sent;
	int every = NET_HS_EVERY_MS, put;

	while (!ib_interrupted && ib_now_ns() - start < NET_HS_WAIT_NS) {
		sent = ib_now_ns();
		put = hs_put(hs, T_HELLO, p->rep_seq, bc);
		if (put < 0) {
			snprintf(err, len, "%s: HELLO: %s", p->ifname[0], strerror(errno));
			return -1;
		}
		if (put) { /* one not sent is neither counted nor timed */
			if (hs->t0)
				hs->untimed++; /* the HELLO sent before this one */
			hs->t0 = sent;
		}
		while (hs_get(hs, &m, every)) {
			if (m.h.type == T_ACK && m.h.seq == p->rep_seq)
				return hs_learn(p, hs, &m, 2, err, len);
			hs->untimed++;
		}
		every = every * 2 < NET_HS_EVERY_MAX_MS ? every * 2 : NET_HS_EVERY_MAX_MS;
	}
	snprintf(err, len, "%s: no answer from the other rank's port within 30 s (repetition %llu)",
		 p->ifname[0], (unsigned long long)p->rep_seq);
	return -1;
}

/* B: this repetition's HELLO within ms, answered with one ACK (a lost ACK:
 * A asks again, answered again); 1 answered, 0 none, -1.  HELLOs queued
 * behind it (A asked again while this port came up) are read without an
 * answer; they and anything else (an earlier repetition's) are untimed. */
static int hs_answer(const struct net_pair *p, struct net_hs *hs, int ms, char *err, size_t len)
{
	struct net_hello m, more;

	while (hs_get(hs, &m, ms)) {
		if (m.h.type != T_HELLO || m.h.seq != p->rep_seq) {
			hs->untimed++;
			continue;
		}
		while (hs_get(hs, &more, 0))
			hs->untimed++;
		if (!hs->t0)
			hs->t0 = ib_now_ns();
		if (hs_learn(p, hs, &m, 1, err, len) ||
		    hs_put(hs, T_ACK, p->rep_seq, net_sin(p, 1, NET_HS_PORT)) < 0) {
			if (!err[0])
				snprintf(err, len, "%s: ACK: %s", p->ifname[1], strerror(errno));
			return -1;
		}
		return 1;
	}
	return 0;
}

static int hs_receiver(const struct net_pair *p, struct net_hs *hs, char *err, size_t len)
{
	uint64_t start = ib_now_ns();
	int rc = 0;

	while (!rc && !ib_interrupted && ib_now_ns() - start < NET_HS_WAIT_NS)
		rc = hs_answer(p, hs, 100, err, len);
	if (!rc)
		snprintf(err, len, "%s: no HELLO from the other rank's port within 30 s "
				   "(repetition %llu)",
			 p->ifname[1], (unsigned long long)p->rep_seq);
	return rc > 0 ? 0 : -1;
}

/* B of a rank pair, while its threads run: answers a HELLO asked again
 * (its ACK lost) until every thread is done. */
static void hs_serve(const struct net_pair *p, struct net_hs *hs, struct net_gate *gate,
		     unsigned int started)
{
	char err[256] = "";

	for (;;) {
		pthread_mutex_lock(&gate->mu);
		if (gate->finished >= started) {
			pthread_mutex_unlock(&gate->mu);
			return;
		}
		pthread_mutex_unlock(&gate->mu);
		if (hs_answer(p, hs, 20, err, sizeof(err)) < 0)
			return;
	}
}

/* The threads (side >= 0: this side's, after the handshake): start
 * together, joined; their results into rep. */
static int traffic(const struct net_pair *p, const int ns[2], struct net_hs *hs,
		   struct ib_rep *rep, char *err, size_t errlen)
{
	struct net_worker w[2 * IB_NET_MAX_THREADS];
	pthread_t tid[2 * IB_NET_MAX_THREADS];
	struct net_gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false,
				 false };
	unsigned int n = p->side < 0 ? 2 * p->threads : p->threads, i, j, started = 0;
	uint64_t t0, t1;
	int rc = IB_EXIT_OK, hs_rc = 0;

	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		bool recv = p->side < 0 ? (i % 2) != 0 : p->side != 0;

		w[i] = (struct net_worker){ .pair = p, .gate = &gate,
					    .t = p->side < 0 ? i / 2 : i, .receiver = recv,
					    .nsfd = ns[recv] };
		if (pthread_create(&tid[i], NULL, worker, &w[i]))
			break;
		started++;
	}
	pthread_mutex_lock(&gate.mu);
	while (gate.ready < started)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
	/* B's sockets are bound before its ACK: nothing of A's arrives early */
	if (p->side >= 0 && started == n)
		hs_rc = (p->side ? hs_receiver : hs_sender)(p, hs, err, errlen);
	pthread_mutex_lock(&gate.mu);
	gate.go = true;
	gate.abort = started < n || hs_rc;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
	t0 = p->side >= 0 && !hs_rc ? hs->t0 : ib_now_ns();
	if (p->side == 1 && !hs_rc)
		hs_serve(p, hs, &gate, started);
	for (i = 0, t1 = t0; i < started; i++) {
		pthread_join(tid[i], NULL);
		t1 = w[i].t_end > t1 ? w[i].t_end : t1; /* not B's wait in hs_serve */
	}
	if (started < n) {
		snprintf(err, errlen, "pthread_create: %u of %u threads started", started, n);
		return IB_EXIT_FAILED;
	}
	if (hs_rc)
		return IB_EXIT_FAILED; /* err says */
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
	if (p->side >= 0) { /* the answered HELLO and its ACK are timed */
		rep->ios += hs->packets - hs->untimed;
		rep->bytes_moved += (hs->packets - hs->untimed) * sizeof(struct net_hello);
		rep->ios_untimed += hs->untimed;
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

/* The handshake's socket, made in this thread's namespace before its port
 * comes in (a HELLO that arrives is always counted): any address, so that
 * A's broadcast reaches it. */
static int hs_socket(char *err, size_t len)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(NET_HS_PORT) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), on = 1;

	if (s >= 0 && !setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) &&
	    !bind(s, (struct sockaddr *)&any, sizeof(any)))
		return s;
	snprintf(err, len, "handshake socket (port %d): %s", NET_HS_PORT, strerror(errno));
	if (s >= 0)
		close(s);
	return -1;
}

int ib_net_pair_run(const struct net_pair *p, struct ib_rep *rep, char *err, size_t errlen)
{
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns[2] = { -1, -1 }, moved[2] = { 0, 0 }, k, rc = IB_EXIT_FAILED, lo, hi;
	struct net_hs hs = { .s = -1 };
	struct sockaddr hw[2];
	unsigned int idx;

	if (orig < 0) {
		snprintf(err, errlen, "/proc/thread-self/ns/net: %s", strerror(errno));
		return IB_EXIT_FAILED;
	}
	ib_net_ports(p->side, &lo, &hi);
	for (k = lo; k <= hi; k++) {
		bool hs_bad;

		if (unshare(CLONE_NEWNET)) {
			snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
			goto out;
		}
		ns[k] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		/* made in the new namespace, before leaving it */
		hs_bad = ns[k] >= 0 && p->side >= 0 && (hs.s = hs_socket(err, errlen)) < 0;
		if (in_ns(orig) || ns[k] < 0 || hs_bad) {
			if (!hs_bad) /* hs_socket said why */
				snprintf(err, errlen, "network namespace: %s", strerror(errno));
			goto out;
		}
	}
	for (k = lo; k <= hi; k++) {
		idx = if_nametoindex(p->ifname[k]);
		if (!idx || nl_move((int)idx, ns[k], err, errlen)) {
			if (!idx)
				snprintf(err, errlen, "%s: %s", p->ifname[k], strerror(errno));
			goto out;
		}
		moved[k] = 1;
	}
	for (k = lo; k <= hi; k++) {
		int bad = in_ns(ns[k]) ||
			  if_setup(p->ifname[k], net_ip(p, (unsigned int)k + 1), &hw[k], err, errlen);

		if (in_ns(orig) || bad)
			goto out;
	}
	/* the other side's MAC: here (both ports), or from the handshake */
	for (k = lo; k <= hi; k++) {
		int bad = in_ns(ns[k]) || if_peer(p->ifname[k], net_ip(p, (unsigned int)!k + 1),
						  p->side < 0 ? &hw[!k] : NULL, err, errlen);

		if (in_ns(orig) || bad)
			goto out;
	}
	if (p->side >= 0)
		hs.hw = hw[p->side];
	rc = traffic(p, ns, &hs, rep, err, errlen);
out:
	for (k = lo; k <= hi; k++)
		if (moved[k])
			move_back(p, k, ns[k], orig);
	for (k = lo; k <= hi; k++)
		if (ns[k] >= 0)
			close(ns[k]);
	if (hs.s >= 0)
		close(hs.s);
	close(orig);
	return rc;
}
