/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a run says on the terminal: one progress line per point on stderr
 * (status, brief result, ETA) and the results table on stdout.
 */
#ifndef IB_CONSOLE_H
#define IB_CONSOLE_H

#include <jansson.h>
#include <stddef.h>

/* "[i/n] name: status: brief (ETA h:mm:ss)", from the seconds per point
 * so far. */
void ib_console_progress(int i, int n, const char *name, const char *status,
			 const char *brief, double per_point_s);

/* The results on stdout: one line per row, medians with their CI. */
void ib_console_table(json_t *doc);

#endif
