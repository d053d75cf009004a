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
#define IB_STATE_MAX_TRACES 16
#define IB_STATE_MAX_BAD 16
/* Range of every page count in the ledger (originals, shares, counts read
 * from sysfs): far above any machine, low enough that an original plus 64
 * holders' shares cannot overflow a long long. */
#define IB_STATE_MAX_PAGES (1LL << 40)
/* Holder pids: 2 .. PID_MAX_LIMIT.  pid 1 (init) never dies, so its record
 * could never be told from a live run. */
#define IB_STATE_MAX_PID 4194304

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

/* A private tracefs instance <root>/instances/iommubench-<pid> that a run
 * created (counters_tracefs.c). */
struct ib_state_trace {
	char root[256]; /* the tracefs mount, absolute */
	struct ib_state_proc proc;
};

/* A record that was refused: kept verbatim (saved back as it was, never
 * acted on) for a person to inspect. */
struct ib_state_bad {
	int lineno;
	char line[1024]; /* without the newline */
	char why[256];
};

struct ib_state {
	int npools, ngroups, ntraces, nbad;
	struct ib_state_pool pool[IB_STATE_MAX_POOLS];
	struct ib_state_group group[IB_STATE_MAX_GROUPS];
	struct ib_state_trace trace[IB_STATE_MAX_TRACES];
	struct ib_state_bad bad[IB_STATE_MAX_BAD];
};

/* The state directory now ($IOMMUBENCH_STATE_DIR or /run/iommubench).  It
 * must be a directory (not a link) owned by this user and not writable by
 * group or others; ib_state_lock() refuses it otherwise. */
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
 * empty ledger removes the file.  A record that fails validation (a path
 * outside the files the harness writes, a number out of range, a pid < 2,
 * a driver name with '/', ...) goes to st->bad and is written back as it
 * was.  0 ok, -1 with why (unreadable file, a line too long or with a NUL,
 * more than IB_STATE_MAX_BAD bad records). */
int ib_state_load(struct ib_state *st, char *why, size_t whylen);
int ib_state_save(const struct ib_state *st, char *why, size_t whylen);

/* This process; whether a recorded process is still the same one alive. */
struct ib_state_proc ib_state_self(void);
/* 0 if this process may be recorded as a holder, else -1 with why (pid 1). */
int ib_state_self_ok(char *why, size_t whylen);
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
 * Undoes what dead runs left (pools, group types, tracefs instances), under
 * the lock.  Prints one line per thing restored to out, each prefixed with
 * prefix: "restored PATH OLD -> NEW", "removed INSTANCE".  Each refused
 * record gets one line on stderr ("iommubench: state file F:N: ...; record
 * refused and left in place") and is counted in *refused (may be NULL).
 * Returns the number of things restored, or -1 with why (a ledger that
 * cannot be read or written).  No state directory: 0.
 */
int ib_state_reap(FILE *out, const char *prefix, int *refused, char *why,
		  size_t whylen);

/*
 * The reapers of the records other modules keep in the ledger: each module
 * registers its own when the program starts (a constructor in buffer.c and
 * iommu_mode.c), so that the ledger calls them through these pointers and
 * calls nothing in those modules.  ib_state_reap runs them in kind order,
 * then the ledger's own tracefs instances.  A reaper returns the count
 * restored and adds what it refused to *refused.
 */
enum ib_state_reaper_kind { IB_STATE_REAP_POOL, IB_STATE_REAP_MODE, IB_STATE_REAP_KINDS };
typedef int (*ib_state_reaper_fn)(struct ib_state *st, FILE *out, const char *prefix,
				  int *refused);
void ib_state_register_reaper(enum ib_state_reaper_kind kind, ib_state_reaper_fn fn);

/* ---- what records may name ---- */

/* A PCI address as sysfs names it: dddd:bb:dd.f (lower-case hex). */
bool ib_state_bdf_ok(const char *s);
/* A driver name: 1..63 of [A-Za-z0-9_.+-], not starting with '.' (so no
 * '/', no "..").  For group records and the drivers the harness binds. */
bool ib_state_driver_ok(const char *s);

/* A group type as sysfs prints it (identity, DMA, DMA-FQ, blocked, ...):
 * 1..31 of [A-Za-z0-9_-]. */
bool ib_state_type_ok(const char *s);

/* The kinds of sysfs files the harness writes. */
enum ib_sysfs_kind {
	IB_SYSFS_POOL,	   /* .../hugepages/hugepages-<N>kB/nr_hugepages */
	IB_SYSFS_TYPE,	   /* /sys/kernel/iommu_groups/<N>/type */
	IB_SYSFS_OVERRIDE, /* a PCI device's driver_override */
	IB_SYSFS_PCI,	   /* /sys/bus/pci/drivers/<drv>/{bind,unbind}, drivers_probe */
};

/*
 * Resolves path (realpath) and checks that it is a file of that kind under
 * ib_sysfs_root (resolved too; "" = /): a link out of those trees is
 * refused.  bdf: the device a driver_override must belong to (NULL: any).
 * 0 with the resolved path in res; 1 when the file does not exist (nothing
 * to write); -1 refused, with why naming the path and what is allowed.
 */
int ib_sysfs_check(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   char *res, size_t reslen, char *why, size_t whylen);
/* ib_sysfs_check() then a write of s with O_NOFOLLOW: 0, 1 missing, -1
 * refused or failed (why). */
int ib_sysfs_write(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   const char *s, char *why, size_t whylen);
/* The lexical form of a pool record's path: ib_sysfs_root followed by one
 * of the two nr_hugepages patterns. */
bool ib_state_pool_path_ok(const char *path);

/* ---- tracefs instances (counters_tracefs.c) ---- */

/* Records <root>/instances/iommubench-<our pid> (write-ahead, before the
 * mkdir) / forgets it after the rmdir.  0, or -1 with why. */
int ib_state_trace_record(const char *root, char *why, size_t whylen);
void ib_state_trace_forget(const char *root);

/*
 * For signal handlers: the precomputed lock path taken with open + flock
 * (returns the fd, or -1 when there is none or we hold it with signals
 * open; close() it).  Async-signal-safe.
 */
int ib_state_lock_signal(void);

/* Async-signal-safe helpers: a small file's integer (-1 when absent, not a
 * number or above IB_STATE_MAX_PAGES), a decimal string; writes never
 * follow a link in the last component. */
long long ib_sigsafe_read_ll(const char *path);
int ib_sigsafe_read(const char *path, char *buf, size_t len);
size_t ib_sigsafe_fmt_ll(long long v, char *buf, size_t len);
int ib_sigsafe_write(const char *path, const char *s, size_t len);

#endif
