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

/* On platform qemu-lab (ctx: the run's context), row's brief rewritten for
 * the progress line: "timing flat by construction (emulated edu); counts
 * after merge" where the DMA timing is (ib_row_flat_by_construction), else
 * every timing marked "(emulated)".  Host rows, and rows not ok or with a
 * verdict, keep the brief point.c wrote. */
void ib_console_brief(json_t *ctx, json_t *row, char *brief, size_t blen);

/* The results on stdout: one line per row, medians with their CI; on
 * qemu-lab marked emulated, and no timing where it is flat by
 * construction. */
void ib_console_table(json_t *doc);

#endif
