// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench report RUN_DIR [--figure-format LIST]`: draws RUN_DIR/plots/<figure>.svg
 * and .png (and the paper formats: plots/pdf/, plots/tex/) with the gnuplot
 * scripts in plots/ and writes a self-contained RUN_DIR/report.html.
 *
 * results.json is the source of truth: on load, RUN_DIR/results.csv is
 * rewritten from it with results.c's writer, so the two always agree.
 * The figures read the run's typed rows (ib_run_view: struct ib_row, its
 * params, metrics and counters), never the CSV text: for each figure a
 * report_fig_*.c extracts the rows it needs into a small
 * whitespace-separated data file (RUN_DIR/plots/data/<figure>.dat, gnuplot
 * index blocks with a quoted series title as first line), numbers in the
 * CSV's own text (ib_results_num_text), and gnuplot draws it with the
 * script.  The tables come from results.json too.  Every file is written
 * to a temporary name and renamed; a failed write stops the report (exit
 * 3).  Text from the results reaches gnuplot only as data-file titles and
 * single-quoted -e strings, never as code (docs/report.md).
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
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_tmpfiles.h"
#include "ib_stats.h"


#include "report_int.h"

/* ---- the report ---- */



/* Records the first failed write ("path: why"); the report stops there. */
static void __attribute__((format(printf, 2, 3))) write_failed(struct report *R, const char *f, ...)
{
	va_list ap;

	if (R->werr[0])
		return;
	va_start(ap, f);
	vsnprintf(R->werr, sizeof(R->werr), f, ap);
	va_end(ap);
}

static struct fig *fig_new(struct report *R, const char *id, const char *title)
{
	struct fig *g = &R->figs[R->nfigs++];

	memset(g, 0, sizeof(*g));
	fmt(g->id, sizeof(g->id), "%s", id);
	fmt(g->title, sizeof(g->title), "%s", title);
	return g;
}

/*
 * Writes the data (data_fn output in a memstream) to plots/data/<id>.dat
 * and draws it when n > 0.
 */
static void fig_render(struct report *R, struct fig *g, const char *script, int n,
		       char *data, size_t dlen, const char *extra_vars)
{
	char path[PATH_MAX + 64], qpath[2 * PATH_MAX + 160], qtitle[1200], title[800];
	char *vars;
	size_t vlen;

	if (n <= 0 || R->werr[0])
		return;
	fmt(path, sizeof(path), "%s/data/%s.dat", R->draw.outdir, g->id);
	if (rp_write_atomic(path, data, dlen)) {
		write_failed(R, "%s: %s", path, strerror(errno));
		return;
	}
	if (g->flat)
		return; /* the data is kept; the figure would be a flat line */
	if (!R->have_gnuplot) {
		fmt(g->why, sizeof(g->why), "%s (data in plots/data/%s.dat)",
			 R->gp_missing, g->id);
		return;
	}
	ib_gp_quote(qpath, sizeof(qpath), path);
	fmt(title, sizeof(title), "%s - %s", g->title, R->plat);
	ib_gp_quote(qtitle, sizeof(qtitle), title);
	vlen = strlen(qpath) + strlen(qtitle) + strlen(extra_vars ? extra_vars : "") + 64;
	vars = malloc(vlen);
	if (!vars) {
		fmt(g->why, sizeof(g->why), "out of memory");
		R->failed = 1;
		return;
	}
	fmt(vars, vlen, "datafile=%s; titletext=%s; %s", qpath, qtitle,
		 extra_vars ? extra_vars : "");
	switch (rp_draw_figure(&R->draw, script, g->id, vars, g->why, sizeof(g->why))) {
	case 0:
		g->drawn = true;
		break;
	case DRAW_WRITE_ERR:
		write_failed(R, "%s", g->why);
		break;
	default:
		R->failed = 1;
	}
	free(vars);
}


/* The figures, in a host's report order (timings first): one entry per
 * figure, each in its own file.  A lab report puts them in fig_kind order
 * (lab_rank): counts, guest instruction time, then DMA timings. */
static const struct fig_def *const fig_table[] = {
	&rp_fig_window_latency, &rp_fig_window_bandwidth, &rp_fig_misses,
	&rp_fig_mapunmap,	&rp_fig_mapbatch,	  &rp_fig_numa,
	&rp_fig_cdf,		&rp_fig_chase,		  &rp_fig_perio, &rp_fig_perpkt,
};

