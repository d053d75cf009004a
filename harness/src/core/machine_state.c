// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-state ledger (see ib_machine_state.h): the lock, the state
 * file's text format, process identity by pid + start time, and the reaper
 * that undoes what dead runs left.  The pool and group specifics live with
 * the code that changes them (buffer.c, iommu_mode.c).
 *
 * The state file, one record per line, tab-separated, "-" for empty:
 *   pool   PATH ORIG
 *   hold   PATH PID START ADDED
 *   group  ROOT BDF GROUP PID START ORIG_TYPE ORIG_OVERRIDE DRIVER
 *   trace  TRACEFS_ROOT PID START
 *
 * The file is input like any other: every field is checked (docs/
 * reliability.md, "The ledger names only what the harness writes").  A
 * record that fails is refused with one line, kept verbatim in the file and
 * never acted on.  Paths are checked twice: their form when the record is
 * read, and their resolved target (realpath, then O_NOFOLLOW) before any
 * write.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_iommu_mode.h"
#include "ib_machine_state.h"

#define DEFAULT_DIR "/run/iommubench"

static char dir_path[256];
static char lock_path[300];  /* read by signal handlers: set before use */
static char state_path[300];
static int lock_fd = -1;
static int lock_depth;
static sigset_t lock_saved_mask;
static bool lock_blocks_signals;
/* We hold the lock with signals open (ib_state_open_signals): a handler
 * must not flock again, it would wait for itself. */
static volatile sig_atomic_t lock_held_open;

const char *ib_state_dir(void)
{
	const char *env = getenv("IOMMUBENCH_STATE_DIR");

	snprintf(dir_path, sizeof(dir_path), "%s", env && *env ? env : DEFAULT_DIR);
	return dir_path;
}

/* The directory must be ours alone: a directory, not a link, owned by us,
 * not writable by group or others (else anyone could plant the ledger). */
