// SPDX-License-Identifier: GPL-2.0
/*
 * Figure "NUMA placement: median DMA latency" (plots/numa.gp).  Part of `iommubench report`
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
#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"
#include "ib_stats.h"


#include "report_int.h"

static const char *const placement[] = { "cpu_node", "mem_node", "dev_node", "device",
					 NULL };

/* Panels side by side (460 px each): more would be unreadable. */
#define NUMA_MAX_PANELS 16
#define NUMA_OVER (NUMA_MAX_PANELS + 1)

/* dev_node as a word of the devs list: [A-Za-z0-9_.:-], at most 32. */
static void dev_word(char *buf, size_t len, const char *dev)
{
	size_t i;

	fmt(buf, len < 33 ? len : 33, "%s", *dev ? dev : "-");
	for (i = 0; buf[i]; i++)
		if (!isalnum((unsigned char)buf[i]) && !strchr("_.:-", buf[i]))
			buf[i] = '?';
}

struct numa_pt {
	size_t r, block, pos;
};

static int numa_pt_cmp(const void *a, const void *b)
{
	const struct numa_pt *p = a, *q = b;

	if (p->block != q->block)
		return p->block < q->block ? -1 : 1;
	return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* What the placements share (the drawn group's first row r), for the title. */
static void numa_label(char *label, size_t labellen, const struct ib_row *r)
{
	size_t o = 0, i;

	for (i = 0; i < NDIMS && o + 1 < labellen; i++) {
		const char *v = rp_dim_val(r, rp_dims[i]);
		int w;

		if (rp_in_list(rp_dims[i], placement) || !*v || !strcmp(rp_dims[i], "job") ||
		    !strcmp(rp_dims[i], "granule") ||
		    (!strcmp(rp_dims[i], "iommu_mode") && r->p.iommu_mode_effective &&
		     *r->p.iommu_mode_effective))
			continue;
		w = fmt(label + o, labellen - o, "%s%s=%s", o ? " " : "", rp_dims[i], v);
		if (w < 0 || (size_t)w >= labellen - o)
			break;
		o += (size_t)w;
	}
	rp_label_clean(label);
}

int ib_fig_numa(const struct ib_run *run, FILE *f, char *label, size_t labellen,
		char *devs, size_t devslen, char *why, size_t whylen)
{
	size_t *idx = calloc(run->nrows + 1, sizeof(*idx)), *gid = NULL, *count = NULL;
	size_t *tfirst = NULL, n, i, ng = 0, best = 0, best_g = 0, best_n = 0, nb = 0, npt = 0;
	json_t *groups = json_object(), *triples = json_object(), *blocks = json_object();
	struct numa_pt *pts = NULL;
	struct sbuf key = { 0 };
	int nblocks = 0;

	label[0] = '\0';
	devs[0] = '\0';
	if (!idx || !groups || !triples || !blocks)
		goto oom;
	n = 0;
	for (i = 0; i < run->nrows; i++) {
		const struct ib_row *r = &run->rows[i];
		char a[RP_NUM], b[RP_NUM], m[RP_NUM];

		if (rp_row_ok(r) && rp_stat(r, "dma_latency_ns", "median", m) &&
		    rp_param_num(r, "cpu_node", a) && rp_param_num(r, "mem_node", b))
			idx[n++] = i;
	}
	gid = calloc(n + 1, sizeof(*gid));
	count = calloc(n + 1, sizeof(*count));
	tfirst = calloc(n + 1, sizeof(*tfirst));
	pts = calloc(n + 1, sizeof(*pts));
	if (!gid || !count || !tfirst || !pts)
		goto oom;
	/*
	 * Groups: rows equal but for placement (ids in order of first row).
	 * The group with the most distinct (cpu, mem, dev) triples is drawn,
	 * the earliest on a tie; tfirst[i]: the first row of i's triple.
	 */
	for (i = 0; i < n; i++) {
		const struct ib_row *r = &run->rows[idx[i]];

		if (rp_row_key(&key, r, placement))
			goto oom;
		gid[i] = rp_map_add(groups, key.s, ng);
		if (gid[i] == MAP_OOM)
			goto oom;
		if (gid[i] == ng)
			ng++;
		fmt(key.s, key.cap, "%zu", gid[i]);
		key.len = strlen(key.s);
		if (rp_sb_add(&key, "\x1f", 1) ||
		    rp_sb_add(&key, r->p.cpu_node, strlen(r->p.cpu_node)) ||
		    rp_sb_add(&key, "\x1f", 1) ||
		    rp_sb_add(&key, r->p.mem_node, strlen(r->p.mem_node)) ||
		    rp_sb_add(&key, "\x1f", 1) ||
		    rp_sb_add(&key, r->p.dev_node, strlen(r->p.dev_node)))
			goto oom;
		tfirst[i] = rp_map_add(triples, key.s, i);
		if (tfirst[i] == MAP_OOM)
			goto oom;
		count[gid[i]] += tfirst[i] == i;
	}
	for (i = 0; i < ng; i++)
		if (count[i] > best_n) {
			best_n = count[i];
			best_g = i;
		}
	if (best_n < 2) {
		fmt(why, whylen, "fewer than two cpu/mem/dev node placements with dma_latency_ns");
		goto out;
	}
	/* the group's triples, in blocks per dev_node in the order first seen */
	for (i = 0; i < n; i++) {
		char dw[40];
		size_t b, o;

		if (gid[i] != best_g || tfirst[i] != i)
			continue;
		if (!npt)
			best = idx[i];
		dev_word(dw, sizeof(dw), run->rows[idx[i]].p.dev_node);
		b = rp_map_add(blocks, run->rows[idx[i]].p.dev_node, nb);
		if (b == MAP_OOM)
			goto oom;
		if (b == nb) {
			o = strlen(devs);
			if (nb == NUMA_MAX_PANELS || o + strlen(dw) + 2 > devslen) {
				/* over the panel limit: never drawn */
				json_object_set_new_nocheck(blocks, run->rows[idx[i]].p.dev_node,
							    json_integer(NUMA_OVER));
				continue;
			}
			fmt(devs + o, devslen - o, "%s%s", o ? " " : "", dw);
			nb++;
		} else if (b == NUMA_OVER) {
			continue;
		}
		pts[npt].r = idx[i];
		pts[npt].block = b;
		pts[npt].pos = npt;
		npt++;
	}
	if (nb < (size_t)json_object_size(blocks))
		fmt(why, whylen, "the first %zu of %zu device nodes", nb,
		    (size_t)json_object_size(blocks));
	qsort(pts, npt, sizeof(*pts), numa_pt_cmp);
	for (i = 0; i < npt; i++) {
		const struct ib_row *r = &run->rows[pts[i].r];
		char a[RP_NUM], b[RP_NUM], m[RP_NUM];

		if (!i || pts[i].block != pts[i - 1].block) {
			char dw[40];

			dev_word(dw, sizeof(dw), r->p.dev_node);
			fprintf(f, "%s# dev_node %s\n", nblocks ? "\n\n" : "", dw);
			nblocks++;
		}
		fprintf(f, "%s %s %s\n", rp_param_num(r, "cpu_node", a),
			rp_param_num(r, "mem_node", b), rp_stat(r, "dma_latency_ns", "median", m));
	}
	numa_label(label, labellen, &run->rows[best]);
	goto out;
oom:
	fmt(why, whylen, "out of memory");
	nblocks = 0;
out:
	json_decref(groups);
	json_decref(triples);
	json_decref(blocks);
	free(key.s);
	free(pts);
	free(tfirst);
	free(count);
	free(gid);
	free(idx);
	return nblocks;
}

static int numa_data(struct report *R, const struct fig_def *d, struct fig *g, FILE *f,
		     char *vars, size_t vlen)
{
	static const char *const read[] = { IB_FINDING_PREFIX "numa_penalty/", NULL };
	char why[512], label[400], ql[900], devs[1024], qd[2100], found[500];
	int n;

	why[0] = '\0';
	n = ib_fig_numa(&R->run, f, label, sizeof(label), devs, sizeof(devs), why, sizeof(why));
	fmt(g->why, sizeof(g->why), "%s", why);
	rp_findings_text(R, read, found, sizeof(found));
	fmt(g->caption, sizeof(g->caption),
	    "What to read: the cells whose memory is off the device's node against those on "
	    "it (%s). Median dma_latency_ns per cpu_node (x) and mem_node (y), one panel per "
	    "dev_node; %s%s%s.", found[0] ? found : "no NUMA penalty finding in this run",
	    label, n > 0 && why[0] ? "; " : "", n > 0 ? why : "");
	ib_gp_quote(ql, sizeof(ql), label);
	ib_gp_quote(qd, sizeof(qd), devs);
	fmt(vars, vlen, "sublabel=%s; devs=%s", ql, qd);
	return n;
}

const struct fig_def rp_fig_numa = {
	.id = "numa", .title = "NUMA placement: median DMA latency", .script = "numa.gp",
	.timing = "dma_latency_ns", .data = numa_data,
};
