/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the cmocka unit tests. */
#ifndef IB_TEST_UTIL_H
#define IB_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file as a NUL-terminated string (free() it), or NULL. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = n < 0 ? NULL : calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

#endif
