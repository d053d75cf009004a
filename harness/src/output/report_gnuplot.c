// SPDX-License-Identifier: GPL-2.0
/*
 * Running gnuplot for the report: finding it and the scripts, atomic
 * writes, one figure drawn as SVG and PNG with its output checked.  Part of `iommubench report`
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
#include <signal.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_commands.h"
#include "ib_exit.h"
#include "ib_fileio.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"
#include "ib_tmpfiles.h"


#include "report_int.h"

/* ---- files, gnuplot ---- */

/* Writes data to path through a temporary name (removed on failure);
 * -1 with errno. */
int rp_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int e, slot;

	fmt(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	slot = ib_tmp_add(tmp);
	f = fopen(tmp, "w");
	if (!f) {
		ib_tmp_del(slot);
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || ferror(f)) {
		e = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		e = errno;
		goto fail;
	}
	ib_tmp_del(slot);
	return 0;
fail:
	unlink(tmp);
	ib_tmp_del(slot);
	errno = e;
	return -1;
}

/* Whether the filesystem holding dir has no room left (blocks or inodes). */
static bool disk_full(const char *dir)
{
	struct statvfs v;

	return !statvfs(dir, &v) && (v.f_bavail == 0 || (v.f_files && v.f_favail == 0));
}

/*
 * Whether gnuplot wrote the whole file: an SVG ends in </svg>, a PNG in
 * its IEND chunk, a PDF in %%EOF, cairolatex's .tex in \endgroup.
 * gnuplot does not always notice a failed write (a full disk leaves a
 * truncated file and exit 0).
 */
static bool output_complete(const char *path, const char *ext)
{
	char tail[64];
	int fd = open(path, O_RDONLY);
	off_t end;
	ssize_t n;
	bool ok = false;

	if (fd < 0)
		return false;
	end = lseek(fd, 0, SEEK_END);
	if (end >= 12 && lseek(fd, end > (off_t)sizeof(tail) ? end - (off_t)sizeof(tail) : 0,
			       SEEK_SET) >= 0) {
		n = read(fd, tail, sizeof(tail));
		if (n >= 12 && !strcmp(ext, "png"))
			ok = !memcmp(tail + n - 8, "IEND", 4);
		else if (n >= 12) {
			const char *end_mark = !strcmp(ext, "pdf") ? "%%EOF" :
					       !strcmp(ext, "tex") ? "\\endgroup" : "</svg>";
			size_t m = strlen(end_mark);

			while (n > 0 && isspace((unsigned char)tail[n - 1]))
				n--;
			ok = (size_t)n >= m && !memcmp(tail + n - m, end_mark, m);
		}
	}
	close(fd);
	return ok;
}

static bool is_exec(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

/* gnuplot: $IOMMUBENCH_GNUPLOT, else the first in PATH. */
bool rp_find_gnuplot(char *out, size_t len)
{
	const char *env = getenv("IOMMUBENCH_GNUPLOT"), *path = getenv("PATH");
	char *dup, *save = NULL, *d;
	bool found = false;

	if (env && *env) {
		fmt(out, len, "%s", env);
		return is_exec(out);
	}
	if (!path)
		return false;
	dup = strdup(path);
	if (!dup)
		return false;
	for (d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		fmt(out, len, "%s/gnuplot", *d ? d : ".");
		if (is_exec(out)) {
			found = true;
			break;
		}
	}
	free(dup);
	return found;
}

/* plots/: $IOMMUBENCH_PLOTS_DIR, <exe>/../plots (a checkout's build/),
 * <exe>/../share/iommubench/plots (make install), ./plots,
 * /opt/iommubench/plots. */
bool rp_find_plots_dir(char *out, size_t len)
{
	const char *env = getenv("IOMMUBENCH_PLOTS_DIR");
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && *env) {
		fmt(out, len, "%s", env);
		fmt(probe, sizeof(probe), "%s/common.gp", out);
		return !access(probe, R_OK);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *s;

		exe[n] = '\0';
		s = strrchr(exe, '/');
		if (s) {
			*s = '\0';
			fmt(out, len, "%s/../plots", exe);
			fmt(probe, sizeof(probe), "%s/common.gp", out);
			if (!access(probe, R_OK))
				return true;
			fmt(out, len, "%s/../share/iommubench/plots", exe);
			fmt(probe, sizeof(probe), "%s/common.gp", out);
			if (!access(probe, R_OK))
				return true;
		}
	}
	fmt(out, len, "plots");
	if (!access("plots/common.gp", R_OK))
		return true;
	fmt(out, len, "/opt/iommubench/plots");
	return !access("/opt/iommubench/plots/common.gp", R_OK);
}

/* Seconds on the monotonic clock; CPU seconds of this process or of its
 * waited-for children (gnuplot).  For IOMMUBENCH_TIMING. */
