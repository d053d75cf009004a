/* SPDX-License-Identifier: GPL-2.0 */
/* Small file readers shared by the harness (sysfs, procfs, tracefs, results). */
#ifndef IB_FILEIO_H
#define IB_FILEIO_H

#include <stddef.h>

/*
 * A small file (a sysfs/procfs/tracefs value) into buf, at most len - 1
 * bytes, without trailing newlines and spaces.  0, or -1 (buf "") when it
 * cannot be opened.
 */
int ib_read_file(const char *path, char *buf, size_t len);

/*
 * The whole file, NUL-terminated, in a malloc'd buffer (free() it); its
 * length in *len when len is not NULL.  NULL with errno on failure.
 */
char *ib_read_all(const char *path, size_t *len);

#endif
