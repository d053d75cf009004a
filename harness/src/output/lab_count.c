// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench lab-count RUNDIR ROW`: the lab's vIOMMU counters of one row
 * while the run is still going, printed as one JSON line (the row's
 * "counters" object as lab-merge would write it).  The host lab runner
 * (scripts/lab/iblab/marks.py) runs it, argv only, when the guest harness
 * asks "COUNT <row>" after the row's END mark: the reach refinement
 * (cli/run_refine.c) needs the counts of the windows measured so far to
 * choose the next one.  It counts exactly as lab-merge does
 * (ib_lab_count_merge), over a copy of RUNDIR/marks.tsv that holds only
 * that row's marks; lab-merge still counts every row after the run.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_commands.h"
#include "ib_counters.h"
#include "ib_exit.h"
#include "ib_plan.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: iommubench lab-count RUNDIR ROW\n"
		   "  prints the lab counters of row ROW (one JSON object) from RUNDIR's\n"
		   "  QEMU trace and marks.tsv, while the run goes on\n");
}

/* RUNDIR/marks.tsv's lines of row name into a private temporary file
 * (path in tmp); 0, or -1 after a one-line message. */
static int marks_of(const char *dir, const char *name, char *tmp, size_t len)
{
	char path[4096], line[IB_NAME_LEN + 64];
	size_t nlen = strlen(name);
	FILE *in, *out;
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/marks.tsv", dir);
	in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "iommubench: lab-count: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(tmp, len, "%s/ib-lab-count-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	fd = mkstemp(tmp);
	out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!out) {
		fprintf(stderr, "iommubench: lab-count: %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return -1;
	}
	while (fgets(line, sizeof(line), in)) {
		/* "BEGIN\t<row>\t<offset>": the row's own lines only */
		const char *r = !strncmp(line, "BEGIN\t", 6) ? line + 6 :
				!strncmp(line, "END\t", 4)   ? line + 4 : NULL;

		if (r && !strncmp(r, name, nlen) && r[nlen] == '\t') {
			fputs(line, out);
			n++;
		}
	}
	fclose(in);
	if (fclose(out) || !n) {
		if (!n)
			fprintf(stderr, "iommubench: lab-count: %s: no marks of row %s\n", path, name);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int cmd_lab_count(int argc, char **argv)
{
	char tmp[4096], *text;
	const char *name;
	struct ib_lab_rows R = { 0 };
	json_t *row, *ctx;
	int n;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return IB_EXIT_OK;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		usage(stderr);
		return IB_EXIT_USAGE;
	}
	name = argv[2];
	if (!name[0] || strlen(name) >= IB_NAME_LEN || strpbrk(name, "\t\r\n")) {
		fprintf(stderr, "iommubench: lab-count: ROW: a row name of 1 to %d bytes without tabs or newlines\n",
			IB_NAME_LEN - 1);
		return IB_EXIT_USAGE;
	}
	if (marks_of(argv[1], name, tmp, sizeof(tmp)))
		return IB_EXIT_FAILED;
	row = json_pack("{s:s,s:{},s:{}}", "name", name, "params", "counters");
	ctx = json_object();
	R.ctx = ctx;
	R.row = &row;
	R.name = &name;
	R.n = 1;
	n = ib_lab_count_merge(&R, argv[1], NULL, tmp, "lab-count");
	unlink(tmp);
	text = n > 0 ? json_dumps(json_object_get(row, "counters"), JSON_COMPACT) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(row);
	json_decref(ctx);
	return text ? IB_EXIT_OK : IB_EXIT_FAILED;
}
