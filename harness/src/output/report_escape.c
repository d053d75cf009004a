// SPDX-License-Identifier: GPL-2.0
/*
 * Escaping for the report: HTML entities, gnuplot single-quoted strings,
 * shell-quoted command lines, the platform label of every title and the
 * context's strings (rp_ctx_str).  Part of `iommubench report`
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

/* ---- escaping and labels ---- */

static const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

/*
 * Control characters (C0 but tab and newline, DEL) and U+FFFE/U+FFFF are
 * not characters of XML or HTML text (an ESC in context.host made every
 * page and SVG unparsable): each becomes '?' (ib_text_unsafe).
 */
char *ib_html_escape(const char *s)
{
	size_t n = 1, u;
	const char *p, *e;
	char *out, *o;

	for (p = s; *p; p += u ? u : 1) {
		u = ib_text_unsafe(p, true);
		n += u ? 1 : (e = html_entity(*p)) ? strlen(e) : 1;
	}
	out = malloc(n);
	if (!out)
		return NULL;
	for (o = out, p = s; *p; p += u ? u : 1) {
		u = ib_text_unsafe(p, true);
		e = html_entity(*p);
		if (u) {
			*o++ = '?';
		} else if (e) {
			memcpy(o, e, strlen(e));
			o += strlen(e);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

void ib_html_put(FILE *f, const char *s)
{
	const char *e;
	size_t u;

	for (; s && *s; s += u ? u : 1) {
		u = ib_text_unsafe(s, true);
		e = html_entity(*s);
		if (u)
			fputc('?', f);
		else if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

void ib_report_platform_label(char *buf, size_t len, const char *platform,
			      const char *host)
{
	if (platform && !strcmp(platform, "qemu-lab"))
		fmt(buf, len, "emulated (qemu-lab), host %s", host ? host : "?");
	else
		fmt(buf, len, "%s, host %s", platform ? platform : "host",
			 host ? host : "?");
}

void ib_gp_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0, u;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '\'';
	for (; *s && o + 3 < len; s += u ? u : 1) {
		/* gnuplot writes titles into the SVG as they are: control
		 * characters (CR, LF, ESC, BEL...) and U+FFFE/FFFF become '?' */
		u = ib_text_unsafe(s, false);
		if (u) {
			buf[o++] = '?';
			continue;
		}
		if (*s == '\'')
			buf[o++] = '\'';
		buf[o++] = *s;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
}

void ib_shell_join(char *buf, size_t len, const char *const *argv, size_t argc)
{
	size_t i, o = 0;
	const char *s;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < argc && o + 1 < len; i++) {
		bool plain = *argv[i] != '\0';

		for (s = argv[i]; *s; s++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./=:,+@%", *s))
				plain = false;
		if (i && o + 1 < len)
			buf[o++] = ' ';
		if (plain) {
			for (s = argv[i]; *s && o + 1 < len; s++)
				buf[o++] = *s;
		} else {
			if (o + 1 < len)
				buf[o++] = '\'';
			for (s = argv[i]; *s && o + 5 < len; s++) {
				if (*s == '\'') {
					memcpy(buf + o, "'\\''", 4);
					o += 4;
				} else {
					buf[o++] = *s;
				}
			}
			if (o + 1 < len)
				buf[o++] = '\'';
		}
		buf[o] = '\0';
	}
}

const char *rp_ctx_str(json_t *ctx, const char *key)
{
	const char *s = json_string_value(json_object_get(ctx, key));

	return s ? s : "";
}
