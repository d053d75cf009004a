/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Suite files: fio-style INI ([global] + one section per job), read by our
 * own line parser (lines of any length up to IB_SUITE_MAX_LINE; inih cut
 * them at 199 characters).  Values may be comma lists; plan.c expands them
 * into a cross product.  Every value is checked against the option table
 * while loading, so a bad suite fails before anything runs.  Overlong
 * lines and lists, NUL bytes, and duplicate sections or keys are errors
 * naming file:line (docs/suites.md).
 */
#ifndef IB_SUITE_H
#define IB_SUITE_H

#include <stdbool.h>
#include "ib_options.h"

#define IB_SUITE_MAX_JOBS 64
/* The longest suite line: a whole list (IB_LIST_MAX_CHARS) plus its key
 * and a comment. */
#define IB_SUITE_MAX_LINE (IB_LIST_MAX_CHARS + 4096)
/* A buffer for one value formatted by a caller (rerun); lists themselves
 * are not limited by it. */
#define IB_LIST_VAL_LEN 4096

struct ib_job {
	char name[64];
	int line;			    /* line of the [section] header */
	bool set[IB_O_MAX];
	int vline[IB_O_MAX];		    /* line of each key */
	/* list text as written; interned by ib_job_set and valid until exit,
	 * so a job can be copied or cleared with memset */
	const char *value[IB_O_MAX];
};

struct ib_suite {
	char name[64];	/* basename without .suite; "adhoc" for the CLI */
	char file[256]; /* for messages: basename of the file */
	struct ib_job global;
	int njobs;
	struct ib_job jobs[IB_SUITE_MAX_JOBS];
};

/* Loads and checks a suite file.  -1 with "file:line: key=value: expected
 * ..." in err. */
int ib_suite_load(const char *path, struct ib_suite *s, char *err, size_t errlen);

/* The same from a string (tests). */
int ib_suite_load_string(const char *text, const char *name,
			 struct ib_suite *s, char *err, size_t errlen);

/* Sets one key of a job (CLI or rerun); value may be a list, and every item
 * is checked.  where names the origin in messages (e.g. "--page-size").  A
 * key set again replaces the value (the CLI's last one wins; the suite
 * parser refuses duplicates before calling this). */
int ib_job_set(struct ib_job *j, const char *key, const char *value,
	       const char *where, int line, char *err, size_t errlen);

#endif
