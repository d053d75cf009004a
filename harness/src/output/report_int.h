/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the report (harness/src/output/report*.c): the state of one
 * report, the figure table and the helpers its files share.
 */
#ifndef IB_REPORT_INT_H
#define IB_REPORT_INT_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "ib_report.h"
#include "ib_results.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parameters that tell series apart (report_series.c dims[]). */
#define NDIMS 16
extern const char *rp_dims[NDIMS];
extern const char *const rp_skip_window[]; /* { "window", NULL } */

/* snprintf that may truncate (messages, labels): says so to the compiler. */
static inline int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

#define MAP_OOM ((size_t)-1)

struct labeler {
	const char *dims[NDIMS];
	size_t n;
};

struct pt {
	size_t r;
	int rank;
	char label[256];
	double x;
};

struct draw {
	char gnuplot[PATH_MAX];
	char plots[PATH_MAX]; /* scripts */
	char outdir[PATH_MAX];
	char log[PATH_MAX + 32];
	unsigned int formats; /* IB_FIG_* (ib_report.h); 0 = svg and png */
};

/*
 * script with vars, once per format of d->formats: outdir/<id>.{svg,png},
 * outdir/pdf/<id>{,-2col}.pdf, outdir/tex/<id>{,-2col}.{tex,pdf}.
 * 0; -1 when gnuplot failed; DRAW_WRITE_ERR when the output could not be
 * written (a full disk).  The temporary output is removed on failure.
 */
#define DRAW_WRITE_ERR (-2)

struct fig {
	char id[64];
	char title[160];
	char caption[1024];
	bool drawn;
	bool flat; /* not drawn: flat by construction (why says so) */
	char why[512];
};

struct report {
	const char *dir;
	json_t *doc, *ctx;
	struct ib_run run; /* the typed rows the figures read */
	bool run_borrowed; /* run is the caller's (ib_report_draw_run): not freed */
	bool csv_written;  /* results.csv is this doc's already */
	char plat[512];     /* "emulated (qemu-lab), host X" */
	int nsimulated;	    /* rows with params.simulated (a fake device) */
	const char *simulated; /* the first one's text */
	struct fig figs[16];
	size_t nfigs;
	json_t *findings;      /* the finding rows: results.json's, else computed (owned) */
	bool findings_computed; /* results.json had none: computed by the report */
	struct draw draw;
	bool have_gnuplot;
	char gp_missing[256];
	int nk;				  /* knees in plots/data/knees.dat */
	char qk[2 * PATH_MAX + 160]; /* its path, gnuplot-quoted ("" when none) */
	int failed;		     /* a gnuplot script failed: exit 2 */
	char werr[PATH_MAX + 128]; /* the first failed write: exit 3, nothing more */
};


/* report_ranks.c: the sections of a multi-rank run (nothing otherwise) */
void rp_html_ranks(FILE *f, struct report *R);

/* report_series.c */
/* A number's text as results.csv writes it (ib_results_num_text). */
#define RP_NUM 40
bool rp_in_list(const char *s, const char *const *list);
const char *rp_dim_val(const struct ib_row *r, const char *dim);
int rp_sb_add(struct sbuf *b, const char *s, size_t n);
int rp_row_key(struct sbuf *b, const struct ib_row *r, const char *const *skip);
size_t rp_map_add(json_t *m, const char *key, size_t v);
bool rp_map_get(json_t *m, const char *key, size_t *v);
bool rp_row_ok(const struct ib_row *r);
bool rp_has(const struct ib_row *r, const char *metric);
const char *rp_stat(const struct ib_row *r, const char *metric, const char *stat, char *buf);
double rp_stat_d(const struct ib_row *r, const char *metric, const char *stat);
const char *rp_param_num(const struct ib_row *r, const char *key, char *buf);
void rp_label_clean(char *s);
void rp_label_dims(const struct ib_run *run, const size_t *idx, size_t n,
		   const char *const *skip, struct labeler *L);
