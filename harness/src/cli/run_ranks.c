// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop's multi-rank steps (ib_ranks.h, docs/harness.md "Ranks"):
 * the contexts of all ranks gathered by rank 0, then per point one step
 * (concurrency=together: every rank measures at once) or one step per rank
 * (concurrency=alone: each rank alone, the others idle).  A step:
 *
 *   rank 0: ARM->k [lab BEGIN] READY<-k, GO->k | measure | DONE<-k,
 *           COLLECT->k, ROWS<-k [lab END]
 *   rank k: (after its setup) ARM<-0, READY->0, GO<-0 | measure | DONE->0,
 *           COLLECT<-0, ROWS->0
 * ARM tells a rank that rank 0 is at this step, so the wait for GO is short
 * and polled finely (row.start_offset_ns measures the spread).
 *
 * Nothing moves between GO and a rank's DONE but the DONE messages of the
 * ranks that finished first (a few bytes); rows move after everyone is
 * done.  A failed rank (exited, or silent for IOMMUBENCH_RANK_TIMEOUT)
 * gets an error row with the reason for this and every later step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ib_engine.h"
#include "ib_lab_ctl.h"
#include "ib_plan.h"
#include "ib_point.h"
#include "ib_ranks.h"
#include "ib_run_ranks.h"

#define MAX_RANKS 1024
#define HELLO_TIMEOUT_S 300

struct peer {
	int pid;   /* on this host, else 0 */
	char host[256];
	char device[64];
	char kernel[128];
	char failed[512]; /* why, once failed */
};

static struct peer *peers; /* rank 0: every rank; rank k: [0] is rank 0 */
static bool mixed_kernels;
static int step_seq;
static bool synced;
static int sync_only; /* -1: everyone; else the one rank measuring */
static char sync_mark[IB_NAME_LEN + 32]; /* lab mark name of the step (rank 0) */
static bool marks_on;
static uint64_t go_ns; /* CLOCK_MONOTONIC: GO received (rank k), last GO sent (rank 0) */

static void fail(int k, const char *why)
{
	ib_ranks.peer_failed = true;
	if (!peers[k].failed[0])
		snprintf(peers[k].failed, sizeof(peers[k].failed), "%s", why);
	fprintf(stderr, "iommubench: rank %d failed: %s; its rows are errors from here on\n", k,
		why);
}

/* Where a pid means the same process: boot id and pid namespace.  Two
 * ranks watch each other's pid only when these match (same host name is
 * not enough: containers). */
static const char *pid_space(void)
{
	static char id[160];
	char boot[64] = "";
	struct stat st;
	FILE *f;

	if (id[0])
		return id;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = '\0';
		fclose(f);
	}
	boot[strcspn(boot, "\n")] = '\0';
	if (stat("/proc/self/ns/pid", &st))
		st.st_ino = 0;
	snprintf(id, sizeof(id), "%s/%llu", boot, (unsigned long long)st.st_ino);
	return id;
}

static const char *my_device(const struct ib_topo *t)
{
	int i;

	for (i = 0; i < t->ndevs; i++)
		if (t->devs[i].engines)
			return t->devs[i].bdf;
	return "";
}

static int alloc_peers(void)
{
	if (ib_ranks.size > MAX_RANKS) {
		fprintf(stderr, "iommubench: mpirun -np %d: at most %d ranks\n", ib_ranks.size,
			MAX_RANKS);
		return -1;
	}
	peers = calloc((size_t)ib_ranks.size, sizeof(*peers));
	return peers ? 0 : -1;
}

/* Waits for k's message of step seq; -1 (k failed) otherwise. */
static int wait_step_nap(int k, int tag, long max_nap_ns, char **text);

static int wait_step(int k, int tag, char **text)
{
	return wait_step_nap(k, tag, IB_NAP_LONG_NS, text);
}

