/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small file readers shared by the harness (sysfs, procfs, tracefs, results),
 * and the checked writers results files go through: every write's result is
 * looked at, so a full disk is an error, never a short file.
 */
#ifndef IB_FILEIO_H
#define IB_FILEIO_H

#include <stdbool.h>
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

/*
 * snprintf for paths: 0, or -1 with errno ENAMETOOLONG when the result did
 * not fit (buf then holds a truncated string that must not be used).
 */
int ib_pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* All len bytes to fd (retrying short writes and EINTR); 0, or -1 with errno. */
int ib_write_all(int fd, const void *buf, size_t len);

/*
 * Creates or truncates path (never through a symlink) and writes buf to it,
 * fsync'ed when sync; the close() is checked too.  0, or -1 with errno, and
 * then path is removed so no partial file is left.
 */
int ib_write_file(const char *path, const void *buf, size_t len, bool sync);

/* fsync of a directory (after a rename into it); file systems that cannot
 * sync a directory count as success.  0, or -1 with errno. */
int ib_fsync_dir(const char *dir);

/* sysfs root for tests ("" = /). */
extern char ib_sysfs_root[128];

#endif