void rp_label_of(const struct ib_row *r, const struct labeler *L, char *buf, size_t len);
int rp_mode_rank(const char *m);
int rp_pt_cmp(const void *a, const void *b);
size_t rp_select_rows(const struct ib_run *run, const char *metric, bool need_window,
		      size_t *idx);
struct pt *rp_make_points(const struct ib_run *run, const size_t *idx, size_t n,
			  const char *const *skip);
/* p[i] for run->rows[idx[i]], unsorted: the row, its IOMMU mode's rank,
 * the label "<mode> <what else varies>", x = i (the per-mode figures). */
void rp_mode_points(const struct ib_run *run, const size_t *idx, size_t n, struct pt *p);
size_t rp_distinct_windows(const struct pt *p, size_t n);
size_t rp_keep_sweeps(const struct ib_run *run, size_t *idx, size_t n);

/* report_gnuplot.c */
int rp_write_atomic(const char *path, const char *data, size_t len);
bool rp_find_gnuplot(char *out, size_t len);
bool rp_find_plots_dir(char *out, size_t len);
double rp_now_s(void);
extern double rp_gp_wall; /* seconds spent waiting for gnuplot */
double rp_cpu_s(int who);
int rp_draw_figure(const struct draw *d, const char *script, const char *id,
		       const char *vars, char *err, size_t errlen);

/* report_html.c */
int rp_write_html(struct report *R, char *err, size_t errlen);

/* report_escape.c: a context string, "" when absent */
const char *rp_ctx_str(json_t *ctx, const char *key);

/* report_findings.c */
/* R->findings: results.json's finding rows, else computed from R->run
 * (R->findings_computed). */
void rp_load_findings(struct report *R);
/* The finding texts of the rows whose names start with one of prefixes
 * (NULL-terminated), "; " apart; "" when none. */
void rp_findings_text(const struct report *R, const char *const *prefixes, char *buf, size_t len);

/* report.c */
void rp_figures(struct report *R);

/* Past this many series a window figure draws the first ones only. */
#define WINDOW_MAX_SERIES 32
void rp_series_cap(char *buf, size_t len, int n);

/*
 * A figure: its id (plots/<id>.svg, plots/data/<id>.dat), title, gnuplot
 * script and data function.  data() writes the figure's data to f and
 * sets g->why, g->caption and the script's extra -e variables (vars);
 * it returns the number of series or points, <= 0 when there is nothing to
 * draw.  A new figure is one report_fig_*.c and a line in report.c's
 * fig_table.
 */
/* What a figure shows, for its place in the report: in the lab, counts,
 * then guest instruction time, then DMA timings; on a host, table order. */
enum fig_kind { FIG_TIMING, FIG_COUNTS, FIG_GUEST_TIME };

struct fig_def {
	const char *id, *title, *script;
	const char *metric, *ylab; /* for figures shared by several metrics */
	enum fig_kind kind;
	const char *timing; /* the DMA timing drawn: not drawn when flat by construction */
	int (*data)(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		    char *vars, size_t vlen);
};

/* The per-I/O figure's data (report_fig_perio.c), for I/O engines' rows
 * or, packets, the packet engines' (net: report_fig_perpkt.c). */
int rp_per_unit_data(struct report *R, struct fig *g, FILE *f, char *vars, size_t vlen,
		     bool packets);

/* The window.gp variables (knees, y label, series cap) of a window-style
 * figure. */
void rp_window_vars(const struct report *R, const struct fig_def *d, char *vars, size_t vlen);

extern const struct fig_def rp_fig_window_latency, rp_fig_window_bandwidth, rp_fig_misses,
	rp_fig_mapunmap, rp_fig_mapbatch, rp_fig_numa, rp_fig_cdf, rp_fig_chase, rp_fig_perio,
	rp_fig_perpkt;

#endif
