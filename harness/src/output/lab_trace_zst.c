// SPDX-License-Identifier: GPL-2.0
/*
 * A lab run's QEMU trace, once lab-merge has counted it: compressed into
 * RUNDIR/qemu-trace.log.zst (libzstd, streaming) and the raw file removed,
 * so that a run directory keeps its counts' evidence in about 1 % of the
 * space (174 MB of hugepage trace: about 1.2 MB).  lab-merge reads the .zst
 * back (counters_lab_trace.c), so a merge can always be redone.
 *
 * Safe against interruption: the .zst is written under a temporary name
 * (removed by a signal, ib_tmpfiles.h), fsynced and renamed into place;
 * only then is the raw trace removed.  An interruption leaves the raw
 * trace, or the complete .zst (with the raw trace too, if it came between
 * the rename and the unlink: lab-merge then reads the raw one and
 * compresses it again).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "ib_counters.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"

/* zstd's default level: 153 MB of hugepage trace in 0.5 s to 1.2 MB. */
#define TRACE_ZSTD_LEVEL 3

/* Writes all of buf to fd (short writes and EINTR retried); 0 or -1. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* dir fsynced, so that a rename or unlink in it holds. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* in (size bytes) compressed into out; 0, or -1 with why (errno or a
 * zstd message). */
static int compress_fd(int in, int out, uint64_t size, char *why, size_t wlen)
{
	size_t ilen = ZSTD_CStreamInSize(), olen = ZSTD_CStreamOutSize(), left;
	char *ibuf = malloc(ilen), *obuf = malloc(olen);
	ZSTD_CCtx *z = ZSTD_createCCtx();
	uint64_t done = 0;
	int ret = -1;

	if (!ibuf || !obuf || !z) {
		snprintf(why, wlen, "out of memory");
		goto out;
	}
	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, TRACE_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	/* the size in the frame header: lab-merge checks it before reading */
	ZSTD_CCtx_setPledgedSrcSize(z, size);
	for (;;) {
		ssize_t n = read(in, ibuf, ilen);
		ZSTD_inBuffer zi = { ibuf, n > 0 ? (size_t)n : 0, 0 };
		ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, wlen, "reading: %s", strerror(errno));
			goto out;
		}
		done += (uint64_t)n;
		do {
			ZSTD_outBuffer zo = { obuf, olen, 0 };

			left = ZSTD_compressStream2(z, &zo, &zi, mode);
			if (ZSTD_isError(left)) {
				/* a trace that changed size while read: srcSize_wrong */
				snprintf(why, wlen, "zstd: %s (%" PRIu64 " of %" PRIu64 " bytes read)",
					 ZSTD_getErrorName(left), done, size);
				goto out;
			}
			if (write_all(out, obuf, zo.pos)) {
				snprintf(why, wlen, "writing: %s", strerror(errno));
				goto out;
			}
		} while (mode == ZSTD_e_end ? left != 0 : zi.pos < zi.size);
		if (mode == ZSTD_e_end)
			break;
	}
	ret = 0;
out:
	ZSTD_freeCCtx(z);
	free(ibuf);
	free(obuf);
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ib_lab_trace_compress(const char *dir, const char *who)
{
	char raw[PATH_MAX], zst[PATH_MAX], tmp[PATH_MAX], why[PATH_MAX + 256] = "";
	int in = -1, out = -1, slot = -1, ret = -1;
	bool renamed = false;
	struct stat st, zs;
	double t0 = now_s();

	if ((size_t)snprintf(raw, sizeof(raw), "%s/" IB_LAB_TRACE, dir) >= sizeof(raw) ||
	    (size_t)snprintf(zst, sizeof(zst), "%s/" IB_LAB_TRACE_ZST, dir) >= sizeof(zst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/." IB_LAB_TRACE_ZST ".tmp-%ld", dir,
			     (long)getpid()) >= sizeof(tmp)) {
		fprintf(stderr, "iommubench: %s: %s: path too long; trace kept raw\n", who, dir);
		return -1;
	}
	if (lstat(raw, &st))
		return errno == ENOENT ? 0 : -1; /* nothing to compress */
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "iommubench: %s: %s: not a regular file; kept as it is\n", who, raw);
		return -1;
	}
	in = open(raw, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	slot = ib_tmp_add(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (in < 0 || out < 0) {
		snprintf(why, sizeof(why), "%s: %s", in < 0 ? raw : tmp, strerror(errno));
		goto out;
	}
	if (compress_fd(in, out, (uint64_t)st.st_size, why, sizeof(why)))
		goto out;
	if (fsync(out) || fstat(out, &zs)) {
		snprintf(why, sizeof(why), "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(out)) {
		out = -1;
		snprintf(why, sizeof(why), "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	out = -1;
	if (rename(tmp, zst)) {
		snprintf(why, sizeof(why), "rename to %s: %s", zst, strerror(errno));
		goto out;
	}
	renamed = true;
	sync_dir(dir); /* the .zst is there before the raw trace goes */
	if (unlink(raw)) {
		snprintf(why, sizeof(why), "%s: unlink: %s", raw, strerror(errno));
		goto out;
	}
	sync_dir(dir);
	fprintf(stderr, "iommubench: %s: " IB_LAB_TRACE " compressed into " IB_LAB_TRACE_ZST
			" (%" PRIu64 " -> %" PRIu64 " bytes; raw: LAB_KEEP_TRACE=1 or --keep-trace)\n",
		who, (uint64_t)st.st_size, (uint64_t)zs.st_size);
	if (getenv("IOMMUBENCH_TIMING"))
		fprintf(stderr, "iommubench: %s: timing: trace compressed in %.3f s\n", who,
			now_s() - t0);
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (!renamed)
		unlink(tmp);
	ib_tmp_del(slot);
	if (ret && why[0])
		fprintf(stderr, "iommubench: %s: %s kept raw: %s\n", who, raw, why);
	return ret;
}
