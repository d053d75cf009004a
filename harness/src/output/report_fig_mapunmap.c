// SPDX-License-Identifier: GPL-2.0
/*
 * Figures "Map/unmap latency per IOMMU mode" (plots/mapunmap.gp) and
 * "Map/unmap latency per buffer vs batch" (plots/mapbatch.gp: the map
 * engine's batch rows, which the first leaves out).  Part of `iommubench
 * report` (report.c; docs/report.md).
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
#include "ib_stats.h"


#include "ib_rowschema.h"
#include "report_int.h"

/* params.batch of a row (the map engine's own parameter), -1 if none. */
static long long row_batch(const struct ib_row *r)
{
	int f = ib_row_field_find("batch");

	return f >= 0 ? ib_row_int(r, f) : -1;
}

/* A positive number (log axes), or '-'. */
static const char *pos_or_dash(const struct ib_row *r, const char *metric, const char *stat,
			       char *buf)
{
	const char *s = rp_stat(r, metric, stat, buf);

	return s && strtod(s, NULL) > 0 ? s : "-";
}

/* More categories than this make an unreadable chart (110 px each). */
#define MAPUNMAP_MAX 96

int ib_fig_mapunmap(const struct ib_run *run, FILE *f, char *why, size_t whylen)
{
	static const char *const ms[2] = { "map_ns", "unmap_ns" };
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), n = 0, r, i;
	struct pt *p = NULL;
	int cats = 0, k;

	if (!idx)
		goto oom;
	/* one point per row that has a positive map_ns or unmap_ns median */
	for (r = 0; r < run->nrows; r++) {
		const struct ib_row *w = &run->rows[r];

		if (rp_row_ok(w) && row_batch(w) < 1 &&
		    (rp_stat_d(w, ms[0], "median") > 0 || rp_stat_d(w, ms[1], "median") > 0))
			idx[n++] = r;
	}
	if (!n) {
		fmt(why, whylen, "no row has a map_ns or unmap_ns median");
		goto out;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		goto oom;
	rp_mode_points(run, idx, n, p);
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	if (n > MAPUNMAP_MAX) {
		fmt(why, whylen, "the first %d of %zu points", MAPUNMAP_MAX, n);
		n = MAPUNMAP_MAX;
	}
	fprintf(f, "# label map_p50 map_p90 map_p99 unmap_p50 unmap_p90 unmap_p99\n");
	for (i = 0; i < n; i++) {
		const struct ib_row *w = &run->rows[p[i].r];

		fprintf(f, "\"%s\"", p[i].label);
		for (k = 0; k < 2; k++) {
			char a[RP_NUM], b[RP_NUM], c[RP_NUM];

			if (!rp_has(w, ms[k]))
				fprintf(f, " - - -");
			else
				fprintf(f, " %s %s %s", pos_or_dash(w, ms[k], "median", a),
					pos_or_dash(w, ms[k], "p90", b),
					pos_or_dash(w, ms[k], "p99", c));
		}
		fputc('\n', f);
		cats++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return cats;
}

/* One block per series and metric: "\"<series> <metric>\"", then
 * "batch p50 p90 p99" lines in batch order. */
static int mapbatch_blocks(const struct ib_run *run, const struct pt *p, size_t n, FILE *f)
{
	static const char *const ms[2] = { "map_ns", "unmap_ns" };
	size_t s, e, i;
	int blocks = 0, k;

	for (s = 0; s < n; s = e) {
		for (e = s + 1; e < n && p[e].rank == p[s].rank && !strcmp(p[e].label, p[s].label);
		     e++)
			;
		for (k = 0; k < 2; k++) {
			fprintf(f, "%s\"%s %s\"\n", blocks ? "\n\n" : "", p[s].label, ms[k]);
			for (i = s; i < e; i++) {
				const struct ib_row *w = &run->rows[p[i].r];
				char a[RP_NUM], b[RP_NUM], c[RP_NUM];

				fprintf(f, "%.0f %s %s %s\n", p[i].x,
					pos_or_dash(w, ms[k], "median", a),
					pos_or_dash(w, ms[k], "p90", b),
					pos_or_dash(w, ms[k], "p99", c));
			}
			blocks++;
		}
	}
	return blocks;
}

int ib_fig_mapbatch(const struct ib_run *run, FILE *f, char *why, size_t whylen)
{
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), n = 0, r, i;
	struct pt *p = NULL;
	int blocks = 0;

	if (!idx)
		goto oom;
	for (r = 0; r < run->nrows; r++) {
		const struct ib_row *w = &run->rows[r];

		if (rp_row_ok(w) && row_batch(w) >= 1 &&
		    (rp_stat_d(w, "map_ns", "median") > 0 || rp_stat_d(w, "unmap_ns", "median") > 0))
			idx[n++] = r;
	}
	p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		goto oom;
	rp_mode_points(run, idx, n, p);
	for (i = 0; i < n; i++)
		p[i].x = (double)row_batch(&run->rows[idx[i]]);
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	/* a line needs two batch sizes (rp_distinct_windows counts distinct x) */
	if (rp_distinct_windows(p, n) < 2) {
		fmt(why, whylen, "no map rows with batch over two batch sizes or more (the map suite's map-batch job)");
		goto out;
	}
	blocks = mapbatch_blocks(run, p, n, f);
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	free(p);
	free(idx);
	return blocks;
}