static int lab_rank(enum fig_kind k)
{
	return k == FIG_COUNTS ? 0 : k == FIG_GUEST_TIME ? 1 : 2;
}

/*
 * A DMA timing figure that is flat by construction (ib_timing_flatness: the
 * lab's edu timer) is not drawn: a note says why.  One that is flat on a
 * host is drawn and its caption says so.
 */
static void flat_check(struct report *R, const struct fig_def *def, struct fig *g)
{
	struct ib_flat fl;
	char a[32];
	size_t off;

	if (!def->timing)
		return;
	ib_timing_flatness(&R->run, def->timing, &fl);
	fmt(a, sizeof(a), "%.2g", 100 * fl.spread);
	if (fl.by_construction) {
		g->flat = true;
		fmt(g->why, sizeof(g->why),
		    "flat by construction: in the lab the edu device completes every DMA after a "
		    "fixed timer, so the %s medians of its %zu row(s) lie within %s %% of each "
		    "other and carry no translation cost (data in plots/data/%s.dat)",
		    def->timing, fl.rows, a, g->id);
	} else if (fl.flat) {
		off = strlen(g->caption);
		fmt(g->caption + off, sizeof(g->caption) - off,
		    " Flat: the %s medians of %zu rows lie within %s %% of each other, so no "
		    "translation cost shows in them.",
		    def->timing, fl.rows, a);
	}
}

void rp_figures(struct report *R)
{
	char kpath[PATH_MAX + 64], vars[2 * PATH_MAX + 600];
	char *data = NULL, *kdata = NULL;
	size_t dlen = 0, klen = 0, i, j, order[ARRAY_SIZE(fig_table)];
	bool lab = !strcmp(rp_ctx_str(R->ctx, "platform"), "qemu-lab");
	FILE *f;
	int n;

	rp_load_findings(R);
	/* stable: table order within a rank */
	for (i = 0; i < ARRAY_SIZE(fig_table); i++) {
		for (j = i; lab && j > 0 &&
			    lab_rank(fig_table[order[j - 1]]->kind) > lab_rank(fig_table[i]->kind);
		     j--)
			order[j] = order[j - 1];
		order[j] = i;
	}

	/* knees: a data file of their own, shared by the window figures */
	f = open_memstream(&kdata, &klen);
	if (!f)
		return;
	R->nk = ib_fig_knees(&R->run, f);
	fclose(f);
	fmt(kpath, sizeof(kpath), "%s/data/knees.dat", R->draw.outdir);
	if (rp_write_atomic(kpath, kdata, klen)) {
		write_failed(R, "%s: %s", kpath, strerror(errno));
		free(kdata);
		return;
	}
	ib_gp_quote(R->qk, sizeof(R->qk), R->nk > 0 ? kpath : "");
	free(kdata);

	for (i = 0; i < ARRAY_SIZE(fig_table); i++) {
		const struct fig_def *def = fig_table[order[i]];
		struct fig *g = fig_new(R, def->id, def->title);

		f = open_memstream(&data, &dlen);
		if (!f)
			return;
		vars[0] = '\0';
		n = def->data(R, def, g, f, vars, sizeof(vars));
		fclose(f);
		if (n > 0)
			flat_check(R, def, g);
		fig_render(R, g, def->script, n, data, dlen, vars);
		free(data);
		data = NULL;
	}
}

/* ---- loading ---- */

/*
 * results.csv as results.json says, written by results.c's own writer:
 * results.json is the source of truth.  A run killed between its two
 * writes leaves a CSV one row behind; a copied run may carry a stale one.
 * The CSV is rewritten (tmp + rename); the figures read the typed rows
 * (ib_run_view), never the CSV.
 */
