// SPDX-License-Identifier: GPL-2.0
/*
 * Temporaries removed on SIGINT, SIGTERM, SIGHUP and SIGQUIT (ib_tmpfiles.h).
 *
 * A fixed table: a slot's path is written before its flag is set, and the
 * flag is cleared before the slot is reused, so the handler only ever sees
 * whole paths.  The report, compare, finish and lab-merge are single
 * threaded; the table is still read with atomics in case a signal lands on
 * another thread.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_tmpfiles.h"

#define NSLOTS 32

static char paths[NSLOTS][PATH_MAX];
static int used[NSLOTS];
static pid_t child;

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction prev[sizeof(sigs) / sizeof(sigs[0])];
static bool installed;

int ib_tmp_add(const char *path)
{
	size_t len = strlen(path);
	int i;

	if (len >= PATH_MAX)
		return -1;
	for (i = 0; i < NSLOTS; i++) {
		int expected = 0;

		/* 2: being filled in (the handler skips it) */
		if (!__atomic_compare_exchange_n(&used[i], &expected, 2, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			continue;
		memcpy(paths[i], path, len + 1);
		__atomic_store_n(&used[i], 1, __ATOMIC_SEQ_CST);
		return i;
	}
	return -1;
}

void ib_tmp_del(int slot)
{
	if (slot >= 0 && slot < NSLOTS)
		__atomic_store_n(&used[slot], 0, __ATOMIC_SEQ_CST);
}

void ib_tmp_child(pid_t pid)
{
	__atomic_store_n(&child, pid, __ATOMIC_SEQ_CST);
}

int ib_tmp_cleanup(void)
{
	pid_t pid = __atomic_exchange_n(&child, 0, __ATOMIC_SEQ_CST);
	int i, n = 0;

	/* the child first: it could create its output after the unlink */
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (i = 0; i < NSLOTS; i++)
		if (__atomic_load_n(&used[i], __ATOMIC_SEQ_CST) == 1 && !unlink(paths[i]))
			n++;
	return n;
}

static void on_signal(int sig)
{
	int saved = errno;
	size_t k;

	ib_tmp_cleanup();
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		if (sigs[k] == sig)
			break;
	if (k < sizeof(sigs) / sizeof(sigs[0]) && !(prev[k].sa_flags & SA_SIGINFO) &&
	    prev[k].sa_handler != SIG_DFL && prev[k].sa_handler != SIG_IGN) {
		prev[k].sa_handler(sig);
		errno = saved;
		return;
	}
	/* no handler before ours: the default action */
	{
		struct sigaction sa;
		sigset_t s;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(sig, &sa, NULL);
		sigemptyset(&s);
		sigaddset(&s, sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
		_exit(128 + sig);
	}
}

void ib_tmp_signals(void)
{
	struct sigaction sa;
	size_t k;

	if (installed)
		return;
	installed = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		sigaddset(&sa.sa_mask, sigs[k]);
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++) {
		if (sigaction(sigs[k], NULL, &prev[k]))
			continue;
		if (prev[k].sa_handler == SIG_IGN && !(prev[k].sa_flags & SA_SIGINFO))
			continue; /* nohup: stays ignored */
		sigaction(sigs[k], &sa, NULL);
	}
}