double rp_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double rp_cpu_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double rp_gp_wall; /* seconds spent waiting for gnuplot */

/* Runs gnuplot -e vars script with output to log; 0 on success, else the
 * last line of the log in err. */
static int gp_exec(const char *gnuplot, const char *vars, const char *script,
		   const char *log, char *err, size_t errlen)
{
	double t0 = rp_now_s();
	sigset_t block, old;
	pid_t pid;
	int st, fd;

	/* the signal path kills gnuplot before it unlinks gnuplot's output:
	 * no signal between the fork and the child's registration */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fmt(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execl(gnuplot, "gnuplot", "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	ib_tmp_child(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			ib_tmp_child(0);
			fmt(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	ib_tmp_child(0);
	rp_gp_wall += rp_now_s() - t0;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	{
		char *text = ib_read_all(log, NULL), *last = NULL, *s;

		if (text) {
			for (s = strtok(text, "\n"); s; s = strtok(NULL, "\n"))
				if (*s && strspn(s, " ^") != strlen(s))
					last = s;
		}
		fmt(err, errlen, "gnuplot %s failed: %s (log %s)", script,
			 last ? last : "no message", log);
		free(text);
	}
	return -1;
}



/* After gnuplot (rc its result): checks, renames or removes the output. */
static int draw_finish(const struct draw *d, int rc, const char *tmp, const char *out,
		       const char *ext, const char *script, char *err, size_t errlen)
{
	if ((rc || !output_complete(tmp, ext)) && disk_full(d->outdir)) {
		fmt(err, errlen, "%s: %s", out, strerror(ENOSPC));
		unlink(tmp);
		return DRAW_WRITE_ERR;
	}
	if (!rc && !output_complete(tmp, ext)) {
		fmt(err, errlen, "%s: gnuplot %s left it incomplete (disk full?)", out, script);
		unlink(tmp);
		return DRAW_WRITE_ERR;
	}
	if (rc) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out)) {
		fmt(err, errlen, "%s: %s", out, strerror(errno));
		unlink(tmp);
		return DRAW_WRITE_ERR;
	}
	return 0;
}

/* --figure-format (ib_report.h): what the report draws; 0 = svg and png
 * (compare's overlays). */
static unsigned int fig_formats = IB_FIG_DEFAULT;

static const struct {
	const char *name;
	unsigned int bit;
} fig_format_names[] = {
	{ "svg", IB_FIG_SVG },
	{ "png", IB_FIG_PNG },
	{ "pdf", IB_FIG_PDF },
	{ "cairolatex", IB_FIG_CAIROLATEX },
};

int ib_report_parse_formats(const char *list, unsigned int *mask, char *err, size_t errlen)
{
	char *dup = strdup(list ? list : ""), *save = NULL, *w;
	unsigned int m = IB_FIG_SVG; /* report.html embeds the SVG */
	size_t k;
	int rc = 0;

	if (!dup) {
		fmt(err, errlen, "out of memory");
		return -1;
	}
	if (!*dup)
		rc = -1;
	for (w = strtok_r(dup, ",", &save); w && !rc; w = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < ARRAY_SIZE(fig_format_names); k++)
			if (!strcmp(w, fig_format_names[k].name))
				break;
		if (k == ARRAY_SIZE(fig_format_names))
			rc = -1;
		else
			m |= fig_format_names[k].bit;
	}
	if (rc) {
		char shown[64];

		fmt(err, errlen, "--figure-format %s: expected a comma list of svg, png, pdf, cairolatex",
		    ib_text_safe(shown, sizeof(shown), list ? list : ""));
	} else
		*mask = m;
	free(dup);
	return rc;
}

void ib_report_set_formats(unsigned int mask)
{
	fig_formats = mask ? mask : IB_FIG_DEFAULT;
}

unsigned int ib_report_formats(void)
{
	return fig_formats;
}

/*
 * The files one figure is drawn into: svg and png beside each other
 * (screen size), the paper formats in a subdirectory each, once sized for
 * one column (3.5 in) and once for two (7 in, "-2col"): common.gp's
 * cols.  cairolatex writes <id>.tex and the graphics <id>.pdf.
 */
static const struct fig_out {
	unsigned int bit;
	const char *fmt, *sub, *suffix, *ext;
	int cols;
} fig_outs[] = {
	{ IB_FIG_SVG, "svg", "", "", "svg", 0 },
	{ IB_FIG_PNG, "png", "", "", "png", 0 },
	{ IB_FIG_PDF, "pdf", "pdf/", "", "pdf", 1 },
	{ IB_FIG_PDF, "pdf", "pdf/", "-2col", "pdf", 2 },
	{ IB_FIG_CAIROLATEX, "tex", "tex/", "", "tex", 1 },
	{ IB_FIG_CAIROLATEX, "tex", "tex/", "-2col", "tex", 2 },
};

