// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-state ledger (see ib_machine_state.h): the lock, the state
 * file's text format, process identity by pid + start time, and the reaper
 * that undoes what dead runs left.  The pool and group specifics live with
 * the code that changes them (buffer.c, iommu_mode.c); what a record may
 * name and how a line becomes a record in machine_state_check.c; the
 * tracefs instances in machine_state_trace.c.
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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_machine_state.h"
#include "machine_state_int.h"

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

/* ---- the state file ---- */

const char *ib_state_file(void)
{
	return state_path;
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
		if (ib_state_parse_line(st, line, why, whylen)) {
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

static ib_state_reaper_fn reapers[IB_STATE_REAP_KINDS];

void ib_state_register_reaper(enum ib_state_reaper_kind kind, ib_state_reaper_fn fn)
{
	if ((unsigned)kind < IB_STATE_REAP_KINDS)
		reapers[kind] = fn;
}

int ib_state_reap(FILE *out, const char *prefix, int *refused, char *why, size_t whylen)
{
	struct ib_state *st;
	int rc, n = 0, i, k, bad = 0;

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
		for (k = 0; k < IB_STATE_REAP_KINDS; k++)
			if (reapers[k])
				n += reapers[k](st, out, prefix, &bad);
		n += ib_state_trace_reap(st, out, prefix, &bad);
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
