// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the CLI.  Dispatches sub-commands, and owns process-wide
 * safety: whatever the harness changed on the machine (IOMMU group types
 * and bindings, hugepage pools) is put back at any exit and on SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT; what a killed run left is undone by the
 * next run or `iommubench restore` from the state ledger.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_counters.h"
#include "ib_engine.h"
#include "ib_exit.h"
#include "ib_helpgen.h"
#include "ib_iommu_mode.h"
#include "ib_point.h"
#include "ib_machine_state.h"
#include "ib_module.h"
#include "ib_options.h"
#include "ib_run.h"

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static pid_t main_pid;			/* a forked child restores nothing */
static volatile sig_atomic_t stop_after_point; /* run, rerun */
static int signals_seen; /* atomic: handlers may run in two threads at once */

/* Normal exit path (atexit): restore and settle the state ledger. */
static void restore_machine(void)
{
	if (getpid() != main_pid)
		return;
	ib_counters_restore_signal(); /* a tracefs instance not closed */
	ib_iommu_mode_restore_all();
	ib_point_release(); /* the buffer kept for a next point */
	ib_hugepages_restore_all();
}

/* Dies of sig with its default action (termination, or a core for SIGQUIT). */
static void die_of(int sig)
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

/*
 * Every signal first puts the machine back now, with open/read/write/close
 * on prepared paths only (the ledger is settled on the exit path, or by the
 * reaper if we die first).  Then run and rerun set ib_interrupted: the loop
 * stops after the current point and the results say "complete": false; a
 * second signal kills.  Any other command dies at once of the signal.
 */
static void on_signal(int sig)
{
	static const char msg[] = "iommubench: interrupted; restored IOMMU groups "
				  "and hugepage pools, stopping after this point "
				  "(results marked incomplete; a second signal kills)\n";
	int saved_errno = errno, earlier;

	if (getpid() != main_pid)
		die_of(sig);
	earlier = __atomic_fetch_add(&signals_seen, 1, __ATOMIC_SEQ_CST);
	ib_counters_restore_signal();
	ib_iommu_mode_restore_signal();
	ib_hugepages_restore_signal();
	if ((!stop_after_point || earlier) && ib_pool_reserving) {
		/* our share of a pool being grown is not known yet: the
		 * reservation restores and dies as soon as it is */
		ib_pool_die_pending = sig;
		errno = saved_errno;
		return;
	}
	if (!stop_after_point || earlier)
		die_of(sig);
	ib_interrupted = 1;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do */
	}
	errno = saved_errno;
}

