// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger's trace records: a run's private tracefs instance recorded
 * and forgotten (counters_tracefs.c), and dead runs' instances removed by
 * the reaper (machine_state.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ib_machine_state.h"
#include "machine_state_int.h"

#define TRACEFS_MAGIC_ 0x74726163

static void trace_instance_path(char *buf, size_t len, const struct ib_state_trace *t)
{
	snprintf(buf, len, "%s/instances/iommubench-%d", t->root, t->proc.pid);
}

/* Removes what dead runs' trace records name: only
 * <root>/instances/iommubench-<pid> of a dead pid, only on a tracefs. */
int ib_state_trace_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused)
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
				ib_state_file(), t->root, t->proc.pid, dir);
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
	if (!ib_state_abs_path_ok(root, sizeof(st->trace[0].root))) {
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