static int wait_step_nap(int k, int tag, long max_nap_ns, char **text)
{
	char why[512], *msg = NULL;
	int seq = -1;

	if (peers[k].failed[0])
		return -1;
	if (ib_ranks_wait(k, tag, peers[k].pid, max_nap_ns, &msg, why, sizeof(why))) {
		fail(k, why);
		return -1;
	}
	if (sscanf(msg, "%d", &seq) != 1 || seq != step_seq) {
		snprintf(why, sizeof(why), "out of step (message for step %d, expected %d)", seq,
			 step_seq);
		free(msg);
		fail(k, why);
		return -1;
	}
	if (text)
		*text = msg;
	else
		free(msg);
	return 0;
}

static void send_step(int k, int tag, const char *body)
{
	char *m;

	if (asprintf(&m, "%d %s", step_seq, body ? body : "") < 0)
		return;
	if (ib_ranks_send(k, tag, m))
		fail(k, "MPI send failed");
	free(m);
}

static bool takes_part(int k)
{
	return sync_only < 0 || sync_only == k;
}

/* rank 0: wait_tag's message from every rank taking part (-1: none), then
 * send_tag to each that has not failed. */
static void wait_then_send(int wait_tag, int send_tag)
{
	int k;

	for (k = 1; k < ib_ranks.size && wait_tag >= 0; k++)
		if (takes_part(k))
			wait_step(k, wait_tag, NULL);
	for (k = 1; k < ib_ranks.size; k++)
		if (takes_part(k) && !peers[k].failed[0])
			send_step(k, send_tag, NULL);
}

/* The start barrier (ib_point_timing_hook); once per step. */
static void start_barrier(void)
{
	if (synced)
		return;
	synced = true;
	if (ib_ranks.rank) {
		char *msg = NULL;

		/* rank 0 has reached this step (long naps: it may be timing
		 * another rank's alone step), then GO comes within the time
		 * the slowest rank's setup takes: naps of at most 0.1 ms */
		if (wait_step(0, IB_TAG_ARM, &msg) == 0)
			free(msg);
		send_step(0, IB_TAG_READY, NULL);
		if (wait_step_nap(0, IB_TAG_GO, IB_NAP_GO_NS, &msg) == 0)
			free(msg);
		go_ns = ib_now_ns();
		return;
	}
	if (marks_on)
		ib_lab_mark("BEGIN", sync_mark);
	/* GO to each in turn: microseconds apart, then silence */
	wait_then_send(IB_TAG_READY, IB_TAG_GO);
	go_ns = ib_now_ns();
}

/*
 * row.start_offset_ns: when rank k left the start barrier, less when rank 0
 * sent the step's last GO (rank 0's own row: 0), for ranks whose
 * CLOCK_MONOTONIC is rank 0's (same boot and pid space); the barrier's
 * spread, measured.  Rank k sends its time as start_ns.
 */
static void start_offset(json_t *row, int k)
{
	json_t *t = json_object_get(row, "start_ns");
	int64_t off;

	if (k == 0) {
		json_object_set_new(row, "start_offset_ns", json_integer(0));
		return;
	}
	if (json_is_integer(t) && peers[k].pid > 0) {
		off = (int64_t)json_integer_value(t) - (int64_t)go_ns;
		json_object_set_new(row, "start_offset_ns", json_integer(off));
	}
	json_object_del(row, "start_ns");
}

static void rank_params(json_t *row, int k)
{
	json_t *params = json_object_get(row, "params");

	if (!json_is_object(params)) {
		params = json_object();
		json_object_set_new(row, "params", params);
	}
	json_object_set_new(params, "rank", json_integer(k));
	json_object_set_new(params, "host", json_string(k == ib_ranks.rank ? ib_ranks.host :
										   peers[k].host));
	if (!json_object_get(params, "device"))
		json_object_set_new(params, "device",
				    peers[k].device[0] ? json_string(peers[k].device) : json_null());
	if (mixed_kernels && ib_ranks.rank == 0)
		json_object_set_new(params, "kernel", json_string(peers[k].kernel));
}