static int mapbatch_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
			 char *vars, size_t vlen)
{
	bool lab = !strcmp(rp_ctx_str(R->ctx, "platform"), "qemu-lab");
	char why[512];
	int n;

	why[0] = '\0';
	n = ib_fig_mapbatch(&R->run, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
	    "What to read: batch=N maps N buffers before unmapping any, so N IOVAs are "
	    "outstanding at once. Where a line steps up, the IOVA allocator's per-CPU cache "
	    "(two magazines of 128 IOVAs per size) and then its depot no longer hold them and "
	    "each map walks the allocator's tree; dma-lazy unmaps also fill the flush queue. "
	    "Median map_ns (solid) and unmap_ns (dashed) per buffer against N, one colour per "
	    "IOMMU mode, bars up to p99; log-x, log-y.%s",
	    lab ? " In the lab these are guest instruction time under emulation, not "
		  "hardware: the shape means more than the nanoseconds." : "");
	fmt(vars, vlen, "nblocks=%d", n);
	return n;
}

static int mapunmap_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
			 char *vars, size_t vlen)
{
	static const char *const read[] = { IB_FINDING_PREFIX "unmap_strict_vs_lazy/", NULL };
	char why[512], found[700];
	bool lab = !strcmp(rp_ctx_str(R->ctx, "platform"), "qemu-lab");
	int n;

	why[0] = '\0';
	n = ib_fig_mapunmap(&R->run, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	rp_findings_text(R, read, found, sizeof(found));
	fmt(g->caption, sizeof(g->caption),
	    "What to read: dma-strict invalidates the IOTLB on every unmap, dma-lazy batches "
	    "the invalidations, identity maps nothing: the unmap bars show what each costs "
	    "(%s).%s p50 / p90 / p99 of map_ns and unmap_ns per point, grouped by the "
	    "effective IOMMU mode; log-y%s%s.",
	    found[0] ? found : "no strict/lazy pair in this run",
	    lab ? " In the lab these are guest instruction time under emulation, not "
		  "hardware: their ratios mean more than their nanoseconds." : "",
	    n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	fmt(vars, vlen, "ncat=%d", n);
	return n;
}

const struct fig_def rp_fig_mapbatch = {
	.id = "map_batch", .title = "Map/unmap latency per buffer vs batch", .script = "mapbatch.gp",
	.kind = FIG_GUEST_TIME, .data = mapbatch_data,
};

const struct fig_def rp_fig_mapunmap = {
	.id = "map_unmap", .title = "Map/unmap latency per IOMMU mode", .script = "mapunmap.gp",
	.kind = FIG_GUEST_TIME, .data = mapunmap_data,
};