static int derive_csv(struct report *R, char *err, size_t errlen, bool *write_err)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 64], e[512];
	size_t len = 0;
	char *text;
	int saved, slot = -1;

	*write_err = false;
	tmp[0] = '\0';
	fmt(path, sizeof(path), "%s/results.csv", R->dir);
	if (!R->csv_written) { /* else finish just wrote this same text */
		errno = 0;
		text = ib_results_csv_string(R->doc, &len);
		if (!text)
			goto write_fail;
		fmt(tmp, sizeof(tmp), "%s/.results.csv.report.%d.tmp", R->dir, (int)getpid());
		slot = ib_tmp_add(tmp);
		if (ib_write_file(tmp, text, len, false) || rename(tmp, path)) {
			free(text);
			goto write_fail;
		}
		ib_tmp_del(slot);
		free(text);
	}
	if (!R->run_borrowed && ib_run_view(&R->run, R->doc, e, sizeof(e))) {
		fmt(err, errlen, "%s/results.json: %s", R->dir, e);
		return -1;
	}
	return 0;
write_fail:
	saved = errno ? errno : EIO;
	if (tmp[0])
		unlink(tmp);
	ib_tmp_del(slot);
	fmt(err, errlen, "%s: %s", path, strerror(saved));
	*write_err = true;
	return -1;
}

static int check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fmt(err, errlen, "%s: %s", dir,
			 errno && stat(dir, &st) ? strerror(errno) : "not a directory");
		return -1;
	}
	return 0;
}

/* Bad usage: one line on stderr; --help: the options too, on stdout. */
static void usage(bool help)
{
	fprintf(help ? stdout : stderr,
		"usage: iommubench report RUN_DIR [--figure-format LIST]   (draws "
		"RUN_DIR/plots/*.svg, *.png, pdf/*.pdf and RUN_DIR/report.html)\n");
	if (help)
		printf("  --figure-format: svg, png, pdf, cairolatex, comma-separated "
		       "(default svg,png,pdf; svg always)\n");
}

static int report_draw(const char *dir, json_t *doc, const struct ib_run *run,
		       bool csv_written);

int ib_report_draw(const char *dir, json_t *doc, bool csv_written)
{
	return report_draw(dir, doc, NULL, csv_written);
}

int ib_report_draw_run(const char *dir, const struct ib_run *run, bool csv_written)
{
	return report_draw(dir, run->doc, run, csv_written);
}

