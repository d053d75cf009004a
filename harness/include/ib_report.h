/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `iommubench report RUN_DIR` (report.c): figures from results.json's typed
 * rows through the plots/ gnuplot scripts, and a self-contained report.html
 * (results.csv is rewritten from results.json on load).  The pure pieces
 * (HTML escaping, labels, figure data extraction) are exported for the
 * unit tests and for compare.c's overlay plots.  See docs/report.md.
 */
#ifndef IB_REPORT_H
#define IB_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ib_run;

/* s with & < > " ' escaped (malloc'd; NULL only when out of memory). */
char *ib_html_escape(const char *s);
/* The same, written to f. */
void ib_html_put(FILE *f, const char *s);

/* "emulated (qemu-lab), host X" for qemu-lab, else "host X". */
void ib_report_platform_label(char *buf, size_t len, const char *platform,
			      const char *host);

/* s as a gnuplot single-quoted string literal ('' doubles a quote). */
void ib_gp_quote(char *buf, size_t len, const char *s);

/* Shell-quoted argv ("a 'b c'"), for the reproduce line. */
void ib_shell_join(char *buf, size_t len, const char *const *argv, size_t argc);

/*
 * Figure data, extracted from a run's typed rows (ib_run_view in
 * ib_results.h; see docs/report.md), numbers in results.csv's text.  Each
 * writes gnuplot data to f and returns the number of series (or
 * categories) written, 0 when there is nothing to draw, with the reason in
 * why.  A metric name may also name a counter (its value as the median).
 */
/* metric vs window, one block per series (page size + whatever varies). */
int ib_fig_window(const struct ib_run *run, const char *metric, FILE *f, char *why,
		  size_t whylen);
/* ib_fig_window over the rows keep() accepts (keep NULL: every row). */
struct ib_row;
int ib_fig_window_of(const struct ib_run *run, const char *metric,
		     bool (*keep)(const struct ib_row *r), FILE *f, char *why, size_t whylen);
/* "knee_window page_size entries" of the ok derived rows with a knee. */
int ib_fig_knees(const struct ib_run *run, FILE *f);
/* iotlb_miss per DMA vs window; each row's repetitions and params.warmup
 * scale its dma_latency_ns n (see docs/report.md). */
int ib_fig_misses(const struct ib_run *run, FILE *f, char *why, size_t whylen);
/* map_ns/unmap_ns p50/p90/p99 per mode (category per line). */
int ib_fig_mapunmap(const struct ib_run *run, FILE *f, char *why, size_t whylen);
/* The map engine's batch rows (params.batch): per series (mode and the
 * other parameters that vary) one block of map_ns, then one of unmap_ns,
 * each "batch p50 p90 p99" per line; the number of blocks. */
int ib_fig_mapbatch(const struct ib_run *run, FILE *f, char *why, size_t whylen);
/* "cpu_node mem_node median" per dev_node block; label gets the shared
 * parameters, devs the blocks' dev_node ids ("-" for none), space-separated. */
int ib_fig_numa(const struct ib_run *run, FILE *f, char *label, size_t labellen,
		char *devs, size_t devslen, char *why, size_t whylen);
/* dma_latency_ns CDF per row: from its histogram, else its raw samples,
 * else its percentiles. */
int ib_fig_cdf(const struct ib_run *run, FILE *f, char *why, size_t whylen);
/* The same; *nhist (when given) counts the rows drawn from their
 * histogram (metrics.dma_latency_ns.histogram). */
int ib_fig_cdf_from(const struct ib_run *run, FILE *f, char *why, size_t whylen,
		    size_t *nhist);

/* One metric of one row compared (compare.c), as the overlays need it:
 * strings borrowed from the runs' documents; NaN for a missing value. */
struct ib_cmp_row {
	const char *run_a, *run_b, *name, *metric;
	double median_a, ci95_low_a, ci95_high_a;
	double median_b, ci95_low_b, ci95_high_b;
};

/*
 * Overlay plots for compare, from its rows in memory (in compare.csv's
 * order): for each metric, medians of every run per row with CI error bars,
 * drawn to <compare_csv without .csv>-<metric>.svg/.png (compare_csv only
 * names the outputs).  docs[i] are the runs' results (for the titles).
 * Returns the number of figures drawn (msg may say which were left out and
 * why), -1 when gnuplot or the scripts are missing, IB_OVERLAY_WRITE_ERR
 * when a file could not be written (reason in msg, nothing left
 * half-written).
 */
#define IB_OVERLAY_WRITE_ERR (-3)
int ib_report_compare_overlay(const char *compare_csv, const struct ib_cmp_row *rows,
			      size_t nrows, json_t *const *docs, size_t ndocs, char *msg,
			      size_t msglen);

/*
 * Draws RUN_DIR's figures and report.html from doc (a loaded, checked
 * results.json; borrowed).  results.csv is rewritten from doc unless
 * csv_written says the caller just wrote it.  Returns an IB_EXIT_* code
 * after printing what happened (docs/report.md).
 */
int ib_report_draw(const char *dir, json_t *doc, bool csv_written);
/* The same from run, a typed view of the document (borrowed: finish
 * hands on the one it built), which the report does not build again. */
struct ib_run;
int ib_report_draw_run(const char *dir, const struct ib_run *run, bool csv_written);

/*
 * The figure formats the report draws (--figure-format, the parameter
 * figure_format): svg (always: report.html embeds it), png, pdf (one and
 * two columns, plots/pdf/), cairolatex (plots/tex/).  Default svg,png,pdf.
 */
#define IB_FIG_SVG 0x1u
#define IB_FIG_PNG 0x2u
#define IB_FIG_PDF 0x4u
#define IB_FIG_CAIROLATEX 0x8u
#define IB_FIG_DEFAULT (IB_FIG_SVG | IB_FIG_PNG | IB_FIG_PDF)
/* "pdf,cairolatex" -> the mask (svg always added); -1 with a one-line
 * error naming --figure-format and the allowed values. */
int ib_report_parse_formats(const char *list, unsigned int *mask, char *err, size_t errlen);
/* For the next ib_report_draw*: 0 = the default. */
void ib_report_set_formats(unsigned int mask);
unsigned int ib_report_formats(void);

#endif