static void install_signals(bool run)
{
	struct sigaction sa;
	size_t i, n = sizeof(handled_signals) / sizeof(handled_signals[0]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* the run loop polls ib_interrupted: let interrupted syscalls resume */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < n; i++)
		sigaddset(&sa.sa_mask, handled_signals[i]);
	for (i = 0; i < n; i++) {
		struct sigaction old;

		/* SIGHUP ignored from the start (nohup) stays ignored: the
		 * caller asked the run to outlive its terminal.  SIGINT and
		 * SIGQUIT, which scripts' background jobs inherit ignored, are
		 * taken: `kill -INT` must stop a run started with `&`. */
		if (handled_signals[i] == SIGHUP &&
		    !sigaction(SIGHUP, NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(handled_signals[i], &sa, NULL);
	}
	if (run) {
		/* a dead reader (`| tee` gone with the ssh session) must not
		 * kill a run before it restores: writes fail with EPIPE */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

/* What runs still alive hold: not restored, but said. */
static void print_live_holders(void)
{
	struct ib_state *st = calloc(1, sizeof(*st));
	char why[512];
	int i, j;

	if (!st || ib_state_lock(false, why, sizeof(why))) {
		free(st);
		return;
	}
	if (!ib_state_load(st, why, sizeof(why))) {
		for (i = 0; i < st->npools; i++)
			for (j = 0; j < st->pool[i].nholders; j++)
				if (ib_state_proc_alive(&st->pool[i].h[j].proc))
					printf("left alone: %s: %lld pages held by running iommubench pid %d\n",
					       st->pool[i].path, st->pool[i].h[j].added,
					       st->pool[i].h[j].proc.pid);
		/* (records of dead runs still here were refused, said above) */
		for (i = 0; i < st->ngroups; i++)
			if (ib_state_proc_alive(&st->group[i].proc))
				printf("left alone: group %d (%s) is being switched by iommubench pid %d\n",
				       st->group[i].group, st->group[i].bdf, st->group[i].proc.pid);
		for (i = 0; i < st->ntraces; i++)
			if (ib_state_proc_alive(&st->trace[i].proc))
				printf("left alone: %s/instances/iommubench-%d of running iommubench pid %d\n",
				       st->trace[i].root, st->trace[i].proc.pid, st->trace[i].proc.pid);
	}
	ib_state_unlock();
	free(st);
}

/* `iommubench restore`: undoes what runs that died left on this machine. */
static int cmd_restore(int argc, char **argv)
{
	char why[512];
	int n, refused = 0;

	if (argc > 1) {
		fprintf(stderr, "iommubench: restore: %s: takes no arguments\n", argv[1]);
		return IB_EXIT_USAGE;
	}
	n = ib_state_reap(stdout, "", &refused, why, sizeof(why));
	if (n < 0) {
		fprintf(stderr, "iommubench: restore: %s\n", why);
		return IB_EXIT_FAILED;
	}
	if (!n)
		printf("nothing to restore (state in %s)\n", ib_state_dir());
	print_live_holders();
	/* refused records (one line each on stderr) are bad input, kept */
	return refused ? IB_EXIT_USAGE : IB_EXIT_OK;
}

/* Before a run: what killed runs left is not this run's baseline. */
static void reap_leftovers(void)
{
	char why[512];

	if (access(ib_state_dir(), W_OK))
		return; /* none recorded, or not ours to fix (not root) */
	if (ib_state_reap(stderr, "iommubench: left by a killed run: ", NULL, why,
			  sizeof(why)) < 0)
		fprintf(stderr, "iommubench: %s\n", why);
}

/*
 * The commands: the dispatch table and each one's usage lines, which
 * `iommubench help` prints in this order and `iommubench CMD --help` alone.
 */
static const struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} commands[] = {
	{ "run", cmd_run,
	  "  run --suite FILE [--results-dir DIR] [--run-id ID] [--platform host|qemu-lab]\n"
	  "      [--lab-ctl PATH] [--only JOB] [--dry-run] [--no-refine] [--OPTION VALUE ...]\n"
	  "  run --engine E [--page-size 2m] [--window 64m] [--OPTION VALUE ...]\n" },
	{ "rerun", cmd_rerun, "  rerun results.json [--row NAME]\n" },
	{ "info", cmd_info, "  info [--json]\n" },
	{ "help", cmd_help, "  help [ENGINE]\n" },
	{ "compare", cmd_compare, "  compare A B...\n" },
	{ "lab-merge", cmd_lab_merge, "  lab-merge RUNDIR\n" },
	{ "lab-count", cmd_lab_count, "  lab-count RUNDIR ROW   # one row's lab counters while the run goes on\n" },
	{ "report", cmd_report, "  report RUNDIR [--figure-format LIST]   # LIST: svg,png,pdf,cairolatex\n" },
	{ "derive", cmd_derive, "  derive RUNDIR    # derived rows: IOTLB reach per page size\n" },
	{ "finish", cmd_finish,
	  "  finish RUNDIR [--link-latest] [--figure-format LIST]  # lab-merge (lab runs), derive and report in one step\n" },
	{ "export", cmd_export, "  export RUN_OR_DIR... [-o FILE]   # one tidy CSV across runs\n" },
	{ "table", cmd_table,
	  "  table RUN... [-o PREFIX]   # the fleet table: a column per machine, a row per finding\n" },
	{ "reproduce", cmd_reproduce,
	  "  reproduce RUN [--against RUN2]   # rerun RUN, a verdict per row (exit 0 all reproduced, 2 one differs)\n" },
	{ "restore", cmd_restore,
	  "  restore          # undo hugepage pools and IOMMU group types left by killed runs\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes_line[] =
	"Exit codes: 0 ok, 1 usage, 2 a benchmark failed, 3 resource missing, 4 skipped.\n";

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: iommubench <command> [args]\n");
	for (i = 0; i < NCOMMANDS; i++)
		fputs(commands[i].usage, f);
	fputs(exit_codes_line, f);
}

/* `iommubench CMD --help` (or -h): that command's usage, exit 0. */
static int command_help(const struct command *c)
{
	printf("usage:\n%s", c->usage);
	if (c->fn == cmd_run || c->fn == cmd_rerun)
		printf("Options (suite keys; --OPTION VALUE on the command line) and engines: iommubench help\n");
	fputs(exit_codes_line, stdout);
	return IB_EXIT_OK;
}

/* Whether CMD's arguments ask for its usage: --help anywhere, -h first. */
static bool wants_help(int argc, char **argv)
{
	int i;

	if (argc > 1 && !strcmp(argv[1], "-h"))
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help"))
			return true;
	return false;
}

/* help --man, help --completion bash: from the tables (helpgen.c) */
static int help_generated(int argc, char **argv)
{
	struct ib_command_doc docs[NCOMMANDS];
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		docs[i].name = commands[i].name;
		docs[i].usage = commands[i].usage;
	}
	return ib_help_generated(stdout, argc, argv, docs, NCOMMANDS);
}

int cmd_help(int argc, char **argv)
{
	const struct ib_engine *const *e = ib_engines();
	char buf[512], names[1024];
	int i;

	if (argc > 1 && !strncmp(argv[1], "--", 2))
		return help_generated(argc - 1, argv + 1);
	if (argc > 1) {
		const struct ib_engine *eng = ib_engine_find(argv[1]);
		struct ib_point pt;

		if (!eng) {
			fprintf(stderr, "iommubench: help %s: unknown engine; expected ", argv[1]);
			for (i = 0; e[i]; i++)
				fprintf(stderr, "%s%s", i ? ", " : "", e[i]->name);
			fprintf(stderr, "\n");
			return IB_EXIT_USAGE;
		}
		memset(&pt, 0, sizeof(pt));
		ib_params_defaults(&pt.p);
		printf("engine %s: %s\n", eng->name, eng->help);
		printf("here: %s\n", eng->supported && eng->supported(&pt, buf, sizeof(buf)) ?
					     buf : "available");
		ib_engine_metric_names(eng->metrics, names, sizeof(names));
		printf("metrics: %s\n", names);
		printf("parameters:\n");
		ib_engine_print_params(stdout, eng);
		return IB_EXIT_OK;
	}
	usage(stdout);
	printf("\nengines:\n");
	for (i = 0; e[i]; i++)
		printf("  %-10s %s\n", e[i]->name, e[i]->help);
	printf("\noptions (suite key, CLI option; a comma list sweeps a parameter):\n");
	ib_options_print_help(stdout);
	return IB_EXIT_OK;
}

/* A string the module filled (a fixed array, maybe unterminated): ASCII
 * text, anything else '?', so the JSON is valid whatever it holds. */
static json_t *module_text(const char *s, size_t size)
{
	char buf[128];
	size_t i, n = strnlen(s, size);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	buf[n] = '\0';
	return json_string(buf);
}

static json_t *hexf(const char *fmt, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_string(buf);
}

/* `info --json`: one line, keys in this order, written by jansson. */
static int info_json(const struct iommubench_info *info)
{
	json_t *doc = json_object(), *devs = json_array();
	char *text;
	uint32_t i;

	json_object_set_new(doc, "abi_version", json_integer(info->abi_version));
	json_object_set_new(doc, "release", module_text(info->release, sizeof(info->release)));
	json_object_set_new(doc, "ndma_chans", json_integer(info->ndma_chans));
	for (i = 0; i < info->ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
		const struct iommubench_dev_info *d = &info->devices[i];
		json_t *o = json_object();

		json_object_set_new(o, "device", module_text(d->name, sizeof(d->name)));
		json_object_set_new(o, "vendor", hexf("%04llx", d->vendor));
		json_object_set_new(o, "device_id", hexf("%04llx", d->device));
		json_object_set_new(o, "numa_node", json_integer(d->numa_node));
		json_object_set_new(o, "iommu_group", json_integer(d->iommu_group));
		json_object_set_new(o, "domain_type",
				    json_string(ib_domain_type_name(d->domain_type)));
		json_object_set_new(o, "iommu_mode",
				    json_string(ib_domain_type_mode(d->domain_type)));
		json_object_set_new(o, "engines", json_integer(d->engines));
		json_object_set_new(o, "busy", json_integer(d->busy));
		json_object_set_new(o, "dma_mask", hexf("0x%llx", d->dma_mask));
		json_object_set_new(o, "iommu_pgsize_bitmap", hexf("0x%llx", d->iommu_pgsize_bitmap));
		json_array_append_new(devs, o);
	}
	json_object_set_new(doc, "devices", devs);
	text = json_dumps(doc, JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text) {
		fprintf(stderr, "iommubench: info: out of memory\n");
		return IB_EXIT_FAILED;
	}
	puts(text);
	free(text);
	return IB_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
	struct iommubench_info info;
	char why[512];
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	uint32_t i;
	int rc;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "iommubench: info: %s: expected --json\n", argv[1]);
		return IB_EXIT_USAGE;
	}
	rc = ib_module_info(&info, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "iommubench: info: %s\n", why);
		return rc;
	}
	if (json)
		return info_json(&info);
	printf("iommubench module: ABI %u, kernel %s, %u DMA_MEMCPY channel(s)\n",
	       info.abi_version, info.release, info.ndma_chans);
	printf("%-14s %-9s %5s %6s %-9s %-20s %s\n", "device", "id", "node", "group",
	       "domain", "engines", "iommu page sizes");
	for (i = 0; i < info.ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
		const struct iommubench_dev_info *d = &info.devices[i];
		const struct ib_engine *const *e = ib_engines();
		char eng[64] = "";
		size_t off = 0;
		int k;

		/* the module engines this device offers, in registry order */
		for (k = 0; e[k]; k++)
			if (e[k]->module_engine >= 0 &&
			    (d->engines & IOMMUBENCH_ENGINE_BIT(e[k]->module_engine)) &&
			    off < sizeof(eng))
				off += (size_t)snprintf(eng + off, sizeof(eng) - off,
							"%s ", e[k]->name);
		printf("%-14s %04x:%04x %5d %6d %-9s %-20s 0x%llx%s\n", d->name, d->vendor,
		       d->device, d->numa_node, d->iommu_group,
		       ib_domain_type_name(d->domain_type), eng,
		       (unsigned long long)d->iommu_pgsize_bitmap, d->busy ? " (busy)" : "");
	}
	return IB_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return IB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("iommubench %s\n", IB_VERSION);
		return IB_EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr,
			"iommubench: %s: unknown command; expected run, rerun, info, help, compare, lab-merge, lab-count, report, derive, finish, export, table, reproduce or restore\n",
			argv[1]);
		return IB_EXIT_USAGE;
	}
	if (wants_help(argc - 1, argv + 1))
		return command_help(cmd);
	main_pid = getpid();
	/* reproduce reruns a host run (rerun) before its verdicts */
	stop_after_point = cmd->fn == cmd_run || cmd->fn == cmd_rerun || cmd->fn == cmd_reproduce;
	install_signals(stop_after_point);
	atexit(restore_machine);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (stop_after_point)
		reap_leftovers();
	return cmd->fn(argc - 1, argv + 1);
}
