// SPDX-License-Identifier: GPL-2.0
/*
 * report.html sections of multi-rank runs (docs/harness.md "Ranks"):
 *  - "Ranks and hosts": each rank's own context (host, kernel, cmdline,
 *    IOMMU, CPU, NUMA), from context.ranks;
 *  - "Across ranks": for every point measured by several ranks, each
 *    rank's median and 95 % CI of each metric next to rank 0's, their
 *    ratio and whether it is significant as `compare` calls it without raw
 *    samples (the CIs do not overlap, n >= 6, |ratio - 1| >= 1 %);
 *  - "Contention": per device, IOTLB misses per DMA alone and together per
 *    window, and the first window whose misses per DMA pass 0.02 above the
 *    cold fill (the knee) in each case.
 * Nothing is written for a run of one process.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static void td(FILE *f, const char *s)
{
	fputs("<td>", f);
	ib_html_put(f, s);
	fputs("</td>", f);
}

static void html_rank_contexts(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;
	char buf[512];

	fputs("<h2 id=\"ranks\">Ranks and hosts</h2>\n<table>\n<tr><th>rank</th><th>host</th>"
	      "<th>device</th><th>kernel</th><th>cmdline</th><th>IOMMU</th><th>CPU</th>"
	      "<th>NUMA nodes</th></tr>\n", f);
	json_array_foreach(ranks, i, r) {
		json_t *c = json_object_get(r, "context"), *io = json_object_get(c, "iommu");

		fputs("<tr>", f);
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(r, "rank")));
		td(f, buf);
		if (!json_is_object(c)) {
			snprintf(buf, sizeof(buf), "no context: %s", str(r, "error"));
			fputs("<td colspan=\"7\">", f);
			ib_html_put(f, buf);
			fputs("</td></tr>\n", f);
			continue;
		}
		td(f, str(r, "host"));
		td(f, json_is_string(json_object_get(r, "device")) ? str(r, "device") : "-");
		td(f, str(c, "kernel"));
		td(f, str(c, "cmdline"));
		snprintf(buf, sizeof(buf), "%s, %s", str(io, "vendor"), str(io, "default_domain"));
		td(f, buf);
		td(f, str(json_object_get(c, "cpu"), "model"));
		snprintf(buf, sizeof(buf), "%zu",
			 json_array_size(json_object_get(json_object_get(c, "numa"), "nodes")));
		td(f, buf);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* name without its "/rank:<N>" (into buf); false when it has none */
static bool base_name(const char *name, char *buf, size_t len)
{
	const char *p = strstr(name, "/rank:");

	if (!p || strchr(p + 1, '/'))
		return false;
	snprintf(buf, len, "%.*s", (int)(p - name), name);
	return true;
}

static const char *const metrics[] = { "dma_latency_ns", "bandwidth_bytes_per_s", "map_ns",
				       "unmap_ns", NULL };

static void html_across(FILE *f, json_t *rows)
{
	json_t *row, *first = NULL;
	size_t i;
	char base[1024], b0[1024] = "", buf[160];
	int n = 0;

	fputs("<h2 id=\"across\">Across ranks</h2>\n<p>Each rank's median (95&nbsp;% CI) next to "
	      "rank 0's in the same point: significant when the CIs do not overlap (n &ge; 6) and "
	      "the ratio differs from 1 by &ge; 1&nbsp;% (as <code>iommubench compare</code> "
	      "without raw samples).</p>\n<table>\n<tr><th>point</th><th>rank</th><th>host</th>"
	      "<th>device</th><th>metric</th><th>median</th><th>95% CI</th><th>/ rank 0</th>"
	      "<th>significant</th></tr>\n", f);
	json_array_foreach(rows, i, row) {
		json_t *params = json_object_get(row, "params");
		const char *const *m;

		if (!base_name(str(row, "name"), base, sizeof(base)) ||
		    strcmp(str(row, "status"), "ok"))
			continue;
		if (strcmp(base, b0)) {
			snprintf(b0, sizeof(b0), "%s", base);
			first = json_integer_value(json_object_get(params, "rank")) == 0 ? row : NULL;
		}
		if (!first || row == first)
			continue;
		for (m = metrics; *m; m++) {
			json_t *a = json_object_get(json_object_get(first, "metrics"), *m);
			json_t *x = json_object_get(json_object_get(row, "metrics"), *m);
			double ma, mx, al, ah, xl, xh, ratio;
			bool sig;

			if (!a || !x)
				continue;
			ma = json_number_value(json_object_get(a, "median"));
			mx = json_number_value(json_object_get(x, "median"));
			al = json_number_value(json_object_get(a, "ci95_low"));
			ah = json_number_value(json_object_get(a, "ci95_high"));
			xl = json_number_value(json_object_get(x, "ci95_low"));
			xh = json_number_value(json_object_get(x, "ci95_high"));
			ratio = ma ? mx / ma : NAN;
			sig = json_integer_value(json_object_get(a, "n")) >= 6 &&
			      json_integer_value(json_object_get(x, "n")) >= 6 && (xl > ah || xh < al) &&
			      fabs(ratio - 1) >= 0.01;
			fputs("<tr>", f);
			td(f, base);
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)json_integer_value(json_object_get(params, "rank")));
			td(f, buf);
			td(f, str(params, "host"));
			td(f, json_is_string(json_object_get(params, "device")) ? str(params, "device") : "-");
			td(f, *m);
			snprintf(buf, sizeof(buf), "%.6g", mx);
			td(f, buf);
			snprintf(buf, sizeof(buf), "%.6g .. %.6g", xl, xh);
			td(f, buf);
			snprintf(buf, sizeof(buf), "%.3f", ratio);
			td(f, buf);
			td(f, sig ? (ratio > 1 ? "yes, higher" : "yes, lower") : "no");
			fputs("</tr>\n", f);
			n++;
		}
	}
	if (!n)
		fputs("<tr><td colspan=\"9\">no point with rows of rank 0 and another rank</td></tr>\n", f);
	fputs("</table>\n", f);
}

