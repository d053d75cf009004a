// SPDX-License-Identifier: GPL-2.0
/*
 * Ranks (ib_ranks.h): MPI detection, the shim loaded with dlopen, the
 * per-rank device, and messages with failure detection.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ib_exit.h"
#include "ib_ranks.h"
#include "ib_engine.h"

struct ib_ranks_info ib_ranks = { .rank = 0, .size = 1, .local_rank = 0, .local_size = 1,
				  .timeout_s = 3600 };

static struct {
	void *h;
	int (*init)(int *, int *, int *, int *);
	int (*send)(int, int, const void *, size_t);
	int (*try_recv)(int, int, char **, size_t *);
	void (*finalize)(void);
} shim;

#define SHIM_NAME "libiommubench-mpi.so"

/* The ranks an MPI launcher announced in the environment; 0 = none, -1 =
 * launched but the size is only known after MPI_Init. */
static int launched_size(void)
{
	const char *v = getenv("OMPI_COMM_WORLD_SIZE");

	if (!v)
		v = getenv("PMI_SIZE");
	if (!v)
		v = getenv("PMIX_SIZE");
	if (v)
		return atoi(v);
	return getenv("PMIX_RANK") ? -1 : 0;
}

static void *shim_open(char *where, size_t len)
{
	const char *env = getenv("IOMMUBENCH_MPI_SHIM");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	void *h;

	if (env && env[0]) {
		snprintf(where, len, "%s", env);
		return dlopen(env, RTLD_NOW | RTLD_GLOBAL);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			/* next to the binary (build/), then where make install
			 * puts it: <prefix>/bin/../lib/iommubench/ */
			snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "%s", SHIM_NAME);
			snprintf(where, len, "%s", exe);
			h = dlopen(exe, RTLD_NOW | RTLD_GLOBAL);
			if (h)
				return h;
			snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe),
				 "../lib/iommubench/%s", SHIM_NAME);
			if (!access(exe, F_OK)) {
				snprintf(where, len, "%s", exe);
				h = dlopen(exe, RTLD_NOW | RTLD_GLOBAL);
				if (h)
					return h;
			}
		}
	}
	return NULL;
}

int ib_ranks_init(void)
{
	int size = launched_size(), abi;
	char where[PATH_MAX + 64] = SHIM_NAME;
	int (*abi_fn)(void);
	const char *t = getenv("IOMMUBENCH_RANK_TIMEOUT");

	gethostname(ib_ranks.host, sizeof(ib_ranks.host) - 1);
	if (t && t[0]) {
		char *end;
		double v = strtod(t, &end);

		if (*end || !(v > 0) || v > 86400) {
			fprintf(stderr, "iommubench: IOMMUBENCH_RANK_TIMEOUT=%s: expected seconds in (0, 86400]\n", t);
			return IB_EXIT_USAGE;
		}
		ib_ranks.timeout_s = v;
	}
	if (size == 0 || size == 1)
		return IB_EXIT_OK; /* today's one-process run, exactly */
	shim.h = shim_open(where, sizeof(where));
	if (!shim.h) {
		fprintf(stderr,
			"iommubench: started by an MPI launcher with %d ranks, but %s cannot be loaded (%s); build it with libopenmpi-dev installed (make build) or set IOMMUBENCH_MPI_SHIM\n",
			size, where, dlerror());
		return IB_EXIT_RESOURCE;
	}
	abi_fn = (int (*)(void))dlsym(shim.h, "ibmpi_abi");
	shim.init = (int (*)(int *, int *, int *, int *))dlsym(shim.h, "ibmpi_init");
	shim.send = (int (*)(int, int, const void *, size_t))dlsym(shim.h, "ibmpi_send");
	shim.try_recv = (int (*)(int, int, char **, size_t *))dlsym(shim.h, "ibmpi_try_recv");
	shim.finalize = (void (*)(void))dlsym(shim.h, "ibmpi_finalize");
	abi = abi_fn ? abi_fn() : -1;
	if (abi != 1 || !shim.init || !shim.send || !shim.try_recv || !shim.finalize) {
		fprintf(stderr, "iommubench: %s: not an iommubench MPI shim of ABI 1 (found %d)\n",
			where, abi);
		return IB_EXIT_RESOURCE;
	}
	if (shim.init(&ib_ranks.rank, &ib_ranks.size, &ib_ranks.local_rank,
		      &ib_ranks.local_size)) {
		fprintf(stderr, "iommubench: MPI_Init failed (%s)\n", where);
		return IB_EXIT_RESOURCE;
	}
	ib_ranks.multi = ib_ranks.size > 1;
	if (!ib_ranks.multi) {
		shim.finalize();
		shim.finalize = NULL;
	}
	return IB_EXIT_OK;
}

