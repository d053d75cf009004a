/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Suite files: fio-style INI ([global] + one section per job), parsed with
 * inih.  Values may be comma lists; plan.c expands them into a cross product.
 * Every value is checked against the option table while loading, so a bad
 * suite fails before anything runs.
 */
#ifndef IB_SUITE_H
#define IB_SUITE_H

#include <stdbool.h>
#include "ib_options.h"

#define IB_SUITE_MAX_JOBS 64
#define IB_LIST_VAL_LEN 4096

struct ib_job {
	char name[64];
	int line;			    /* line of the [section] header */
	bool set[IB_O_MAX];
	int vline[IB_O_MAX];		    /* line of each key */
	char value[IB_O_MAX][IB_LIST_VAL_LEN]; /* list text as written */
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

/* Sets one key of a job (CLI or rerun); value may be a list.  where names
 * the origin in messages (e.g. "--page-size"). */
int ib_job_set(struct ib_job *j, const char *key, const char *value,
	       const char *where, int line, char *err, size_t errlen);

#endif