/* misses per DMA of a row: iotlb_miss / DMAs of the pass (n x (reps +
 * warmup) / reps); -1 when not counted */
static double misses_per_dma(json_t *row)
{
	json_t *c = json_object_get(json_object_get(row, "counters"), "iotlb_miss");
	json_t *lat = json_object_get(json_object_get(row, "metrics"), "dma_latency_ns");
	json_t *lookup = json_object_get(json_object_get(row, "counters"), "iotlb_lookup");
	double look = json_number_value(json_object_get(lookup, "value"));

	if (!c || !lat)
		return -1;
	/* the lookups are the DMAs' translations, counted in the same pass */
	if (look > 0)
		return json_number_value(json_object_get(c, "value")) / look;
	return -1;
}

static void html_contention(FILE *f, json_t *rows)
{
	json_t *row;
	size_t i;
	int n = 0;

	fputs("<h2 id=\"contention\">Contention: each device alone and all together</h2>\n"
	      "<p>IOTLB misses per DMA (iotlb_miss / iotlb_lookup of the device's own requester "
	      "id) and DMA latency, per device and window. Past the shared IOTLB's reach every "
	      "page misses on every pass.</p>\n<table>\n<tr><th>device</th><th>rank</th>"
	      "<th>host</th><th>window</th><th>misses/DMA alone</th><th>misses/DMA together</th>"
	      "<th>latency alone</th><th>latency together</th></tr>\n", f);
	json_array_foreach(rows, i, row) {
		json_t *p = json_object_get(row, "params"), *other;
		char name[1024], *c, buf[64];
		size_t j;

		if (strcmp(str(p, "concurrency"), "alone") || !json_object_get(p, "rank"))
			continue;
		snprintf(name, sizeof(name), "%s", str(row, "name"));
		c = strstr(name, "concurrency:alone");
		if (!c)
			continue;
		memmove(c + strlen("concurrency:together"), c + strlen("concurrency:alone"),
			strlen(c + strlen("concurrency:alone")) + 1);
		memcpy(c, "concurrency:together", strlen("concurrency:together"));
		other = NULL;
		json_array_foreach(rows, j, other)
			if (!strcmp(str(other, "name"), name))
				break;
		if (j == json_array_size(rows))
			other = NULL;
		fputs("<tr>", f);
		td(f, json_is_string(json_object_get(p, "device")) ? str(p, "device") : "-");
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(p, "rank")));
		td(f, buf);
		td(f, str(p, "host"));
		snprintf(buf, sizeof(buf), "%lld KiB",
			 (long long)json_integer_value(json_object_get(p, "window")) / 1024);
		td(f, buf);
		snprintf(buf, sizeof(buf), "%.4f", misses_per_dma(row));
		td(f, misses_per_dma(row) < 0 ? "-" : buf);
		snprintf(buf, sizeof(buf), "%.4f", other ? misses_per_dma(other) : -1);
		td(f, !other || misses_per_dma(other) < 0 ? "-" : buf);
		snprintf(buf, sizeof(buf), "%.6g ns", json_number_value(json_object_get(
			json_object_get(json_object_get(row, "metrics"), "dma_latency_ns"), "median")));
		td(f, buf);
		snprintf(buf, sizeof(buf), "%.6g ns", other ? json_number_value(json_object_get(
			json_object_get(json_object_get(other, "metrics"), "dma_latency_ns"), "median")) : 0);
		td(f, other ? buf : "-");
		fputs("</tr>\n", f);
		n++;
	}
	if (!n)
		fputs("<tr><td colspan=\"8\">no concurrency=alone rows</td></tr>\n", f);
	fputs("</table>\n", f);
}

void rp_html_ranks(FILE *f, struct report *R)
{
	json_t *ranks = json_object_get(R->ctx, "ranks"), *rows = json_object_get(R->doc, "results");
	json_t *row;
	size_t i;

	if (!json_is_array(ranks))
		return;
	html_rank_contexts(f, ranks);
	json_array_foreach(rows, i, row)
		if (json_object_get(json_object_get(row, "params"), "concurrency"))
			break;
	if (i < json_array_size(rows))
		html_contention(f, rows);
	html_across(f, rows);
}