static void row_name(json_t *row, const struct ib_point *pt, int k)
{
	char name[IB_NAME_LEN + 32];

	snprintf(name, sizeof(name), "%s/rank:%d", pt->name, k);
	json_object_set_new(row, "name", json_string(name));
}

static json_t *error_row(const struct ib_point *pt, int k)
{
	json_t *row = json_object();
	char why[700];

	row_name(row, pt, k);
	json_object_set_new(row, "bench", json_string(pt->job));
	json_object_set_new(row, "engine", json_string(pt->p.raw[IB_O_ENGINE]));
	json_object_set_new(row, "run_type", json_string("measured"));
	json_object_set_new(row, "params", json_object());
	rank_params(row, k);
	json_object_set_new(row, "metrics", json_object());
	json_object_set_new(row, "counters", json_object());
	json_object_set_new(row, "status", json_string("error"));
	snprintf(why, sizeof(why), "rank %d failed: %s", k, peers[k].failed);
	json_object_set_new(row, "reason", json_string(why));
	return row;
}

/* One step: measure when taking part; rank 0 gathers into rows. */
static void step(const struct ib_point *pt, const struct ib_topo *topo,
		 struct ib_counters *ctr, int only, json_t *rows, char *brief, size_t blen)
{
	json_t *mine = NULL;
	int me = ib_ranks.rank, k;

	step_seq++;
	synced = false;
	sync_only = only;
	if (only >= 0)
		snprintf(sync_mark, sizeof(sync_mark), "%s/rank:%d", pt->name, only);
	else
		snprintf(sync_mark, sizeof(sync_mark), "%s", pt->name);
	if (me && !takes_part(me))
		return; /* idle: rank 0 talks only to who measures */
	if (!me)
		wait_then_send(-1, IB_TAG_ARM);
	if (takes_part(me)) {
		mine = json_object();
		ib_point_timing_hook = start_barrier;
		ib_point_run(pt, topo, ctr, mine, brief, blen);
		ib_point_timing_hook = NULL;
		row_name(mine, pt, me);
		rank_params(mine, me);
	}
	start_barrier(); /* a point that ended before timing still syncs */
	if (me) {
		char *text, *col = NULL;

		send_step(0, IB_TAG_DONE, NULL);
		if (wait_step(0, IB_TAG_COLLECT, &col) == 0) {
			free(col);
			json_object_set_new(mine, "start_ns", json_integer((json_int_t)go_ns));
			text = json_dumps(mine, JSON_COMPACT);
			send_step(0, IB_TAG_ROWS, text ? text : "{}");
			free(text);
		}
		json_decref(mine);
		return;
	}
	wait_then_send(IB_TAG_DONE, IB_TAG_COLLECT);
	if (mine) {
		start_offset(mine, 0);
		json_array_append_new(rows, mine);
	}
	for (k = 1; k < ib_ranks.size; k++) {
		char *text = NULL, *sp;
		json_t *row = NULL;
		json_error_t jerr;

		if (!takes_part(k))
			continue;
		if (wait_step(k, IB_TAG_ROWS, &text) == 0) {
			sp = strchr(text, ' ');
			/* a duplicate key is refused, named (not last-one-wins) */
			jerr.text[0] = '\0';
			row = sp ? json_loads(sp + 1, JSON_REJECT_DUPLICATES, &jerr) : NULL;
			if (!json_is_object(row)) {
				char why[256];

				json_decref(row);
				row = NULL;
				snprintf(why, sizeof(why), "sent a row that is not a JSON object%s%s",
					 jerr.text[0] ? ": " : "", jerr.text);
				fail(k, why);
			}
			free(text);
		}
		if (!row) {
			row = error_row(pt, k);
		} else {
			rank_params(row, k); /* kernel, when the run mixes kernels */
			start_offset(row, k);
		}
		json_array_append_new(rows, row);
	}
	if (marks_on) {
		ib_lab_mark("END", sync_mark);
		for (k = 0; k < (int)json_array_size(rows); k++) {
			json_t *r = json_array_get(rows, (size_t)k);

			/* the marks bracket the whole step: both passes */
			if (!json_object_get(r, "lab_marks") &&
			    pt->p.u[IB_O_COUNTERS] != IB_CTRS_NONE)
				json_object_set_new(r, "lab_marks",
						    json_string(json_object_get(r, "counting_pass") ?
									"step" : "timing"));
		}
	}
}

