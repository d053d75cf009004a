// SPDX-License-Identifier: GPL-2.0
/*
 * What table.c (the command: columns, findings into cells, significance)
 * and table_fmt.c (text, HTML, CSV and LaTeX) share.  Internal to output/.
 */
#ifndef IB_TABLE_INT_H
#define IB_TABLE_INT_H

#include <stdbool.h>
#include <stdio.h>

#define TABLE_MAX_COLS 32
#define TABLE_MAX_ROWS 32

struct tcell {
	bool have;
	double v, lo, hi; /* value and its 95 % CI (NaN: none) */
	long long n;	  /* samples behind the CI; -1: a bracket or a finding's interval */
	int sig;	  /* against column 0: 1 significant, 0 not, -1 not comparable */
};

struct trow {
	char label[96], unit[16];
	struct tcell c[TABLE_MAX_COLS];
};

struct tcol {
	char label[300];     /* instance type (provider, zone), or host */
	char run_id[320];
	char platform[32];
};

struct table {
	struct tcol cols[TABLE_MAX_COLS];
	struct trow rows[TABLE_MAX_ROWS];
	int ncols, nrows;
};

/* table_fmt.c: the table as text on f; as PREFIX.html, PREFIX.csv and
 * PREFIX.tex (each written to a temporary and renamed), their names on
 * stdout: IB_EXIT_OK, or IB_EXIT_RESOURCE after a one-line message. */
void table_text(const struct table *t, FILE *f);
int table_write_all(const struct table *t, const char *prefix);

#endif
