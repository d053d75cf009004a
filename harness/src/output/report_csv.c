// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC 4180 reader behind ib_csv_parse (report tables, compare overlays).  Part of `iommubench report`
 * (report.c; docs/report.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"


#include "report_int.h"

/* ---- CSV ---- */

/*
 * The table lives in one buffer: the text itself, unquoted in place (a
 * cell is never longer than its quoted form), with cells pointing into it.
 * One allocation for the text and one for the cell pointers, however many
 * rows: a 44k-row run's CSV has ~10 M cells.
 */
/*
 * Column lookups are by far the most frequent call (16 M for a 44k-row
 * report), nearly always with a string literal: a small cache keyed by the
 * name's address (checked against the column's name) saves hashing it.
 */
struct ib_csv_cache {
	const char *key[64];
	int col[64];
};

static char csv_empty[1] = "";

static int csv_push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		char **nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
	return 0;
}

/*
 * One record starting at *p, its cells appended to cells; advances *p past
 * its line end.  The cells are NUL-terminated in place.
 */
static int csv_record(char **p, char ***cells, size_t *ncells, size_t *cap, size_t *nrec,
		      int *line, char *err, size_t errlen)
{
	char *s = *p, *w;

	*nrec = 0;
	for (;;) {
		char *cell = w = s;

		if (*s == '"') {
			int start = *line;

			s++;
			for (;;) {
				if (!*s) {
					fmt(err, errlen, "line %d: unterminated quoted field", start);
					return -1;
				}
				if (*s == '"' && s[1] == '"') {
					s += 2;
					*w++ = '"';
				} else if (*s == '"') {
					s++;
					break;
				} else {
					if (*s == '\n')
						(*line)++;
					*w++ = *s++;
				}
			}
			if (*s && *s != ',' && *s != '\n' && *s != '\r') {
				fmt(err, errlen, "line %d: text after a closing quote", *line);
				return -1;
			}
		} else {
			s += strcspn(s, ",\n\r");
			w = s;
		}
		if (csv_push(cells, ncells, cap, cell)) {
			fmt(err, errlen, "line %d: out of memory", *line);
			return -1;
		}
		(*nrec)++;
		if (*s == ',') {
			*w = '\0';
			s++;
			continue;
		}
		if (*s == '\r')
			*s++ = '\0';
		if (*s == '\n') {
			*s++ = '\0';
			(*line)++;
		}
		*w = '\0';
		break;
	}
	*p = s;
	return 0;
}

/* Parses buf (malloc'd; the table takes it over, also on error). */
int rp_csv_parse_owned(char *buf, struct ib_csv *csv, char *err, size_t errlen)
{
	char *p = buf, **cells = NULL;
	size_t ncells = 0, cap = 0, n, r;
	int line = 1;

	memset(csv, 0, sizeof(*csv));
	csv->buf = buf;
	if (!*p) {
		fmt(err, errlen, "line 1: empty file (no header)");
		goto fail;
	}
	if (csv_record(&p, &cells, &ncells, &cap, &csv->ncols, &line, err, errlen))
		goto fail;
	while (*p) {
		int at = line;

		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		if (csv_record(&p, &cells, &ncells, &cap, &n, &line, err, errlen))
			goto fail;
		if (n > csv->ncols) {
			fmt(err, errlen, "line %d: %zu fields, the header has %zu", at, n,
			    csv->ncols);
			goto fail;
		}
		for (; n < csv->ncols; n++) /* a short line: the rest are "" */
			if (csv_push(&cells, &ncells, &cap, csv_empty)) {
				fmt(err, errlen, "line %d: out of memory", at);
				goto fail;
			}
		csv->nrows++;
	}
	csv->cells = cells;
	csv->cols = cells;
	csv->rows = malloc((csv->nrows ? csv->nrows : 1) * sizeof(*csv->rows));
	csv->colidx = json_object();
	csv->cache = calloc(1, sizeof(*csv->cache));
	if (!csv->rows || !csv->colidx || !csv->cache) {
		fmt(err, errlen, "out of memory");
		goto fail_table;
	}
	for (r = 0; r < csv->nrows; r++)
		csv->rows[r] = cells + (r + 1) * csv->ncols;
	/* the first of equal column names wins, as a scan would find it */
	for (n = csv->ncols; n-- > 0;)
		if (json_object_set_new_nocheck(csv->colidx, csv->cols[n],
						json_integer((json_int_t)n))) {
			fmt(err, errlen, "out of memory");
			goto fail_table;
		}
	return 0;
fail:
	free(cells);
	free(buf);
	memset(csv, 0, sizeof(*csv));
	return -1;
fail_table:
	ib_csv_free(csv);
	return -1;
}

int ib_csv_parse(const char *text, struct ib_csv *csv, char *err, size_t errlen)
{
	char *buf = strdup(text);

	if (!buf) {
		memset(csv, 0, sizeof(*csv));
		fmt(err, errlen, "out of memory");
		return -1;
	}
	return rp_csv_parse_owned(buf, csv, err, errlen);
}

void ib_csv_free(struct ib_csv *csv)
{
	free(csv->rows);
	free(csv->cells);
	free(csv->buf);
	json_decref(csv->colidx);
	free(csv->cache);
	memset(csv, 0, sizeof(*csv));
}

int ib_csv_col(const struct ib_csv *csv, const char *name)
{
	struct ib_csv_cache *k = csv->cache;
	size_t h = ((uintptr_t)name >> 3) % ARRAY_SIZE(k->key);
	json_t *i;
	int col;

	if (k && k->key[h] == name && !strcmp(csv->cols[k->col[h]], name))
		return k->col[h];
	i = csv->colidx ? json_object_get(csv->colidx, name) : NULL;
	if (!i)
		return -1;
	col = (int)json_integer_value(i);
	if (k) {
		k->key[h] = name;
		k->col[h] = col;
	}
	return col;
}

const char *ib_csv_get(const struct ib_csv *csv, size_t r, const char *name)
{
	int c = ib_csv_col(csv, name);

	return c < 0 || r >= csv->nrows ? "" : csv->rows[r][c];
}