static int state_dir_check(char *why, size_t whylen)
{
	struct stat sb;

	if (lstat(dir_path, &sb)) {
		snprintf(why, whylen, "state dir %s: %s", dir_path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		snprintf(why, whylen,
			 "state dir %s: %s (owner uid %u, mode %04o); it must be a directory owned by uid %u and not writable by group or others",
			 dir_path,
			 S_ISLNK(sb.st_mode) ? "a symbolic link" :
			 !S_ISDIR(sb.st_mode) ? "not a directory" :
			 sb.st_uid != geteuid() ? "owned by another user" :
						  "writable by group or others",
			 (unsigned)sb.st_uid, (unsigned)(sb.st_mode & 07777), (unsigned)geteuid());
		return -1;
	}
	return 0;
}

static void block_signals(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

int ib_state_lock(bool create, char *why, size_t whylen)
{
	sigset_t old;
	int fd;

	if (lock_depth) {
		if (!lock_blocks_signals) {
			block_signals(NULL);
			lock_blocks_signals = true;
			lock_held_open = 0;
		}
		lock_depth++;
		return 0;
	}
	ib_state_dir();
	if (strlen(dir_path) > sizeof(lock_path) - 8) {
		snprintf(why, whylen, "state dir %s: path too long", dir_path);
		return -1;
	}
	snprintf(lock_path, sizeof(lock_path), "%s/lock", dir_path);
	snprintf(state_path, sizeof(state_path), "%s/state", dir_path);
	if (access(dir_path, F_OK)) {
		if (!create)
			return 1;
		if (mkdir(dir_path, 0755) && errno != EEXIST) {
			snprintf(why, whylen, "state dir %s: %s", dir_path, strerror(errno));
			return -1;
		}
	}
	if (state_dir_check(why, whylen))
		return -1;
	block_signals(&old);
	fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		snprintf(why, whylen, "state lock %s: %s", lock_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	lock_fd = fd;
	lock_saved_mask = old;
	lock_blocks_signals = true;
	lock_depth = 1;
	return 0;
}

void ib_state_open_signals(void)
{
	if (!lock_depth || !lock_blocks_signals)
		return;
	lock_held_open = 1;
	lock_blocks_signals = false;
	pthread_sigmask(SIG_SETMASK, &lock_saved_mask, NULL);
}

void ib_state_unlock(void)
{
	if (!lock_depth || --lock_depth)
		return;
	if (!lock_blocks_signals)
		block_signals(NULL);
	lock_held_open = 0;
	close(lock_fd);
	lock_fd = -1;
	lock_blocks_signals = false;
	pthread_sigmask(SIG_SETMASK, &lock_saved_mask, NULL);
}

int ib_state_lock_signal(void)
{
	int fd;

	if (!lock_path[0] || lock_held_open)
		return -1;
	fd = open(lock_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* flock is a plain syscall; our own thread never holds the lock here
	 * (signals are blocked while it does), another thread may: wait. */
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

/* ---- process identity ---- */

static unsigned long long proc_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* field 3 (state) follows; start time is field 22 */
	for (i = 3; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

struct ib_state_proc ib_state_self(void)
{
	struct ib_state_proc p = { .pid = getpid() };

	p.start = proc_start(p.pid);
	return p;
}

bool ib_state_proc_alive(const struct ib_state_proc *p)
{
	return p->pid > 1 && proc_start(p->pid) == p->start && p->start;
}

int ib_state_self_ok(char *why, size_t whylen)
{
	if (getpid() > 1)
		return 0;
	snprintf(why, whylen,
		 "iommubench runs as pid 1 (init), which never dies: its ledger record could never be told from a live run, so it changes no machine state (run it under an init, e.g. docker run --init)");
	return -1;
}

bool ib_state_proc_is_self(const struct ib_state_proc *p)
{
	struct ib_state_proc me = ib_state_self();

	return p->pid == me.pid && p->start == me.start;
}

/* ---- what records may name ---- */

bool ib_state_bdf_ok(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (i = 0; form[i]; i++)
		if (form[i] == 'x' ? !isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')
				   : s[i] != form[i])
			return false;
	return s[11] >= '0' && s[11] <= '7';
}

/* ASCII only, no locale: the signal path checks driver names too. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '+' || c == '-';
}

bool ib_state_driver_ok(const char *s)
{
	size_t i;

	if (!s[0] || s[0] == '.')
		return false;
	for (i = 0; s[i]; i++)
		if (i >= 63 || !name_char(s[i]))
			return false;
	return true;
}

bool ib_state_type_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= 31 || !(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return false;
	return i > 0;
}

/*
 * s against pat: '#' one or more digits, '*' one or more name characters
 * (no '/'), '@' a PCI address; anything else literal.
 */
static bool match(const char *s, const char *pat)
{
	while (*pat) {
		if (*pat == '#' || *pat == '*') {
			const char *st = s;

			while (*pat == '#' ? isdigit((unsigned char)*s) : name_char(*s))
				s++;
			if (s == st)
				return false;
			pat++;
		} else if (*pat == '@') {
			char bdf[13];

			snprintf(bdf, sizeof(bdf), "%.12s", s);
			if (!ib_state_bdf_ok(bdf))
				return false;
			s += 12;
			pat++;
		} else if (*s++ != *pat++) {
			return false;
		}
	}
	return !*s;
}

static const char *const pool_forms[] = {
	"/sys/kernel/mm/hugepages/hugepages-#kB/nr_hugepages",
	"/sys/devices/system/node/node#/hugepages/hugepages-#kB/nr_hugepages",
};
#define POOL_FORMS_TEXT "<root>/sys/kernel/mm/hugepages/hugepages-<N>kB/nr_hugepages or <root>/sys/devices/system/node/node<N>/hugepages/hugepages-<N>kB/nr_hugepages"

bool ib_state_pool_path_ok(const char *path)
{
	size_t n = strlen(ib_sysfs_root);

	if (strncmp(path, ib_sysfs_root, n))
		return false;
	return match(path + n, pool_forms[0]) || match(path + n, pool_forms[1]);
}

/* The resolved sysfs root: "" for /. */
static int real_root(char *buf, size_t len)
{
	char tmp[PATH_MAX];

	if (!realpath(ib_sysfs_root[0] ? ib_sysfs_root : "/", tmp))
		return -1;
	snprintf(buf, len, "%s", strcmp(tmp, "/") ? tmp : "");
	return 0;
}

static bool kind_ok(const char *rel, enum ib_sysfs_kind kind, const char *bdf)
{
	static const char ovr[] = "/driver_override";
	size_t n = strlen(rel), m = sizeof(ovr) - 1;

	switch (kind) {
	case IB_SYSFS_POOL:
		return match(rel, pool_forms[0]) || match(rel, pool_forms[1]);
	case IB_SYSFS_TYPE:
		return match(rel, "/sys/kernel/iommu_groups/#/type");
	case IB_SYSFS_OVERRIDE:
		/* /sys/bus/pci/devices/<bdf> is a link into /sys/devices/pci... */
		if (n < m + 13 || strcmp(rel + n - m, ovr) || rel[n - m - 13] != '/' ||
		    (bdf && strncmp(rel + n - m - 12, bdf, 12)))
			return false;
		{
			char dev[13];

			snprintf(dev, sizeof(dev), "%.12s", rel + n - m - 12);
			if (!ib_state_bdf_ok(dev))
				return false;
		}
		return !strncmp(rel, "/sys/devices/pci", 16) ||
		       (n == m + 33 && !strncmp(rel, "/sys/bus/pci/devices/", 21));
	case IB_SYSFS_PCI:
		return match(rel, "/sys/bus/pci/drivers/*/bind") ||
		       match(rel, "/sys/bus/pci/drivers/*/unbind") ||
		       !strcmp(rel, "/sys/bus/pci/drivers_probe");
	}
	return false;
}

static const char *kind_text(enum ib_sysfs_kind kind)
{
	switch (kind) {
	case IB_SYSFS_POOL:
		return POOL_FORMS_TEXT;
	case IB_SYSFS_TYPE:
		return "<root>/sys/kernel/iommu_groups/<N>/type";
	case IB_SYSFS_OVERRIDE:
		return "a PCI device's driver_override under <root>/sys/devices/pci* or <root>/sys/bus/pci/devices";
	case IB_SYSFS_PCI:
		return "<root>/sys/bus/pci/drivers/<driver>/bind or unbind, or <root>/sys/bus/pci/drivers_probe";
	}
	return "";
}

int ib_sysfs_check(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   char *res, size_t reslen, char *why, size_t whylen)
{
	char root[PATH_MAX], real[PATH_MAX];
	size_t n;

	if (real_root(root, sizeof(root))) {
		snprintf(why, whylen, "sysfs root %s: %s", ib_sysfs_root, strerror(errno));
		return -1;
	}
	if (!realpath(path, real)) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = strlen(root);
	if (strncmp(real, root, n) || real[n] != '/' || !kind_ok(real + n, kind, bdf) ||
	    strlen(real) >= reslen) {
		snprintf(why, whylen, "%s resolves to %s, which is not %s (root %s)", path, real,
			 kind_text(kind), root[0] ? root : "/");
		return -1;
	}
	/* pool files are plain files in plain directories: no link at all */
	if (kind == IB_SYSFS_POOL && strcmp(real + n, path + strlen(ib_sysfs_root))) {
		snprintf(why, whylen, "%s resolves to %s through a link; pools are named without links",
			 path, real);
		return -1;
	}
	snprintf(res, reslen, "%s", real);
	return 0;
}

int ib_sysfs_write(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   const char *s, char *why, size_t whylen)
{
	char real[PATH_MAX];
	int rc = ib_sysfs_check(path, kind, bdf, real, sizeof(real), why, whylen);

	if (rc)
		return rc;
	if (ib_sigsafe_write(real, s, strlen(s))) {
		snprintf(why, whylen, "%s: %s", real, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the state file ---- */

static const char *field(const char *s)
{
	return s[0] ? s : "-";
}

static void unfield(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", strcmp(s, "-") ? s : "");
}

struct ib_state_pool *ib_state_pool_find(struct ib_state *st, const char *path,
					 bool create, long long orig)
{
	struct ib_state_pool *p;
	int i;

	for (i = 0; i < st->npools; i++)
		if (!strcmp(st->pool[i].path, path))
			return &st->pool[i];
	if (!create || st->npools >= IB_STATE_MAX_POOLS)
		return NULL;
	p = &st->pool[st->npools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->orig = orig;
	return p;
}

long long ib_state_pool_held(const struct ib_state_pool *p,
			     const struct ib_state_proc *except)
{
	long long sum = 0;
	int i;

	/* every share is 0..IB_STATE_MAX_PAGES (checked on load and when
	 * added), so at most 64 of them cannot overflow */
	for (i = 0; i < p->nholders; i++)
		if (!except || p->h[i].proc.pid != except->pid ||
		    p->h[i].proc.start != except->start)
			sum += p->h[i].added;
	return sum;
}

void ib_state_pool_drop(struct ib_state *st, struct ib_state_pool *p)
{
	int i = (int)(p - st->pool);

	memmove(p, p + 1, (size_t)(st->npools - i - 1) * sizeof(*p));
	st->npools--;
}

void ib_state_group_drop(struct ib_state *st, struct ib_state_group *g)
{
	int i = (int)(g - st->group);

	memmove(g, g + 1, (size_t)(st->ngroups - i - 1) * sizeof(*g));
	st->ngroups--;
}

/* A decimal in [min, max]: digits only (a '-' where min < 0), no spaces. */
static int num(const char *s, long long min, long long max, long long *v)
{
	char *end;
	long long x;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && min < 0 && isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

static int proc_field(const char *pid, const char *start, struct ib_state_proc *p,
		      char *why, size_t whylen)
{
	long long v;
	char *end;

	if (num(pid, 2, IB_STATE_MAX_PID, &v)) {
		snprintf(why, whylen,
			 "pid %s: allowed 2..%d (pid 1 is init, which never dies: its record would be kept forever)",
			 pid, IB_STATE_MAX_PID);
		return -1;
	}
	p->pid = (int)v;
	errno = 0;
	p->start = strtoull(start, &end, 10);
	if (!isdigit((unsigned char)start[0]) || errno || *end) {
		snprintf(why, whylen, "start time %s: allowed a decimal 0..%llu", start, ULLONG_MAX);
		return -1;
	}
	return 0;
}

static bool same_proc(const struct ib_state_proc *a, const struct ib_state_proc *b)
{
	return a->pid == b->pid && a->start == b->start;
}

/* An absolute path of printable characters, no "." or ".." component. */
static bool abs_path_ok(const char *s, size_t max)
{
	size_t i;

	if (s[0] != '/' || strlen(s) >= max || strstr(s, "/./") || strstr(s, "/../"))
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	i = strlen(s);
	return !(i >= 2 && !strcmp(s + i - 2, "/.")) && !(i >= 3 && !strcmp(s + i - 3, "/.."));
}

/* One record into st; -1 with why (naming the field and what is allowed). */
static int parse_line(struct ib_state *st, char *line, char *why, size_t whylen)
{
	char *f[10], *save = NULL, *tok;
	long long v;
	int n = 0, i;

	for (tok = strtok_r(line, "\t\n", &save); tok && n < 10;
	     tok = strtok_r(NULL, "\t\n", &save))
		f[n++] = tok;
	if (!n)
		return 0;
	if (!strcmp(f[0], "pool") && n == 3) {
		if (!ib_state_pool_path_ok(f[1]) || strlen(f[1]) >= sizeof(st->pool[0].path)) {
			snprintf(why, whylen, "pool path %s: allowed %s, with root '%s'", f[1],
				 POOL_FORMS_TEXT, ib_sysfs_root);
			return -1;
		}
		if (num(f[2], 0, IB_STATE_MAX_PAGES, &v)) {
			snprintf(why, whylen, "pool %s original count %s: allowed 0..%lld", f[1], f[2],
				 IB_STATE_MAX_PAGES);
			return -1;
		}
		if (ib_state_pool_find(st, f[1], false, 0)) {
			snprintf(why, whylen, "pool %s: recorded twice", f[1]);
			return -1;
		}
		if (!ib_state_pool_find(st, f[1], true, v)) {
			snprintf(why, whylen, "pool %s: more than %d pools", f[1], IB_STATE_MAX_POOLS);
			return -1;
		}
		return 0;
	}
	if (!strcmp(f[0], "hold") && n == 5) {
		struct ib_state_pool *p = ib_state_pool_find(st, f[1], false, 0);
		struct ib_state_holder h;

		if (!p) {
			snprintf(why, whylen, "hold %s: no accepted pool record for it before this line",
				 f[1]);
			return -1;
		}
		if (proc_field(f[2], f[3], &h.proc, why, whylen))
			return -1;
		if (num(f[4], 0, IB_STATE_MAX_PAGES, &h.added)) {
			snprintf(why, whylen, "hold %s pages %s: allowed 0..%lld", f[1], f[4],
				 IB_STATE_MAX_PAGES);
			return -1;
		}
		for (i = 0; i < p->nholders; i++)
			if (same_proc(&p->h[i].proc, &h.proc)) {
				snprintf(why, whylen, "hold %s pid %d: recorded twice", f[1], h.proc.pid);
				return -1;
			}
		if (p->nholders >= IB_STATE_MAX_HOLDERS) {
			snprintf(why, whylen, "hold %s: more than %d holders", f[1], IB_STATE_MAX_HOLDERS);
			return -1;
		}
		p->h[p->nholders++] = h;
		return 0;
	}
	if (!strcmp(f[0], "group") && n == 9) {
		struct ib_state_group g;

		memset(&g, 0, sizeof(g));
		unfield(g.root, sizeof(g.root), f[1]);
		if (strcmp(g.root, ib_sysfs_root)) {
			snprintf(why, whylen, "group root %s: allowed only '%s' (this process's sysfs root)",
				 f[1], field(ib_sysfs_root));
			return -1;
		}
		if (!ib_state_bdf_ok(f[2])) {
			snprintf(why, whylen, "group device %s: allowed a PCI address dddd:bb:dd.f", f[2]);
			return -1;
		}
		snprintf(g.bdf, sizeof(g.bdf), "%s", f[2]);
		if (num(f[3], -1, INT_MAX, &v)) {
			snprintf(why, whylen, "group number %s: allowed -1..%d", f[3], INT_MAX);
			return -1;
		}
		g.group = (int)v;
		if (proc_field(f[4], f[5], &g.proc, why, whylen))
			return -1;
		if (!ib_state_type_ok(f[6])) {
			snprintf(why, whylen, "group type %s: allowed 1..31 of [A-Za-z0-9_-]", f[6]);
			return -1;
		}
		snprintf(g.orig_type, sizeof(g.orig_type), "%s", f[6]);
		for (i = 7; i <= 8; i++)
			if (strcmp(f[i], "-") && !ib_state_driver_ok(f[i])) {
				snprintf(why, whylen,
					 "group %s %s: allowed '-' or a driver name (1..63 of [A-Za-z0-9_.+-], not starting with '.')",
					 i == 7 ? "driver_override" : "driver", f[i]);
				return -1;
			}
		unfield(g.orig_override, sizeof(g.orig_override), f[7]);
		unfield(g.driver, sizeof(g.driver), f[8]);
		for (i = 0; i < st->ngroups; i++)
			if (!strcmp(st->group[i].bdf, g.bdf)) {
				snprintf(why, whylen, "group device %s: recorded twice", g.bdf);
				return -1;
			}
		if (st->ngroups >= IB_STATE_MAX_GROUPS) {
			snprintf(why, whylen, "group %s: more than %d groups", g.bdf, IB_STATE_MAX_GROUPS);
			return -1;
		}
		st->group[st->ngroups++] = g;
		return 0;
	}
	if (!strcmp(f[0], "trace") && n == 4) {
		struct ib_state_trace t;

		memset(&t, 0, sizeof(t));
		if (!abs_path_ok(f[1], sizeof(t.root))) {
			snprintf(why, whylen,
				 "trace root %s: allowed an absolute path (no . or .., no control characters) of a tracefs mount",
				 f[1]);
			return -1;
		}
		snprintf(t.root, sizeof(t.root), "%s", f[1]);
		if (proc_field(f[2], f[3], &t.proc, why, whylen))
			return -1;
		for (i = 0; i < st->ntraces; i++)
			if (!strcmp(st->trace[i].root, t.root) && st->trace[i].proc.pid == t.proc.pid) {
				snprintf(why, whylen, "trace %s pid %d: recorded twice", t.root, t.proc.pid);
				return -1;
			}
		if (st->ntraces >= IB_STATE_MAX_TRACES) {
			snprintf(why, whylen, "trace %s: more than %d instances", t.root,
				 IB_STATE_MAX_TRACES);
			return -1;
		}
		st->trace[st->ntraces++] = t;
		return 0;
	}
	snprintf(why, whylen,
		 "record '%s' with %d fields: allowed pool (3), hold (5), group (9) or trace (4)",
		 f[0], n);
	return -1;
}

int ib_state_load(struct ib_state *st, char *why, size_t whylen)
{
	FILE *f;
	char line[1024], copy[1024];
	int lineno = 0, fd;

	memset(st, 0, sizeof(*st));
	fd = open(state_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whylen, "state file %s: %s", state_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		lineno++;
		if ((!len || line[len - 1] != '\n') && !feof(f)) {
			snprintf(why, whylen,
				 "state file %s:%d: line too long or holding a NUL byte; check and remove the file",
				 state_path, lineno);
			fclose(f);
			return -1;
		}
		if (line[0] == '#')
			continue;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		snprintf(copy, sizeof(copy), "%s", line);
		if (parse_line(st, line, why, whylen)) {
			struct ib_state_bad *b;

			if (st->nbad >= IB_STATE_MAX_BAD) {
				snprintf(why, whylen,
					 "state file %s:%d: more than %d bad records; check and remove the file",
					 state_path, lineno, IB_STATE_MAX_BAD);
				fclose(f);
				return -1;
			}
			b = &st->bad[st->nbad++];
			b->lineno = lineno;
			snprintf(b->line, sizeof(b->line), "%s", copy);
			snprintf(b->why, sizeof(b->why), "%s", why);
			why[0] = '\0';
		}
	}
	fclose(f);
	return 0;
}

int ib_state_save(const struct ib_state *st, char *why, size_t whylen)
{
	char tmp[320];
	FILE *f;
	int i, j, bad, fd;

	if (!st->npools && !st->ngroups && !st->ntraces && !st->nbad) {
		if (unlink(state_path) && errno != ENOENT) {
			snprintf(why, whylen, "state file %s: %s", state_path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* under the lock, in a directory only we can write: a leftover
	 * state.tmp is a dead run's, removed (a link is removed, never
	 * followed); the new one is created, never opened */
	snprintf(tmp, sizeof(tmp), "%s.tmp", state_path);
	if (unlink(tmp) && errno != ENOENT) {
		snprintf(why, whylen, "state file %s: %s", tmp, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		snprintf(why, whylen, "state file %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	fprintf(f, "# iommubench machine state: what runs changed here (docs/harness.md)\n");
	for (i = 0; i < st->npools; i++) {
		const struct ib_state_pool *p = &st->pool[i];

		fprintf(f, "pool\t%s\t%lld\n", p->path, p->orig);
		for (j = 0; j < p->nholders; j++)
			fprintf(f, "hold\t%s\t%d\t%llu\t%lld\n", p->path, p->h[j].proc.pid,
				p->h[j].proc.start, p->h[j].added);
	}
	for (i = 0; i < st->ngroups; i++) {
		const struct ib_state_group *g = &st->group[i];

		fprintf(f, "group\t%s\t%s\t%d\t%d\t%llu\t%s\t%s\t%s\n", field(g->root),
			field(g->bdf), g->group, g->proc.pid, g->proc.start,
			field(g->orig_type), field(g->orig_override), field(g->driver));
	}
	for (i = 0; i < st->ntraces; i++)
		fprintf(f, "trace\t%s\t%d\t%llu\n", st->trace[i].root, st->trace[i].proc.pid,
			st->trace[i].proc.start);
	/* refused records stay as they were, for a person to look at */
	for (i = 0; i < st->nbad; i++)
		fprintf(f, "%s\n", st->bad[i].line);
	bad = fflush(f) || ferror(f) || fsync(fileno(f));
	if (fclose(f))
		bad = 1;
	if (bad || rename(tmp, state_path)) {
		snprintf(why, whylen, "state file %s: %s", state_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- tracefs instances ---- */

#define TRACEFS_MAGIC_ 0x74726163

static void trace_instance_path(char *buf, size_t len, const struct ib_state_trace *t)
{
	snprintf(buf, len, "%s/instances/iommubench-%d", t->root, t->proc.pid);
}

/* Removes what dead runs' trace records name: only
 * <root>/instances/iommubench-<pid> of a dead pid, only on a tracefs. */
static int trace_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused)
{
	char inst[400], dir[300];
	struct statfs sf;
	int i, n = 0;

	for (i = st->ntraces - 1; i >= 0; i--) {
		struct ib_state_trace *t = &st->trace[i];

		if (ib_state_proc_alive(&t->proc))
			continue;
		trace_instance_path(inst, sizeof(inst), t);
		snprintf(dir, sizeof(dir), "%s/instances", t->root);
		if (statfs(dir, &sf) && errno == ENOENT && access(t->root, F_OK)) {
			/* the mount point itself is gone: nothing to reach */
			if (out)
				fprintf(out, "%sforgot %s: %s no longer exists\n", prefix, inst,
					t->root);
			goto drop;
		}
		if (statfs(dir, &sf) || sf.f_type != TRACEFS_MAGIC_) {
			fprintf(stderr,
				"iommubench: state file %s: trace record %s pid %d: %s is not a tracefs instances directory (tracefs not mounted there?); record refused and left in place\n",
				state_path, t->root, t->proc.pid, dir);
			if (refused)
				(*refused)++;
			continue;
		}
		if (rmdir(inst)) {
			if (errno != ENOENT) {
				if (out)
					fprintf(out, "%scannot remove %s: %s\n", prefix, inst,
						strerror(errno));
				continue;
			}
		} else {
			n++;
			if (out)
				fprintf(out, "%sremoved %s\n", prefix, inst);
		}
drop:
		memmove(t, t + 1, (size_t)(st->ntraces - i - 1) * sizeof(*t));
		st->ntraces--;
	}
	return n;
}

static int trace_update(const char *root, bool add, char *why, size_t whylen)
{
	struct ib_state *st;
	struct ib_state_proc me = ib_state_self();
	int rc, i;

	if (ib_state_self_ok(why, whylen))
		return -1;
	if (!abs_path_ok(root, sizeof(st->trace[0].root))) {
		snprintf(why, whylen, "tracefs root %s: not an absolute path the ledger can hold", root);
		return -1;
	}
	rc = ib_state_lock(add, why, whylen);
	if (rc)
		return add ? -1 : 0;
	st = calloc(1, sizeof(*st));
	rc = -1;
	if (!st) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (ib_state_load(st, why, whylen))
		goto out;
	for (i = 0; i < st->ntraces; i++)
		if (!strcmp(st->trace[i].root, root) && same_proc(&st->trace[i].proc, &me))
			break;
	if (add && i == st->ntraces) {
		if (st->ntraces >= IB_STATE_MAX_TRACES) {
			snprintf(why, whylen, "state ledger full: too many tracefs instances");
			goto out;
		}
		snprintf(st->trace[i].root, sizeof(st->trace[i].root), "%s", root);
		st->trace[i].proc = me;
		st->ntraces++;
	} else if (!add && i < st->ntraces) {
		memmove(&st->trace[i], &st->trace[i + 1],
			(size_t)(st->ntraces - i - 1) * sizeof(st->trace[0]));
		st->ntraces--;
	}
	rc = ib_state_save(st, why, whylen);
out:
	free(st);
	ib_state_unlock();
	return rc;
}

int ib_state_trace_record(const char *root, char *why, size_t whylen)
{
	return trace_update(root, true, why, whylen);
}

void ib_state_trace_forget(const char *root)
{
	char why[512];

	if (trace_update(root, false, why, sizeof(why)))
		fprintf(stderr, "iommubench: tracefs: %s\n", why);
}

int ib_state_reap(FILE *out, const char *prefix, int *refused, char *why, size_t whylen)
{
	struct ib_state *st;
	int rc, n = 0, i, bad = 0;

	rc = ib_state_lock(false, why, whylen);
	if (rc)
		return rc > 0 ? 0 : -1;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(why, whylen, "out of memory");
		ib_state_unlock();
		return -1;
	}
	rc = ib_state_load(st, why, whylen);
	if (!rc) {
		for (i = 0; i < st->nbad; i++)
			fprintf(stderr,
				"iommubench: state file %s:%d: %s; record refused and left in place\n",
				state_path, st->bad[i].lineno, st->bad[i].why);
		bad = st->nbad;
		n = ib_hugepages_reap(st, out, prefix, &bad);
		n += ib_iommu_mode_reap(st, out, prefix, &bad);
		n += trace_reap(st, out, prefix, &bad);
		rc = ib_state_save(st, why, whylen);
	}
	free(st);
	ib_state_unlock();
	if (refused)
		*refused = bad;
	return rc ? -1 : n;
}

/* ---- async-signal-safe helpers ---- */

int ib_sigsafe_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

long long ib_sigsafe_read_ll(const char *path)
{
	char buf[32], *p = buf;
	long long v = 0;

	if (ib_sigsafe_read(path, buf, sizeof(buf)) || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > IB_STATE_MAX_PAGES)
			return -1;
	}
	return v;
}

size_t ib_sigsafe_fmt_ll(long long v, char *buf, size_t len)
{
	char tmp[24];
	size_t n = 0, i;
	bool neg = v < 0;
	unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u && n < sizeof(tmp));
	if (neg && n < sizeof(tmp))
		tmp[n++] = '-';
	if (n + 2 > len)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int ib_sigsafe_write(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}
