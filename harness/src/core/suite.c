// SPDX-License-Identifier: GPL-2.0
/*
 * Suite files: fio-style INI.  [global] holds defaults for every job; each
 * other section is a job.  Our own line parser rather than inih, whose
 * fixed line buffer (INI_MAX_LINE, 200 in Debian's libinih) cut long lists
 * silently and whose sections and keys merged silently when repeated.
 * Here a line may be as long as a whole list (IB_SUITE_MAX_LINE), and an
 * overlong line, a NUL byte, a duplicate section or key is an error naming
 * file:line.  Each list item is checked against the option table, with the
 * file and line, so that a bad suite is refused before anything runs.
 *
 * The syntax is inih's as this project used it: ';' or '#' starts a
 * comment line, ';' after whitespace starts an inline comment, key=value
 * (or key: value), whitespace around keys, values and section names is
 * ignored, and a UTF-8 byte-order mark is skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_suite.h"

/* Where lines come from: a file, or a string (tests). */
struct src {
	FILE *f;
	const char *p;
};

struct load_ctx {
	struct ib_suite *s;
	struct src in;
	int line;
	struct ib_job *cur; /* section being read; NULL before the first */
	char *err;
	size_t errlen;
};

/*
 * Job values are interned for the life of the process: jobs are plain
 * structs that callers copy and clear with memset (run's CLI job, rerun's
 * job per row), so they cannot own heap text.  The pool only grows with
 * the input read, and stays reachable (no leak reports).
 */
struct pool_chunk {
	struct pool_chunk *next;
	size_t used, size;
	char data[];
};

static struct pool_chunk *pool;

static const char *intern(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (!pool || pool->size - pool->used < n) {
		size_t size = n > 65536 ? n : 65536;
		struct pool_chunk *c = malloc(sizeof(*c) + size);

		if (!c)
			return NULL;
		c->next = pool;
		c->used = 0;
		c->size = size;
		pool = c;
	}
	p = pool->data + pool->used;
	memcpy(p, s, n);
	pool->used += n;
	return p;
}

