/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine-state ledger: what iommubench runs changed on this machine
 * (hugepage pools raised, IOMMU group types switched), who changed it and
 * what it was before.  A directory (default /run/iommubench, or
 * $IOMMUBENCH_STATE_DIR) holds `lock` (flock) and `state` (text, rewritten
 * atomically under the lock).  Overlapping runs share it; a run that died
 * without restoring (SIGKILL) is found by its pid + start time no longer
 * matching, and its changes are undone by the next run or
 * `iommubench restore`.  See docs/harness.md.
 */
#ifndef IB_MACHINE_STATE_H
#define IB_MACHINE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define IB_STATE_MAX_POOLS 16
#define IB_STATE_MAX_HOLDERS 64
#define IB_STATE_MAX_GROUPS 16

/* A process: pid plus its start time (clock ticks after boot, field 22 of
 * /proc/<pid>/stat), so a recycled pid is not taken for the original. */
struct ib_state_proc {
	int pid;
	unsigned long long start;
};

struct ib_state_holder {
	struct ib_state_proc proc;
	long long added; /* pages this process added and still holds */
};

/* One hugepage pool (its nr_hugepages path) raised by iommubench runs. */
struct ib_state_pool {
	char path[512];
	long long orig; /* nr_hugepages before any iommubench run raised it */
	int nholders;
	struct ib_state_holder h[IB_STATE_MAX_HOLDERS];
};

/* One IOMMU group whose type a run switched (one holder at a time). */
struct ib_state_group {
	char root[128]; /* ib_sysfs_root when recorded ("" = /) */
	char bdf[16];
	int group;	/* iommu_group number, for messages */
	struct ib_state_proc proc;
	char orig_type[32];
	char orig_override[64]; /* "" = none */
	char driver[128];	/* bound driver to rebind, "" = was unbound */
};

struct ib_state {
	int npools, ngroups;
	struct ib_state_pool pool[IB_STATE_MAX_POOLS];
	struct ib_state_group group[IB_STATE_MAX_GROUPS];
};

/* The state directory now ($IOMMUBENCH_STATE_DIR or /run/iommubench). */
const char *ib_state_dir(void);

/*
 * Takes the ledger lock (flock on <dir>/lock).  Reentrant within the
 * process.  While it is held, SIGINT/SIGTERM/SIGHUP/SIGQUIT are blocked in
 * this thread, so a signal handler never interrupts a half-done update.
 * create: make the directory if missing (else 1 = nothing recorded here).
 * 0 locked; 1 no state directory (create false); -1 error with why.
 */
int ib_state_lock(bool create, char *why, size_t whylen);
void ib_state_unlock(void);
/*
 * Keeps the lock but lets signals in again, for long work that is no
 * ledger update (faulting in a hugetlb buffer): a signal then is handled
 * at once instead of waiting, and two signals are not merged into one.
 * The handler skips the lock while we hold it this way.  A nested
 * ib_state_lock() blocks them again.
 */
void ib_state_open_signals(void);

/* Under the lock: read / write the ledger.  A missing file is empty; an
 * empty ledger removes the file.  0 ok, -1 with why. */
int ib_state_load(struct ib_state *st, char *why, size_t whylen);
int ib_state_save(const struct ib_state *st, char *why, size_t whylen);

/* This process; whether a recorded process is still the same one alive. */
struct ib_state_proc ib_state_self(void);
bool ib_state_proc_alive(const struct ib_state_proc *p);
bool ib_state_proc_is_self(const struct ib_state_proc *p);

/* Pool lookup (NULL if absent); create adds it with orig (NULL if full). */
struct ib_state_pool *ib_state_pool_find(struct ib_state *st, const char *path,
					 bool create, long long orig);
/* Pages the pool's holders other than `except` (NULL = none) hold. */
long long ib_state_pool_held(const struct ib_state_pool *p,
			     const struct ib_state_proc *except);
void ib_state_pool_drop(struct ib_state *st, struct ib_state_pool *p);
void ib_state_group_drop(struct ib_state *st, struct ib_state_group *g);

/*
 * Undoes what dead runs left (pools and group types), under the lock.
 * Prints one line per thing restored to out, each prefixed with prefix:
 * "restored PATH OLD -> NEW".  Returns the number of things restored, or
 * -1 with why (a ledger that cannot be read or written).  No state
 * directory: 0.
 */
int ib_state_reap(FILE *out, const char *prefix, char *why, size_t whylen);

/*
 * For signal handlers: the precomputed lock path taken with open + flock
 * (returns the fd, or -1 when there is none or we hold it with signals
 * open; close() it).  Async-signal-safe.
 */
int ib_state_lock_signal(void);

/* Async-signal-safe helpers: a small file's integer, a decimal string. */
long long ib_sigsafe_read_ll(const char *path);
int ib_sigsafe_read(const char *path, char *buf, size_t len);
size_t ib_sigsafe_fmt_ll(long long v, char *buf, size_t len);
int ib_sigsafe_write(const char *path, const char *s, size_t len);

#endif
