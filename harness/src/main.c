// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: the CLI.  Dispatches sub-commands, and owns process-wide
 * safety: whatever the harness changed on the machine (IOMMU group types
 * and bindings, hugepage pools) is put back at exit and on SIGINT/SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_engine.h"
#include "ib_iommu_mode.h"
#include "ib_module.h"
#include "ib_options.h"
#include "ib_run.h"



static void restore_machine(void)
{
	ib_iommu_mode_restore_all();
	ib_hugepages_restore_all();
}

/*
 * First signal: put the machine back now (async-signal-safe writes), then
 * let the run loop finish the current point's bookkeeping and stop; the
 * results already on disk say "complete": false.  A second signal kills.
 */
static void on_signal(int sig)
{
	static const char msg[] = "iommubench: interrupted; restoring IOMMU groups "
				  "and hugepage pools, results marked incomplete\n";

	restore_machine();
	if (ib_interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	ib_interrupted = 1;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do */
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommubench <command> [args]\n"
		"  run --suite FILE [--results-dir DIR] [--run-id ID] [--platform host|qemu-lab]\n"
		"      [--lab-ctl PATH] [--only JOB] [--dry-run] [--OPTION VALUE ...]\n"
		"  run --engine E [--page-size 2m] [--window 64m] [--OPTION VALUE ...]\n"
		"  rerun results.json [--row NAME]\n"
		"  info [--json]\n"
		"  help [ENGINE]\n"
		"  compare A B...\n"
		"  lab-merge RUNDIR\n"
		"  report RUNDIR\n"
		"  derive RUNDIR    # derived rows: IOTLB reach per page size\n"
		"Exit codes: 0 ok, 1 usage, 2 a benchmark failed, 3 resource missing, 4 skipped.\n");
}

int cmd_help(int argc, char **argv)
{
	const struct ib_engine *const *e = ib_engines();
	char buf[512];
	int i;

	if (argc > 1) {
		const struct ib_engine *eng = ib_engine_find(argv[1]);
		struct ib_point pt;

		if (!eng) {
			fprintf(stderr, "iommubench: help %s: unknown engine; expected ", argv[1]);
			for (i = 0; e[i]; i++)
				fprintf(stderr, "%s%s", i ? ", " : "", e[i]->name);
			fprintf(stderr, "\n");
			return 1;
		}
		memset(&pt, 0, sizeof(pt));
		ib_params_defaults(&pt.p);
		printf("engine %s: %s\n", eng->name, eng->help);
		printf("here: %s\n", eng->supported && eng->supported(&pt, buf, sizeof(buf)) ?
					     buf : "available");
		printf("parameters:\n");
		ib_options_print_help(stdout, eng->params);
		return 0;
	}
	usage(stdout);
	printf("\nengines:\n");
	for (i = 0; e[i]; i++)
		printf("  %-10s %s\n", e[i]->name, e[i]->help);
	printf("\noptions (suite key, CLI option; a comma list sweeps a parameter):\n");
	ib_options_print_help(stdout, NULL);
	return 0;
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
		return 1;
	}
	rc = ib_module_info(&info, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "iommubench: info: %s\n", why);
		return rc;
	}
	if (json) {
		printf("{\"abi_version\": %u, \"release\": \"%s\", \"ndma_chans\": %u, \"devices\": [",
		       info.abi_version, info.release, info.ndma_chans);
		for (i = 0; i < info.ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
			const struct iommubench_dev_info *d = &info.devices[i];

			printf("%s{\"device\": \"%s\", \"vendor\": \"%04x\", \"device_id\": \"%04x\", "
			       "\"numa_node\": %d, \"iommu_group\": %d, \"domain_type\": \"%s\", "
			       "\"iommu_mode\": \"%s\", \"engines\": %u, \"busy\": %u, "
			       "\"dma_mask\": \"0x%llx\", \"iommu_pgsize_bitmap\": \"0x%llx\"}",
			       i ? ", " : "", d->name, d->vendor, d->device, d->numa_node,
			       d->iommu_group, ib_domain_type_name(d->domain_type),
			       ib_domain_type_mode(d->domain_type), d->engines, d->busy,
			       (unsigned long long)d->dma_mask,
			       (unsigned long long)d->iommu_pgsize_bitmap);
		}
		printf("]}\n");
		return 0;
	}
	printf("iommubench module: ABI %u, kernel %s, %u DMA_MEMCPY channel(s)\n",
	       info.abi_version, info.release, info.ndma_chans);
	printf("%-14s %-9s %5s %6s %-9s %-20s %s\n", "device", "id", "node", "group",
	       "domain", "engines", "iommu page sizes");
	for (i = 0; i < info.ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
		const struct iommubench_dev_info *d = &info.devices[i];
		char eng[64] = "";

		if (d->engines & IOMMUBENCH_ENGINE_BIT(IOMMUBENCH_ENGINE_MAP))
			strcat(eng, "map ");
		if (d->engines & IOMMUBENCH_ENGINE_BIT(IOMMUBENCH_ENGINE_EDU))
			strcat(eng, "edu ");
		if (d->engines & IOMMUBENCH_ENGINE_BIT(IOMMUBENCH_ENGINE_DMAENGINE))
			strcat(eng, "dmaengine ");
		printf("%-14s %04x:%04x %5d %6d %-9s %-20s 0x%llx%s\n", d->name, d->vendor,
		       d->device, d->numa_node, d->iommu_group,
		       ib_domain_type_name(d->domain_type), eng,
		       (unsigned long long)d->iommu_pgsize_bitmap, d->busy ? " (busy)" : "");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },	    { "rerun", cmd_rerun },
		{ "info", cmd_info },	    { "help", cmd_help },
		{ "compare", cmd_compare }, { "lab-merge", cmd_lab_merge },
		{ "report", cmd_report },   { "derive", cmd_derive },
	};
	struct sigaction sa;
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("iommubench %s\n", IB_VERSION);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atexit(restore_machine);
	setvbuf(stderr, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr,
		"iommubench: %s: unknown command; expected run, rerun, info, help, compare, lab-merge, report or derive\n",
		argv[1]);
	return 1;
}