int ib_job_set(struct ib_job *j, const char *key, const char *value,
	       const char *where, int line, char *err, size_t errlen)
{
	char item[IB_VAL_LEN], msg[512];
	const char *cur = value, *start, *v;
	int id = ib_opt_find(key);
	size_t n, k, len, total = strlen(value);

	if (id < 0) {
		snprintf(err, errlen, "%s: %s: unknown key; see iommubench help",
			 where, key);
		return -1;
	}
	if (total > IB_LIST_MAX_CHARS) {
		snprintf(err, errlen,
			 "%s: %s: value of %zu characters; at most %d (%d list items of at most %d characters)",
			 where, key, total, IB_LIST_MAX_CHARS, IB_LIST_MAX_ITEMS,
			 IB_VAL_LEN - 1);
		return -1;
	}
	n = ib_opt_count(id, value);
	if (n > IB_LIST_MAX_ITEMS) {
		snprintf(err, errlen, "%s: %s: list of %zu items; at most %d",
			 where, key, n, IB_LIST_MAX_ITEMS);
		return -1;
	}
	/* every item, so that nothing past a limit goes unchecked */
	for (k = 1; ib_opt_item(id, &cur, &start, &len); k++) {
		if (len >= IB_VAL_LEN) {
			if (n == 1)
				snprintf(err, errlen,
					 "%s: %s: value of %zu characters; at most %d",
					 where, key, len, IB_VAL_LEN - 1);
			else
				snprintf(err, errlen,
					 "%s: %s: item %zu of %zu has %zu characters; at most %d",
					 where, key, k, n, len, IB_VAL_LEN - 1);
			return -1;
		}
		memcpy(item, start, len);
		item[len] = '\0';
		if (ib_opt_check(id, item, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: %s", where, msg);
			return -1;
		}
	}
	v = intern(value);
	if (!v) {
		snprintf(err, errlen, "%s: %s: out of memory", where, key);
		return -1;
	}
	j->set[id] = true;
	j->vline[id] = line;
	j->value[id] = v;
	return 0;
}

static struct ib_job *find_job(struct ib_suite *s, const char *section)
{
	int i;

	if (!strcmp(section, "global"))
		return &s->global;
	for (i = 0; i < s->njobs; i++)
		if (!strcmp(s->jobs[i].name, section))
			return &s->jobs[i];
	return NULL;
}

/*
 * One line, without its newline, into *buf (NUL bytes kept so that the
 * caller can refuse them).  Returns its length; -1 at the end of input;
 * -2 when it is longer than IB_SUITE_MAX_LINE (the rest is not read);
 * -3 on a read error or no memory.
 */
static long read_line(struct src *in, char **buf, size_t *cap)
{
	size_t n = 0;
	int ch;
	bool any = false;

	for (;;) {
		if (in->f) {
			ch = getc(in->f);
			if (ch == EOF) {
				if (ferror(in->f))
					return -3;
				break;
			}
		} else {
			if (!*in->p)
				break;
			ch = (unsigned char)*in->p++;
		}
		any = true;
		if (ch == '\n')
			break;
		if (n >= IB_SUITE_MAX_LINE)
			return -2;
		if (n + 1 >= *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			char *b = realloc(*buf, c);

			if (!b)
				return -3;
			*buf = b;
			*cap = c;
		}
		(*buf)[n++] = (char)ch;
	}
	if (!any)
		return -1;
	if (!*buf) {
		*buf = malloc(1);
		if (!*buf)
			return -3;
		*cap = 1;
	}
	(*buf)[n] = '\0';
	return (long)n;
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cuts an inline comment: ';' after whitespace (inih's rule). */
static void cut_comment(char *s)
{
	bool was_space = false;

	for (; *s; s++) {
		if (was_space && *s == ';') {
			*s = '\0';
			return;
		}
		was_space = isspace((unsigned char)*s);
	}
}

static int fail(struct load_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct load_ctx *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->s->file, c->line, msg);
	return -1;
}

static int section(struct load_ctx *c, char *t)
{
	struct ib_suite *s = c->s;
	char *close = strchr(t, ']'), *name, *rest;
	struct ib_job *j;

	if (!close)
		return fail(c, "syntax error (expected [section] or key=value)");
	*close = '\0';
	name = strip(t + 1);
	rest = strip(close + 1);
	if (!name[0] || (rest[0] && rest[0] != ';' && rest[0] != '#'))
		return fail(c, "syntax error (expected [section] or key=value)");
	j = find_job(s, name);
	if (j && j->line)
		return fail(c, "[%s]: duplicate section (first at line %d)",
			    name, j->line);
	if (!j) {
		if (s->njobs >= IB_SUITE_MAX_JOBS || strlen(name) >= sizeof(j->name) ||
		    strchr(name, '/'))
			return fail(c,
				    "[%s]: bad job name (at most %d jobs, %zu characters, no '/')",
				    name, IB_SUITE_MAX_JOBS, sizeof(j->name) - 1);
		j = &s->jobs[s->njobs++];
		memset(j, 0, sizeof(*j));
		snprintf(j->name, sizeof(j->name), "%s", name);
	}
	j->line = c->line;
	c->cur = j;
	return 0;
}

static int key_value(struct load_ctx *c, char *t)
{
	struct ib_job *j = c->cur;
	char *sep = strpbrk(t, "=:"), *key, *value, where[320];
	int id;

	if (!sep)
		return fail(c, "syntax error (expected [section] or key=value)");
	*sep = '\0';
	key = strip(t);
	value = sep + 1;
	cut_comment(value);
	value = strip(value);
	if (!key[0])
		return fail(c, "syntax error (expected [section] or key=value)");
	if (!j)
		return fail(c, "%s: key outside a section", key);
	id = ib_opt_find(key);
	if (id >= 0 && j->set[id])
		return fail(c, "[%s] %s: duplicate key (first at line %d)", j->name,
			    key, j->vline[id]);
	if (id >= 0 && (ib_options[id].flags & IB_OPT_F_PLAN) && j != &c->s->global)
		return fail(c, "[%s] %s: a whole-plan option: set it in [global] or on the command line",
			    j->name, key);
	snprintf(where, sizeof(where), "%s:%d", c->s->file, c->line);
	return ib_job_set(j, key, value, where, c->line, c->err, c->errlen);
}

static int parse(struct load_ctx *c)
{
	char *buf = NULL, *t;
	size_t cap = 0;
	long n;
	int rc = 0;

	while (!rc) {
		n = read_line(&c->in, &buf, &cap);
		if (n == -1)
			break;
		c->line++;
		if (n == -2) {
			rc = fail(c, "line longer than %d characters (a list holds at most %d items of at most %d characters)",
				  IB_SUITE_MAX_LINE, IB_LIST_MAX_ITEMS,
				  IB_VAL_LEN - 1);
			break;
		}
		if (n == -3) {
			rc = fail(c, "cannot read: %s", strerror(errno ? errno : ENOMEM));
			break;
		}
		if (memchr(buf, '\0', (size_t)n)) {
			rc = fail(c, "NUL byte at column %zu; a suite is text",
				  strlen(buf) + 1);
			break;
		}
		t = buf;
		if (c->line == 1 && !strncmp(t, "\xEF\xBB\xBF", 3))
			t += 3;
		t = strip(t);
		if (!t[0] || t[0] == ';' || t[0] == '#')
			continue;
		rc = t[0] == '[' ? section(c, t) : key_value(c, t);
	}
	free(buf);
	return rc;
}

static int load(struct load_ctx *c, struct ib_suite *s, const char *name)
{
	char base[256], *dot;

	memset(s, 0, sizeof(*s));
	snprintf(base, sizeof(base), "%s", name);
	snprintf(s->file, sizeof(s->file), "%s", basename(base));
	snprintf(s->name, sizeof(s->name), "%.63s", s->file);
	dot = strstr(s->name, ".suite");
	if (dot && !dot[6])
		*dot = '\0';
	snprintf(s->global.name, sizeof(s->global.name), "global");
	if (parse(c))
		return -1;
	if (s->njobs == 0) {
		snprintf(c->err, c->errlen, "%s: no job sections (only [global])",
			 s->file);
		return -1;
	}
	return 0;
}

int ib_suite_load(const char *path, struct ib_suite *s, char *err, size_t errlen)
{
	struct load_ctx c = { .s = s, .err = err, .errlen = errlen };
	int rc;

	c.in.f = fopen(path, "r");
	if (!c.in.f) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return -1;
	}
	rc = load(&c, s, path);
	fclose(c.in.f);
	return rc;
}

int ib_suite_load_string(const char *text, const char *name,
			 struct ib_suite *s, char *err, size_t errlen)
{
	struct load_ctx c = { .s = s, .in.p = text, .err = err, .errlen = errlen };

	return load(&c, s, name);
}