int ib_rankrun_point(const struct ib_point *pt, const struct ib_topo *topo,
		     struct ib_counters *ctr, json_t *rows, char *brief, size_t blen)
{
	int k;

	marks_on = ib_ranks.rank == 0 && ib_lab_active() &&
		   pt->p.u[IB_O_COUNTERS] != IB_CTRS_NONE;
	if (!strcmp(pt->p.raw[IB_O_CONCURRENCY], "alone")) {
		for (k = 0; k < ib_ranks.size; k++)
			step(pt, topo, ctr, k, rows, brief, blen);
	} else {
		step(pt, topo, ctr, -1, rows, brief, blen);
	}
	return 0;
}

/* rank 0: every rank's context into ctx.ranks (rank 0's own first). */
int ib_rankrun_contexts(json_t *ctx, const struct ib_topo *topo, int plan_n)
{
	json_t *ranks = json_array(), *hosts = json_array(), *mine;
	double saved_timeout;
	int k, bad = 0;
	size_t i;

	if (alloc_peers())
		return -1;
	snprintf(peers[0].host, sizeof(peers[0].host), "%s", ib_ranks.host);
	snprintf(peers[0].device, sizeof(peers[0].device), "%s", my_device(topo));
	snprintf(peers[0].kernel, sizeof(peers[0].kernel), "%s",
		 json_string_value(json_object_get(ctx, "kernel")) ?: "");
	peers[0].pid = getpid();
	mine = json_object();
	json_object_set_new(mine, "rank", json_integer(0));
	json_object_set_new(mine, "local_rank", json_integer(ib_ranks.local_rank));
	json_object_set_new(mine, "host", json_string(ib_ranks.host));
	json_object_set_new(mine, "pid", json_integer(getpid()));
	json_object_set_new(mine, "pid_space", json_string(pid_space()));
	json_object_set_new(mine, "device", peers[0].device[0] ? json_string(peers[0].device) :
								 json_null());
	json_object_set_new(mine, "context", json_deep_copy(ctx));
	json_array_append_new(ranks, mine);
	step_seq = 0;
	/* every rank is past MPI_Init: its context comes within seconds, and
	 * no pid is known yet to watch */
	saved_timeout = ib_ranks.timeout_s;
	if (ib_ranks.timeout_s > HELLO_TIMEOUT_S)
		ib_ranks.timeout_s = HELLO_TIMEOUT_S;
	for (k = 1; k < ib_ranks.size; k++) {
		char *text = NULL;
		json_t *info;
		json_error_t jerr;
		int pts;

		if (wait_step(k, IB_TAG_CTX, &text)) {
			info = json_object();
			json_object_set_new(info, "rank", json_integer(k));
			json_object_set_new(info, "error", json_string(peers[k].failed));
			json_array_append_new(ranks, info);
			continue;
		}
		jerr.text[0] = '\0';
		info = json_loads(strchr(text, ' ') ? strchr(text, ' ') + 1 : "",
				  JSON_REJECT_DUPLICATES, &jerr);
		free(text);
		if (!json_is_object(info)) {
			char why[256];

			json_decref(info);
			snprintf(why, sizeof(why), "sent a context that is not a JSON object%s%s",
				 jerr.text[0] ? ": " : "", jerr.text);
			fail(k, why);
			continue;
		}
		snprintf(peers[k].host, sizeof(peers[k].host), "%s",
			 json_string_value(json_object_get(info, "host")) ?: "");
		snprintf(peers[k].device, sizeof(peers[k].device), "%s",
			 json_string_value(json_object_get(info, "device")) ?: "");
		snprintf(peers[k].kernel, sizeof(peers[k].kernel), "%s",
			 json_string_value(json_object_get(json_object_get(info, "context"),
							   "kernel")) ?: "");
		if (!strcmp(peers[k].host, ib_ranks.host) &&
		    !strcmp(json_string_value(json_object_get(info, "pid_space")) ?: "", pid_space()))
			peers[k].pid = (int)json_integer_value(json_object_get(info, "pid"));
		if (strcmp(peers[k].kernel, peers[0].kernel))
			mixed_kernels = true;
		pts = (int)json_integer_value(json_object_get(info, "plan_points"));
		if (pts != plan_n) {
			fprintf(stderr,
				"iommubench: rank %d: plan_points=%d; rank 0 has %d (every rank must run the same plan)\n",
				k, pts, plan_n);
			bad = 1;
		}
		json_object_del(info, "plan_points");
		json_array_append_new(ranks, info);
	}
	ib_ranks.timeout_s = saved_timeout;
	/* answer: rank 0's pid and pid space (a local rank 0 that exits is seen) */
	for (k = 1; k < ib_ranks.size; k++) {
		char body[256];

		if (peers[k].failed[0])
			continue;
		snprintf(body, sizeof(body), "%s %d %s", bad ? "stop" : "go", (int)getpid(),
			 pid_space());
		send_step(k, IB_TAG_CTX, body);
	}
	for (k = 0; k < ib_ranks.size; k++) {
		json_t *h;

		json_array_foreach(hosts, i, h)
			if (!strcmp(json_string_value(h), peers[k].host))
				break;
		if (peers[k].host[0] && i == json_array_size(hosts))
			json_array_append_new(hosts, json_string(peers[k].host));
	}
	json_object_set_new(ctx, "ranks", ranks);
	json_object_set_new(ctx, "rank_count", json_integer(ib_ranks.size));
	json_object_set_new(ctx, "hosts", hosts);
	return bad ? -1 : 0;
}