/* run: the caller's view of doc, or NULL (the report builds its own). */
static int report_draw(const char *dir, json_t *doc, const struct ib_run *run,
		       bool csv_written)
{
	struct report *R = calloc(1, sizeof(*R));
	char err[1024], path[PATH_MAX + 32], e[1024];
	const char *host;
	int ret = IB_EXIT_USAGE;
	size_t i, drawn = 0;
	bool werr;
	double t0 = rp_now_s(), t_load = 0, t_figs = 0, t_html = 0, c_load = 0, c_figs = 0;

	if (!R)
		return IB_EXIT_FAILED;
	R->dir = dir;
	R->doc = doc;
	R->ctx = json_object_get(doc, "context");
	R->csv_written = csv_written;
	if (run) {
		R->run = *run;
		R->run_borrowed = true;
	}
	if (derive_csv(R, err, sizeof(err), &werr)) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		ret = werr ? IB_EXIT_RESOURCE : IB_EXIT_USAGE;
		goto out;
	}
	t_load = rp_now_s();
	c_load = rp_cpu_s(RUSAGE_SELF);
	host = json_string_value(json_object_get(R->ctx, "lab_host")) ?: rp_ctx_str(R->ctx, "host");
	ib_report_platform_label(R->plat, sizeof(R->plat), rp_ctx_str(R->ctx, "platform"), host);
	/* rows from a test double (the fake CUDA driver): every title says so */
	R->nsimulated = ib_results_simulated(doc, &R->simulated);
	if (R->nsimulated) {
		size_t n = strlen(R->plat);

		fmt(R->plat + n, sizeof(R->plat) - n, ", SIMULATED device");
	}

	R->have_gnuplot = rp_find_gnuplot(R->draw.gnuplot, sizeof(R->draw.gnuplot));
	if (!R->have_gnuplot)
		fmt(R->gp_missing, sizeof(R->gp_missing),
			 "gnuplot unavailable (%s; install gnuplot-nox: make deps)",
			 getenv("IOMMUBENCH_GNUPLOT") ? "IOMMUBENCH_GNUPLOT is not executable" :
							"not in PATH");
	else if (!rp_find_plots_dir(R->draw.plots, sizeof(R->draw.plots))) {
		R->have_gnuplot = false;
		fmt(R->gp_missing, sizeof(R->gp_missing),
			 "gnuplot scripts unavailable (no plots/common.gp; set IOMMUBENCH_PLOTS_DIR)");
	}
	fmt(R->draw.outdir, sizeof(R->draw.outdir), "%s/plots", R->dir);
	fmt(path, sizeof(path), "%s/data", R->draw.outdir);
	if (ib_mkdir_p(path)) {
		fprintf(stderr, "iommubench: report: %s: %s\n", path, strerror(errno));
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	R->draw.formats = ib_report_formats();
	if (((R->draw.formats & IB_FIG_PDF) &&
	     (fmt(path, sizeof(path), "%s/pdf", R->draw.outdir), ib_mkdir_p(path))) ||
	    ((R->draw.formats & IB_FIG_CAIROLATEX) &&
	     (fmt(path, sizeof(path), "%s/tex", R->draw.outdir), ib_mkdir_p(path)))) {
		fprintf(stderr, "iommubench: report: %s: %s\n", path, strerror(errno));
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	fmt(R->draw.log, sizeof(R->draw.log), "%s/gnuplot.log", R->draw.outdir);
	unlink(R->draw.log);

	rp_figures(R);
	t_figs = rp_now_s();
	c_figs = rp_cpu_s(RUSAGE_SELF);
	{
		struct stat st;

		if (!stat(R->draw.log, &st) && !st.st_size)
			unlink(R->draw.log); /* gnuplot said nothing */
	}
	if (R->werr[0]) {
		fprintf(stderr, "iommubench: report: %s\n", R->werr);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	if (rp_write_html(R, err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	t_html = rp_now_s();
	if (getenv("IOMMUBENCH_TIMING"))
		fprintf(stderr,
			"iommubench: report: timing (wall/cpu s): load+csv %.2f/%.2f, figures "
			"%.2f/%.2f, html %.2f/%.2f; gnuplot %.2f/%.2f\n",
			t_load - t0, c_load, t_figs - t_load, c_figs - c_load, t_html - t_figs,
			rp_cpu_s(RUSAGE_SELF) - c_figs, rp_gp_wall, rp_cpu_s(RUSAGE_CHILDREN));
	for (i = 0; i < R->nfigs; i++)
		drawn += R->figs[i].drawn;
	if (!R->have_gnuplot) {
		fprintf(stderr, "iommubench: report: %s; report.html written without figures\n",
			R->gp_missing);
		ret = IB_EXIT_RESOURCE;
		goto out;
	}
	if (R->failed) {
		for (i = 0; i < R->nfigs; i++)
			if (!R->figs[i].drawn && R->figs[i].why[0] &&
			    strstr(R->figs[i].why, "failed"))
				fprintf(stderr, "iommubench: report: %s: %s\n", R->figs[i].id,
					ib_text_safe(e, sizeof(e), R->figs[i].why));
		ret = IB_EXIT_FAILED;
		goto out;
	}
	printf("report: %s/report.html (%zu of %zu figures drawn)\n", R->dir, drawn, R->nfigs);
	ret = IB_EXIT_OK;
out:
	if (!R->run_borrowed)
		ib_run_free(&R->run);
	json_decref(R->findings);
	free(R);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	char err[1024], path[PATH_MAX + 32];
	json_t *doc;
	unsigned int mask;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(true);
		return IB_EXIT_OK;
	}
	ib_tmp_signals(); /* a signal removes the report's temporaries */
	if (argc == 4 && !strcmp(argv[2], "--figure-format")) {
		if (ib_report_parse_formats(argv[3], &mask, err, sizeof(err))) {
			fprintf(stderr, "iommubench: report: %s\n", err);
			return IB_EXIT_USAGE;
		}
		ib_report_set_formats(mask);
		argc = 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage(false);
		return IB_EXIT_USAGE;
	}
	if (check_dir(argv[1], err, sizeof(err))) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		return IB_EXIT_USAGE;
	}
	fmt(path, sizeof(path), "%s/results.json", argv[1]);
	doc = ib_results_load(path, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "iommubench: report: %s\n", err);
		return IB_EXIT_USAGE;
	}
	ret = ib_report_draw(argv[1], doc, false);
	json_decref(doc);
	return ret;
}
