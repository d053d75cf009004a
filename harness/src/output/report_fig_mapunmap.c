// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "Map/unmap latency per IOMMU mode" (plots/mapunmap.gp).  Part of `iommubench report`
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

static const char *row_mode(const struct ib_csv *c, size_t r)
{
	const char *m = ib_csv_get(c, r, "iommu_mode_effective");

	return *m ? m : *ib_csv_get(c, r, "iommu_mode") ? ib_csv_get(c, r, "iommu_mode") : "-";
}

/* A positive number (log axes), or '-'. */
static const char *pos_or_dash(const struct ib_csv *c, size_t r, const char *col)
{
	return rp_cell_d(c, r, col) > 0 ? rp_num_cell(c, r, col) : "-";
}

/* More categories than this make an unreadable chart (110 px each). */
#define MAPUNMAP_MAX 96

int ib_fig_mapunmap(const struct ib_csv *c, FILE *f, char *why, size_t whylen)
{
	static const char *const skip[] = { "iommu_mode", "iommu_mode_effective", NULL };
	static const char *const ms[2] = { "map_ns", "unmap_ns" };
	size_t *idx = calloc(c->nrows + 1, sizeof(*idx)), n = 0, r, i, q[2];
	json_t *seen = json_object(), *by[2] = { rp_rows_by_name(c, ms[0]), rp_rows_by_name(c, ms[1]) };
	struct labeler L;
	struct pt *p = NULL;
	int cats = 0, k;

	if (!idx || !seen || !by[0] || !by[1])
		goto oom;
	/* one point per row name that has a positive map_ns or unmap_ns median */
	for (r = 0; r < c->nrows; r++) {
		const char *m = ib_csv_get(c, r, "metric");

		if (!rp_row_ok(c, r) || (strcmp(m, "map_ns") && strcmp(m, "unmap_ns")) ||
		    !(rp_cell_d(c, r, "median") > 0))
			continue;
		i = rp_map_add(seen, ib_csv_get(c, r, "name"), r);
		if (i == MAP_OOM)
			goto oom;
		if (i == r)
			idx[n++] = r;
	}
	if (!n) {
		fmt(why, whylen, "no row has a map_ns or unmap_ns median");
		goto out;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		goto oom;
	rp_label_dims(c, idx, n, skip, &L);
	for (i = 0; i < n; i++) {
		char rest[200];

		p[i].r = idx[i];
		p[i].rank = rp_mode_rank(row_mode(c, idx[i]));
		rp_label_of(c, idx[i], &L, rest, sizeof(rest));
		fmt(p[i].label, sizeof(p[i].label), "%s%s%s", row_mode(c, idx[i]),
		    strcmp(rest, "all") ? " " : "", strcmp(rest, "all") ? rest : "");
		rp_label_clean(p[i].label);
		p[i].x = (double)i;
	}
	qsort(p, n, sizeof(*p), rp_pt_cmp);
	if (n > MAPUNMAP_MAX) {
		fmt(why, whylen, "the first %d of %zu points", MAPUNMAP_MAX, n);
		n = MAPUNMAP_MAX;
	}
	fprintf(f, "# label map_p50 map_p90 map_p99 unmap_p50 unmap_p90 unmap_p99\n");
	for (i = 0; i < n; i++) {
		const char *name = ib_csv_get(c, p[i].r, "name");

		fprintf(f, "\"%s\"", p[i].label);
		for (k = 0; k < 2; k++) {
			if (!rp_map_get(by[k], name, &q[k]))
				fprintf(f, " - - -");
			else
				fprintf(f, " %s %s %s", pos_or_dash(c, q[k], "median"),
					pos_or_dash(c, q[k], "p90"), pos_or_dash(c, q[k], "p99"));
		}
		fputc('\n', f);
		cats++;
	}
	goto out;
oom:
	fmt(why, whylen, "out of memory");
out:
	json_decref(seen);
	json_decref(by[0]);
	json_decref(by[1]);
	free(p);
	free(idx);
	return cats;
}

static int mapunmap_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
			 char *vars, size_t vlen)
{
	char why[512];
	int n;

	why[0] = '\0';
	n = ib_fig_mapunmap(&R->csv, f, why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	fmt(g->caption, sizeof(g->caption),
	    "p50 / p90 / p99 of map_ns and unmap_ns per point, grouped by the effective "
	    "IOMMU mode; log-y%s%s.", n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	fmt(vars, vlen, "ncat=%d", n);
	return n;
}

const struct fig_def rp_fig_mapunmap = {
	.id = "map_unmap", .title = "Map/unmap latency per IOMMU mode", .script = "mapunmap.gp",
	.data = mapunmap_data,
};
