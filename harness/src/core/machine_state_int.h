/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the ledger (harness/src/core/machine_state*.c): what its files
 * call in each other and the small helpers they share.
 */
#ifndef IB_MACHINE_STATE_INT_H
#define IB_MACHINE_STATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ib_machine_state.h"

/* machine_state.c: the state file's path (set by ib_state_lock). */
const char *ib_state_file(void);

/* machine_state_check.c: one record into st; -1 with why (naming the field
 * and what is allowed). */
int ib_state_parse_line(struct ib_state *st, char *line, char *why, size_t whylen);
/* An absolute path of printable characters, no "." or ".." component. */
bool ib_state_abs_path_ok(const char *s, size_t max);

/* machine_state_trace.c: removes dead runs' tracefs instances; the count. */
int ib_state_trace_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused);

/* A record's field: "-" for empty, and back. */
static inline const char *field(const char *s)
{
	return s[0] ? s : "-";
}

static inline void unfield(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", strcmp(s, "-") ? s : "");
}

static inline bool same_proc(const struct ib_state_proc *a, const struct ib_state_proc *b)
{
	return a->pid == b->pid && a->start == b->start;
}

#endif
