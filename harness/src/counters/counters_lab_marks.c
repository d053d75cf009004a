// SPDX-License-Identifier: GPL-2.0
/*
 * lab-merge's marks.tsv (the BEGIN/END offsets lab.py records per point)
 * parsed into sorted, non-overlapping intervals, and the input bounds
 * derived from the rows (see counters_lab.c for the whole).
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "counters_lab_int.h"
#include "ib_plan.h"

void lab_limits_of(const struct ib_lab_rows *R, struct lab_limits *L)
{
	size_t k, len;

	memset(L, 0, sizeof(*L));
	L->rows = R->n;
	for (k = 0; k < R->n; k++) {
		len = R->name[k] ? strlen(R->name[k]) : 0;
		if (len > L->max_name)
			L->max_name = len;
	}
	L->max_intervals = LAB_MARKS_PER_ROW * L->rows + LAB_MARKS_OTHER;
	L->max_marks_bytes = (uint64_t)L->max_intervals * 2 * (IB_NAME_LEN + LAB_MARK_OVERHEAD);
	L->max_trace_bytes = LAB_TRACE_BASE + (uint64_t)L->rows * LAB_TRACE_PER_ROW;
}

/* Refuses a file larger than limit (one line); 0 when within it. */
int check_size(FILE *f, const char *path, const char *what, uint64_t limit,
	       const struct lab_limits *L)
{
	struct stat st;

	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size <= limit)
		return 0; /* not a regular file (/dev/null): the read is bounded too */
	fprintf(stderr, "iommubench: lab-merge: %s: %" PRIu64 " bytes, over the %" PRIu64
			" allowed for %s of a %zu-row run\n",
		path, (uint64_t)st.st_size, limit, what, L->rows);
	return -1;
}

/* A mark name (bytes from marks.tsv) for a message: C0 controls and DEL
 * become '?', and so does U+FFFE/U+FFFF (as ib_text_safe does), in one of
 * four rotating buffers. */
const char *shown(const char *s)
{
	static char buf[4][256];
	static int k;
	size_t o = 0;
	unsigned char c;

	k = (k + 1) % 4;
	for (; s && *s && o + 1 < sizeof(buf[k]); s++) {
		c = (unsigned char)*s;
		if (c == 0xef && (unsigned char)s[1] == 0xbf &&
		    ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf)) {
			buf[k][o++] = '?';
			s += 2;
		} else {
			buf[k][o++] = c == 0x7f || c < 0x20 ? '?' : *s;
		}
	}
	buf[k][o] = '\0';
	return buf[k];
}

static int cmp_iv(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

void marks_free(struct marks *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->iv[i].name);
		free(m->iv[i].by_sid);
	}
	free(m->iv);
}

/*
 * Links the intervals of each name (sorted order): one hash lookup per
 * interval (jansson's object, seeded), so n intervals cost O(n), not the
 * O(n^2) of comparing each with those before it.
 */
static int group_names(struct marks *m)
{
	json_t *first = json_object(), *v;
	size_t k, f;
	int ret = -1;

	if (!first)
		return -1;
	for (k = 0; k < m->n; k++) {
		struct interval *iv = &m->iv[k];

		iv->next = NO_IV;
		v = json_object_get(first, iv->name);
		if (!v) {
			if (json_object_set_new_nocheck(first, iv->name, json_integer((json_int_t)k)))
				goto out;
			iv->first = true;
			iv->tail = k;
			continue;
		}
		f = (size_t)json_integer_value(v);
		m->iv[m->iv[f].tail].next = k;
		m->iv[f].tail = k;
	}
	ret = 0;
out:
	json_decref(first);
	return ret;
}

/* Parses marks.tsv into closed intervals, sorted and checked for overlap. */
int load_marks(const char *path, struct marks *m, const struct lab_limits *L)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *kind, *name, *off, *end, *save;
	size_t cap = 0, i;
	ssize_t len;
	uint64_t total = 0;
	long lineno = 0;
	int ret = -1, open_idx = -1;

	if (!f) {
		fprintf(stderr, "iommubench: lab-merge: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (check_size(f, path, "marks", L->max_marks_bytes, L))
		goto out;
	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned long long o;

		lineno++;
		total += (uint64_t)len;
		if (total > L->max_marks_bytes) { /* grew since the check */
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: over the %" PRIu64
					" bytes allowed for marks of a %zu-row run\n",
				path, lineno, L->max_marks_bytes, L->rows);
			goto out;
		}
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		kind = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		off = strtok_r(NULL, "\t", &save);
		errno = 0;
		o = off ? strtoull(off, &end, 10) : 0;
		if (!kind || !name || !off || errno || *end || end == off ||
		    !(*off >= '0' && *off <= '9')) {
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: expected BEGIN|END<TAB>row<TAB>offset\n",
				path, lineno);
			goto out;
		}
		if (!strcmp(kind, "BEGIN")) {
			if (open_idx >= 0) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: BEGIN %s while %s is open\n",
					path, lineno, shown(name), shown(m->iv[open_idx].name));
				goto out;
			}
			if (m->n >= L->max_intervals) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: more than %zu intervals, the most for a %zu-row run (%d per row, %d for other runs in the same lab boot)\n",
					path, lineno, L->max_intervals, L->rows, LAB_MARKS_PER_ROW, LAB_MARKS_OTHER);
				goto out;
			}
			if (m->n == m->cap) {
				struct interval *n;

				m->cap = m->cap ? 2 * m->cap : 64;
				n = realloc(m->iv, m->cap * sizeof(*n));
				if (!n)
					goto out;
				m->iv = n;
			}
			memset(&m->iv[m->n], 0, sizeof(m->iv[0]));
			m->iv[m->n].name = strdup(name);
			if (!m->iv[m->n].name)
				goto out;
			m->iv[m->n].begin = o;
			open_idx = (int)m->n++;
		} else if (!strcmp(kind, "END")) {
			if (open_idx < 0 || strcmp(m->iv[open_idx].name, name)) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: END %s without its BEGIN\n",
					path, lineno, shown(name));
				goto out;
			}
			if (o < m->iv[open_idx].begin) {
				fprintf(stderr, "iommubench: lab-merge: %s:%ld: END offset %llu before BEGIN offset %" PRIu64 "\n",
					path, lineno, o, m->iv[open_idx].begin);
				goto out;
			}
			m->iv[open_idx].end = o;
			open_idx = -1;
		} else {
			fprintf(stderr, "iommubench: lab-merge: %s:%ld: %s: expected BEGIN or END\n",
				path, lineno, shown(kind));
			goto out;
		}
	}
	if (open_idx >= 0) {
		/* an interrupted run: the open point has no complete count */
		fprintf(stderr, "iommubench: lab-merge: %s: %s has BEGIN but no END; not attributed\n",
			path, shown(m->iv[open_idx].name));
		free(m->iv[open_idx].name);
		m->n--;
	}
	qsort(m->iv, m->n, sizeof(m->iv[0]), cmp_iv);
	for (i = 1; i < m->n; i++)
		if (m->iv[i].begin < m->iv[i - 1].end) {
			fprintf(stderr, "iommubench: lab-merge: %s: %s and %s overlap\n",
				path, shown(m->iv[i - 1].name), shown(m->iv[i].name));
			goto out;
		}
	if (group_names(m)) {
		fprintf(stderr, "iommubench: lab-merge: %s: out of memory\n", path);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}
