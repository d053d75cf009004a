/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results/index.html: every run under a results directory (suite, run id,
 * platform, host, date, rows by status), a link to each report.html, and
 * the compare command for each pair of consecutive runs of a suite
 * (output/runindex.c; docs/report.md, "The index of runs").
 */
#ifndef IB_RUNINDEX_H
#define IB_RUNINDEX_H

#include <stddef.h>

/* The runs listed at most; more are counted, not listed. */
#define IB_RUNINDEX_MAX 4096

/*
 * Writes ROOT/index.html for the runs ROOT/<suite>/<run>/results.json
 * (links such as latest not followed), under a temporary name, renamed.
 * The number of runs listed, or -1 with a one-line reason in err.
 */
int ib_runindex_write(const char *root, char *err, size_t errlen);

/*
 * The same for the results directory that holds RUN_DIR
 * (<root>/<suite>/<run>): the root is RUN_DIR less its last two
 * components.
 */
int ib_runindex_write_for(const char *run_dir, char *err, size_t errlen);

#endif