void ib_ranks_finalize(void)
{
	/* MPI_Finalize waits for a dead peer forever (Open MPI 4.1, seen) */
	if (shim.finalize && ib_ranks.multi && !ib_ranks.peer_failed)
		shim.finalize();
	ib_ranks.multi = false;
}

void ib_ranks_pick_device(struct ib_topo *t)
{
	int i, n = 0, want, k = 0;

	if (!ib_ranks.multi)
		return;
	for (i = 0; i < t->ndevs; i++)
		n += t->devs[i].engines != 0;
	if (!n) {
		/* no device: one rank per NUMA node with CPUs */
		int nodes[IB_TOPO_MAX_NODES];

		for (i = 0; i < t->nnodes; i++)
			if (t->has_cpu[i])
				nodes[n++] = t->node[i];
		if (n) {
			t->rank_node = nodes[ib_ranks.local_rank % n];
			t->rank_node_set = true;
		}
		return;
	}
	want = ib_ranks.local_rank % n;
	for (i = 0; i < t->ndevs; i++) {
		if (!t->devs[i].engines)
			continue;
		if (k++ != want)
			t->devs[i].engines = 0; /* another rank's device */
	}
}

int ib_ranks_send(int dest, int tag, const char *text)
{
	return shim.send(dest, tag, text, strlen(text));
}

int ib_ranks_wait(int src, int tag, int pid, long max_nap_ns, char **text, char *why,
		  size_t whylen)
{
	uint64_t t0 = ib_now_ns(), last_check = t0;
	struct timespec nap = { 0, max_nap_ns < 200000 ? max_nap_ns : 200000 };
	size_t len;

	for (;;) {
		int r = shim.try_recv(src, tag, text, &len);
		uint64_t now;

		if (r == 1)
			return 0;
		if (r < 0) {
			snprintf(why, whylen, "rank %d: MPI receive failed", src);
			return -1;
		}
		now = ib_now_ns();
		if (pid > 0 && now - last_check > 50000000ULL) {
			last_check = now;
			if (kill(pid, 0) && errno == ESRCH) {
				/* a last message may have left just before */
				if (shim.try_recv(src, tag, text, &len) == 1)
					return 0;
				snprintf(why, whylen, "rank %d (pid %d on %s) exited", src, pid,
					 ib_ranks.host);
				return -1;
			}
		}
		/* a rank on this host is watched by its pid, never timed out:
		 * in the lab the guest clock jumps (100 ms per edu DMA) */
		if (pid <= 0 && (double)(now - t0) / 1e9 > ib_ranks.timeout_s) {
			snprintf(why, whylen, "rank %d: no answer within %.0f s (IOMMUBENCH_RANK_TIMEOUT)",
				 src, ib_ranks.timeout_s);
			return -1;
		}
		/* sleep, never spin: a waiting rank must not take the CPU a
		 * measuring rank on the same core needs.  Naps grow from 0.2 ms
		 * to max_nap_ns: 50 ms for long waits (a rank idle through
		 * another's alone step wakes 20 times a second; under icount
		 * each wake-up cuts short the guest's idle jump), 0.1 ms for GO */
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < max_nap_ns)
			nap.tv_nsec = nap.tv_nsec * 3 / 2 > max_nap_ns ? max_nap_ns : nap.tv_nsec * 3 / 2;
	}
}
