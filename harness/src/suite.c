// SPDX-License-Identifier: GPL-2.0
/*
 * Suite files: fio-style INI parsed with inih.  [global] holds defaults for
 * every job; each other section is a job.  Each list item is checked
 * against the option table here, with the file and line, so that a bad
 * suite is refused before anything runs.
 */
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "ib_suite.h"

struct load_ctx {
	struct ib_suite *s;
	int line;
	const char *text; /* ini_parse_string-like source, or NULL */
	FILE *f;
	char *err;
	size_t errlen;
	int failed;
};

int ib_job_set(struct ib_job *j, const char *key, const char *value,
	       const char *where, int line, char *err, size_t errlen)
{
	char items[64][IB_VAL_LEN], msg[512];
	int id = ib_opt_find(key), n, i;

	if (id < 0) {
		snprintf(err, errlen, "%s: %s: unknown key; see iommubench help",
			 where, key);
		return -1;
	}
	if (strlen(value) >= IB_LIST_VAL_LEN) {
		snprintf(err, errlen, "%s: %s: value too long", where, key);
		return -1;
	}
	n = ib_opt_split(id, value, items, 64);
	for (i = 0; i < n; i++) {
		if (ib_opt_check(id, items[i], msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: %s", where, msg);
			return -1;
		}
	}
	j->set[id] = true;
	j->vline[id] = line;
	snprintf(j->value[id], IB_LIST_VAL_LEN, "%s", value);
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

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_ctx *c = user;
	struct ib_job *j;
	char where[320];

	if (c->failed)
		return 0;
	snprintf(where, sizeof(where), "%s:%d", c->s->file, c->line);
	if (!section[0]) {
		snprintf(c->err, c->errlen, "%s: %s: key outside a section", where,
			 name);
		c->failed = 1;
		return 0;
	}
	j = find_job(c->s, section);
	if (!j) {
		if (c->s->njobs >= IB_SUITE_MAX_JOBS ||
		    strlen(section) >= sizeof(j->name) || strchr(section, '/')) {
			snprintf(c->err, c->errlen,
				 "%s: [%s]: bad job name (at most %d jobs, %zu characters, no '/')",
				 where, section, IB_SUITE_MAX_JOBS,
				 sizeof(j->name) - 1);
			c->failed = 1;
			return 0;
		}
		j = &c->s->jobs[c->s->njobs++];
		memset(j, 0, sizeof(*j));
		snprintf(j->name, sizeof(j->name), "%s", section);
		j->line = c->line;
	}
	if (ib_job_set(j, name, value, where, c->line, c->err, c->errlen)) {
		c->failed = 1;
		return 0;
	}
	return 1;
}

/* Line reader for ini_parse_stream that counts lines for messages. */
static char *reader(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	size_t n = 0;

	if (c->f) {
		if (!fgets(str, num, c->f))
			return NULL;
		c->line++;
		return str;
	}
	if (!*c->text)
		return NULL;
	while (c->text[n] && c->text[n] != '\n' && n + 2 < (size_t)num)
		n++;
	if (c->text[n] == '\n')
		n++;
	memcpy(str, c->text, n);
	str[n] = '\0';
	c->text += n;
	c->line++;
	return str;
}

static int load(struct load_ctx *c, struct ib_suite *s, const char *name)
{
	char base[256], *dot;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(base, sizeof(base), "%s", name);
	snprintf(s->file, sizeof(s->file), "%s", basename(base));
	snprintf(s->name, sizeof(s->name), "%.63s", s->file);
	dot = strstr(s->name, ".suite");
	if (dot && !dot[6])
		*dot = '\0';
	snprintf(s->global.name, sizeof(s->global.name), "global");
	rc = ini_parse_stream(reader, c, handler, c);
	if (c->failed)
		return -1;
	if (rc > 0) {
		snprintf(c->err, c->errlen,
			 "%s:%d: syntax error (expected [section] or key=value)",
			 s->file, rc);
		return -1;
	}
	if (rc < 0) {
		snprintf(c->err, c->errlen, "%s: cannot read", s->file);
		return -1;
	}
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

	c.f = fopen(path, "r");
	if (!c.f) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return -1;
	}
	rc = load(&c, s, path);
	fclose(c.f);
	return rc;
}

int ib_suite_load_string(const char *text, const char *name,
			 struct ib_suite *s, char *err, size_t errlen)
{
	struct load_ctx c = { .s = s, .text = text, .err = err, .errlen = errlen };

	return load(&c, s, name);
}