/*
 * cairolatex names its graphics after the output it was given (the
 * temporary) and puts that whole path into \includegraphics: the .tex is
 * rewritten to name "<id><suffix>" (beside it), its graphics renamed to
 * match.  0, or DRAW_WRITE_ERR with err set.
 */
static int tex_finish(const char *tmp, const char *out, const char *base, char *err,
		      size_t errlen)
{
	char gtmp[PATH_MAX + 96], gout[PATH_MAX + 96], stem[PATH_MAX + 96], *text, *at, *fixed;
	size_t len, tl = strlen(tmp) - 4, bl = strlen(base);
	int rc = DRAW_WRITE_ERR;

	fmt(stem, sizeof(stem), "%.*s", (int)tl, tmp);
	fmt(gtmp, sizeof(gtmp), "%s.pdf", stem);
	fmt(gout, sizeof(gout), "%.*s.pdf", (int)(strlen(out) - 4), out);
	text = ib_read_all(tmp, &len);
	fixed = text ? malloc(len + bl + 1) : NULL;
	at = text ? strstr(text, "\\includegraphics") : NULL;
	at = at ? strstr(at, stem) : NULL;
	if (!fixed || !at || at[tl] != '}') {
		fmt(err, errlen, "%s: gnuplot's cairolatex output has no \\includegraphics{%.*s}",
		    out, (int)tl, tmp);
		goto out;
	}
	memcpy(fixed, text, (size_t)(at - text));
	memcpy(fixed + (at - text), base, bl);
	memcpy(fixed + (at - text) + bl, at + tl, len - (size_t)(at - text) - tl);
	if (rp_write_atomic(out, fixed, len - tl + bl) || rename(gtmp, gout)) {
		fmt(err, errlen, "%s: %s", out, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	unlink(tmp);
	unlink(gtmp);
	free(text);
	free(fixed);
	return rc;
}

/* One output of one figure: gnuplot into a temporary, checked, renamed. */
static int draw_one(const struct draw *d, const struct fig_out *o, const char *spath,
		    const char *script, const char *id, const char *vars, char *err,
		    size_t errlen)
{
	char out[PATH_MAX + 96], tmp[PATH_MAX + 128], gtmp[PATH_MAX + 128], base[160];
	char qtmp[2 * PATH_MAX + 256], qplots[2 * PATH_MAX];
	size_t vlen = strlen(vars) + 6 * PATH_MAX;
	char *all = malloc(vlen);
	bool tex = !strcmp(o->ext, "tex");
	int rc, slot, gslot = -1;

	if (!all) {
		fmt(err, errlen, "out of memory");
		return -1;
	}
	ib_gp_quote(qplots, sizeof(qplots), d->plots);
	fmt(base, sizeof(base), "%s%s", id, o->suffix);
	fmt(out, sizeof(out), "%s/%s%s.%s", d->outdir, o->sub, base, o->ext);
	/* cairolatex: the temporary ends in .tex, its graphics in .pdf */
	if (tex)
		fmt(tmp, sizeof(tmp), "%s/%s.%s.%d.tex", d->outdir, o->sub, base, (int)getpid());
	else
		fmt(tmp, sizeof(tmp), "%s/%s.%s.%s.%d.tmp", d->outdir, o->sub, base, o->ext,
		    (int)getpid());
	slot = ib_tmp_add(tmp); /* gnuplot's output: a signal unlinks it */
	if (tex) {
		fmt(gtmp, sizeof(gtmp), "%.*s.pdf", (int)(strlen(tmp) - 4), tmp);
		gslot = ib_tmp_add(gtmp);
	}
	ib_gp_quote(qtmp, sizeof(qtmp), tmp);
	fmt(all, vlen, "fmt='%s'; cols=%d; outfile=%s; plotsdir=%s; %s", o->fmt, o->cols, qtmp,
	    qplots, vars);
	rc = gp_exec(d->gnuplot, all, spath, d->log, err, errlen);
	free(all);
	rc = draw_finish(d, rc, tmp, tex ? tmp : out, o->ext, script, err, errlen);
	if (!rc && tex)
		rc = tex_finish(tmp, out, base, err, errlen);
	else if (tex)
		unlink(gtmp);
	ib_tmp_del(slot);
	ib_tmp_del(gslot);
	return rc;
}

int rp_draw_figure(const struct draw *d, const char *script, const char *id,
		       const char *vars, char *err, size_t errlen)
{
	unsigned int want = d->formats ? d->formats : IB_FIG_SVG | IB_FIG_PNG;
	char spath[PATH_MAX + 64];
	size_t k;
	int rc;

	fmt(spath, sizeof(spath), "%s/%s", d->plots, script);
	for (k = 0; k < ARRAY_SIZE(fig_outs); k++) {
		if (!(want & fig_outs[k].bit))
			continue;
		rc = draw_one(d, &fig_outs[k], spath, script, id, vars, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