/* rank k: its context to rank 0; 0, 1 when rank 0 stops the run, -1 failed. */
int ib_rankrun_hello(json_t *ctx, const struct ib_topo *topo, int plan_n)
{
	json_t *info = json_object();
	char *text, *ans = NULL, word[16] = "", space[160] = "";
	int pid = 0;

	if (alloc_peers())
		return -1;
	json_object_set_new(info, "rank", json_integer(ib_ranks.rank));
	json_object_set_new(info, "local_rank", json_integer(ib_ranks.local_rank));
	json_object_set_new(info, "host", json_string(ib_ranks.host));
	json_object_set_new(info, "pid", json_integer(getpid()));
	json_object_set_new(info, "pid_space", json_string(pid_space()));
	json_object_set_new(info, "device", my_device(topo)[0] ? json_string(my_device(topo)) :
								 json_null());
	json_object_set_new(info, "plan_points", json_integer(plan_n));
	json_object_set_new(info, "context", json_incref(ctx));
	text = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	step_seq = 0;
	send_step(0, IB_TAG_CTX, text ? text : "{}");
	free(text);
	if (wait_step(0, IB_TAG_CTX, &ans))
		return -1;
	sscanf(ans, "%*d %15s %d %159s", word, &pid, space);
	free(ans);
	if (!strcmp(space, pid_space()))
		peers[0].pid = pid;
	return strcmp(word, "go") ? 1 : 0;
}

bool ib_rankrun_failed(int k)
{
	return peers && peers[k].failed[0];
}
