// SPDX-License-Identifier: GPL-2.0
/*
 * The counting half of `iommubench lab-merge RUNDIR`: attributes the lab's
 * vIOMMU counters to measurement points and merges them into the rows it is
 * handed (output/lab_merge.c loads and writes RUNDIR/results.json and
 * results.csv around it).
 *
 * The guest cannot read QEMU's trace events, so the host lab runner
 * (scripts/lab/lab.py) answers the guest harness's BEGIN/END handshake for
 * each point and records the byte size of QEMU's trace log at that moment in
 * RUNDIR/marks.tsv ("BEGIN\t<row>\t<offset>", "END\t<row>\t<offset>").  QEMU's
 * log backend writes every event before the guest can proceed, so the events
 * of a point are exactly the lines starting in [BEGIN offset, END offset).
 * Counting is a pure function of the two files: the same inputs give the
 * same counts, and merging twice gives the same files.
 *
 * QEMU 7.2 "log" backend lines (-D file): "<event> <args>\n", or with
 * -msg timestamp=on "<pid>@<sec>.<usec>:<event> <args>\n".
 * Mapping (hw/i386/trace-events):
 *   vtd_iotlb_page_hit                 -> iotlb_hit
 *   vtd_iotlb_page_update              -> iotlb_miss (a miss, then the fill)
 *   hit + update                       -> iotlb_lookup
 *   vtd_iotlb_cc_hit / vtd_iotlb_cc_update -> ctx_cache_hit / ctx_cache_miss
 *   vtd_inv_desc_iotlb_{global,domain,pages} -> iommu_invalidations (IOTLB
 *       invalidation descriptors; vtd_iotlb_reset is not counted because
 *       QEMU emits it as well for every global invalidation)
 *   vtd_dmar_fault                     -> io_page_faults, one per faulting
 *       access of the emulated device (not per DMA), and only when the row
 *       has no guest-side io_page_faults (the module's count, which the
 *       isolation verdict uses, is kept).
 * amd-iommu (lab.py --iommu amd; hw/i386/amd_iommu.c, QEMU 7.2):
 *   amdvi_iotlb_hit                    -> iotlb_hit
 *   amdvi_cache_update                 -> iotlb_miss (a page walk that
 *       found a permission, then the fill: the vtd_iotlb_page_update
 *       counterpart)
 *   hit + cache_update                 -> iotlb_lookup.  Not
 *       amdvi_translation_result: QEMU emits it for every translate() call,
 *       hits, fills and blocked accesses alike, and a blocked DMA is split
 *       into 4-byte accesses (a 64-byte probe: 16 results).
 *   amdvi_pages_inval + amdvi_all_inval -> iommu_invalidations
 *       (INVALIDATE_IOMMU_PAGES / _ALL commands; amdvi_iotlb_inval is the
 *       device-IOTLB (ATS) command and is not counted)
 *   amdvi_page_fault                   -> io_page_faults.  QEMU 7.2 emits
 *       it only for a non-present or forbidding *intermediate* level; a
 *       zero (unmapped) PTE or a leaf without the permission blocks the
 *       access silently, so with Linux's page tables it reads 0.  There is
 *       no context cache event.
 * virtio-iommu-pci (--iommu virtio): it keeps no IOTLB.
 *   virtio_iommu_map                   -> iommu_maps (MAP requests)
 *   virtio_iommu_unmap                 -> iommu_invalidations (UNMAP
 *       requests: what invalidates there)
 *   virtio_iommu_report_fault          -> io_page_faults, one per blocked
 *       4-byte access.  Linux's driver only logs faults, so the module's
 *       count is always 0 there: it gives way to this one (a guest-side
 *       count above 0 would still win).
 * The vIOMMU is QEMU's -device in RUNDIR/qemu-cmdline.txt, else
 * context.iommu.vendor, else intel; only its counters are written.
 * A counter whose events were not enabled with -trace (per
 * RUNDIR/qemu-cmdline.txt when present) is not written; it is listed in
 * context.counters_unavailable instead.
 *
 * Multi-rank runs (rows with params.rank, docs/harness.md "Ranks"): rank 0
 * marks each step once, so several devices work inside one interval.  A
 * mark names a row, or the rows "<mark>/rank:<N>" of a step all ranks
 * measured together; each such row gets only the events of its own device,
 * by the requester id QEMU traces (sid = bus << 8 | devfn of params.device):
 * "sid 0x.." of vtd_iotlb_page_hit/update and vtd_dmar_fault, "bus 0x..
 * devfn 0x.." of the context-cache events, and "domain 0x.." of the
 * invalidation descriptors, mapped to a sid by the page events of the whole
 * log, as of the invalidation's place in it (a domain id freed by one
 * device is reused for another's; one seen alternating between devices
 * more than DOM_EPOCHS times is shared and not split).  Global invalidations
 * name no device and are attributed to none.  Such rows record the sid in
 * params.lab_sid and each counter's source ends in "[sid=0x..]".
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "counters_lab_int.h"
#include "ib_plan.h"

static const struct lab_counter lab_counters[] = {
	{ V_INTEL, "iotlb_hit", "lab:vtd_iotlb_page_hit", { EV_PAGE_HIT, -1 } },
	{ V_INTEL, "iotlb_miss", "lab:vtd_iotlb_page_update", { EV_PAGE_UPDATE, -1 } },
	{ V_INTEL, "iotlb_lookup", "lab:vtd_iotlb_page_hit+vtd_iotlb_page_update",
	  { EV_PAGE_HIT, EV_PAGE_UPDATE, -1 } },
	{ V_INTEL, "ctx_cache_hit", "lab:vtd_iotlb_cc_hit", { EV_CC_HIT, -1 } },
	{ V_INTEL, "ctx_cache_miss", "lab:vtd_iotlb_cc_update", { EV_CC_UPDATE, -1 } },
	{ V_INTEL, "iommu_invalidations", "lab:vtd_inv_desc_iotlb_global+domain+pages",
	  { EV_INV_GLOBAL, EV_INV_DOMAIN, EV_INV_PAGES } },
	{ V_INTEL, "io_page_faults", "lab:vtd_dmar_fault", { EV_DMAR_FAULT, -1 } },
	{ V_AMD, "iotlb_hit", "lab:amdvi_iotlb_hit", { EV_AMD_HIT, -1 } },
	{ V_AMD, "iotlb_miss", "lab:amdvi_cache_update", { EV_AMD_UPDATE, -1 } },
	{ V_AMD, "iotlb_lookup", "lab:amdvi_iotlb_hit+amdvi_cache_update",
	  { EV_AMD_HIT, EV_AMD_UPDATE, -1 } },
	{ V_AMD, "iommu_invalidations", "lab:amdvi_pages_inval+amdvi_all_inval",
	  { EV_AMD_INV_PAGES, EV_AMD_INV_ALL, -1 } },
	{ V_AMD, "io_page_faults", "lab:amdvi_page_fault", { EV_AMD_FAULT, -1 } },
	{ V_VIRTIO, "iommu_maps", "lab:virtio_iommu_map", { EV_VIRTIO_MAP, -1 } },
	{ V_VIRTIO, "iommu_invalidations", "lab:virtio_iommu_unmap", { EV_VIRTIO_UNMAP, -1 } },
	{ V_VIRTIO, "io_page_faults", "lab:virtio_iommu_report_fault", { EV_VIRTIO_FAULT, -1 } },
};
#define NCOUNTERS (sizeof(lab_counters) / sizeof(lab_counters[0]))

/*
 * Events the guest cannot see, so that its count of 0 gives way to the lab's:
 * Linux's virtio-iommu driver only logs faults (no report_iommu_fault()).
 */
static bool guest_blind(const struct lab_counter *c)
{
	return c->vendor == V_VIRTIO && !strcmp(c->name, "io_page_faults");
}


/*
 * The vIOMMU: the first "-device <model>" of an IOMMU in qemu-cmdline.txt,
 * else context.iommu.vendor (the guest's sysfs), else intel (runs from
 * before lab.py --iommu).
 */
static enum lab_vendor lab_vendor(const char *cmdline_path, json_t *ctx)
{
	static const struct {
		const char *model, *vendor;
		enum lab_vendor v;
	} models[] = { { "intel-iommu", "intel", V_INTEL },
		       { "amd-iommu", "amd", V_AMD },
		       { "virtio-iommu-pci", "virtio", V_VIRTIO } };
	char *buf = NULL, *tok, *save = NULL;
	size_t cap = 0, i;
	int next_is_dev = 0, found = -1;
	const char *cv;
	FILE *f = fopen(cmdline_path, "r");

	while (f && found < 0 && getline(&buf, &cap, f) > 0) {
		for (tok = strtok_r(buf, " \t\n'\"", &save); tok && found < 0;
		     tok = strtok_r(NULL, " \t\n'\"", &save)) {
			if (!next_is_dev) {
				next_is_dev = !strcmp(tok, "-device");
				continue;
			}
			next_is_dev = 0;
			for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
				if (!strncmp(tok, models[i].model, strlen(models[i].model)) &&
				    (tok[strlen(models[i].model)] == ',' || !tok[strlen(models[i].model)]))
					found = (int)i;
		}
	}
	free(buf);
	if (f)
		fclose(f);
	if (found >= 0)
		return models[found].v;
	cv = json_string_value(json_object_get(json_object_get(ctx, "iommu"), "vendor"));
	for (i = 0; cv && i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcmp(cv, models[i].vendor))
			return models[i].v;
	return V_INTEL;
}

/* "lab" into the array arr (once). */
static void add_lab(json_t *arr)
{
	json_t *v;
	size_t i;

	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v) ?: "", "lab"))
			return;
	json_array_append_new(arr, json_string("lab"));
}

/*
 * The QEMU trace was live over the pass the row's marks bracketed
 * (lab_marks, point.c): "lab" joins params.counters_live (the timing pass,
 * also rows from before lab_marks existed) or counting_pass.sources, or
 * both ("step": a multi-rank step's marks, cli/run_ranks.c).
 */
static void note_lab_live(json_t *row)
{
	const char *pass = json_string_value(json_object_get(row, "lab_marks"));
	json_t *params = json_object_get(row, "params");
	bool counting = pass && strcmp(pass, "timing"), timing = !pass || strcmp(pass, "counting");

	if (counting)
		add_lab(json_object_get(json_object_get(row, "counting_pass"), "sources"));
	if (timing && json_is_object(params))
		add_lab(json_object_get(params, "counters_live"));
}

#define MAX_STEP_ROWS 1024

/* The rows a mark names: the row of that name, or the step's rows
 * "<mark>/rank:0", "/rank:1", ... of a multi-rank run. */
static int step_rows(json_t *names, const struct ib_lab_rows *R, const char *mark,
		     json_t *rows[MAX_STEP_ROWS])
{
	json_t *idx = json_object_get(names, mark);
	char name[4096];
	int n = 0;

	if (idx) {
		rows[0] = R->row[json_integer_value(idx)];
		return 1;
	}
	for (n = 0; n < MAX_STEP_ROWS; n++) {
		snprintf(name, sizeof(name), "%s/rank:%d", mark, n);
		idx = json_object_get(names, name);
		if (!idx)
			break;
		rows[n] = R->row[json_integer_value(idx)];
	}
	return n;
}

/* The requester id of a PCI BDF "dddd:bb:dd.f" (or "bb:dd.f"), or -1. */
static int bdf_sid(const char *bdf)
{
	unsigned int dom, bus, dev, fn;

	if (!bdf)
		return -1;
	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) {
		if (sscanf(bdf, "%x:%x.%x", &bus, &dev, &fn) != 3)
			return -1;
	}
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	return (int)(bus << 8 | dev << 3 | fn);
}

/* Merges the counts of every interval named like m->iv[k] into row: all
 * events, or (a row of a multi-rank run with a device) its sid's only. */
/*
 * QEMU 7.2's amd-iommu caches one IOTLB entry per 4 KiB page whatever the
 * IOPTE size (amdvi_update_iotlb/amdvi_iotlb_lookup key on addr >> 12),
 * while Linux's AMD page table maps with any power-of-two size (a 4k buffer
 * may get 32 KiB or 128 KiB IOPTEs).  params.iotlb_entry_bytes tells derive
 * what one IOTLB entry covers, so the reach is counted in real entries.
 */
static void note_amd_entry_bytes(json_t *row)
{
	json_t *params = json_object_get(row, "params");

	if (json_is_object(params))
		json_object_set_new(params, "iotlb_entry_bytes", json_integer(4096));
}

static int merge_row(json_t *row, struct marks *m, size_t k, const int enabled[NEV],
		     enum lab_vendor vendor)
{
	json_t *params = json_object_get(row, "params"), *counters;
	uint64_t tot[NEV] = { 0 };
	int sid = -1, e, i;
	char src[160];
	size_t j;

	if (json_object_get(params, "rank"))
		sid = bdf_sid(json_string_value(json_object_get(params, "device")));
	for (j = k; j != NO_IV; j = m->iv[j].next) {
		if (sid < 0) {
			for (e = 0; e < NEV; e++)
				tot[e] += m->iv[j].n[e];
			continue;
		}
		for (i = 0; i < m->iv[j].nsid; i++)
			if (m->iv[j].by_sid[i].sid == sid)
				for (e = 0; e < NEV; e++)
					tot[e] += m->iv[j].by_sid[i].n[e];
	}
	if (sid >= 0)
		json_object_set_new(params, "lab_sid", json_integer(sid));
	counters = json_object_get(row, "counters");
	if (!json_is_object(counters)) {
		counters = json_object();
		json_object_set_new(row, "counters", counters);
	}
	for (j = 0; j < NCOUNTERS; j++) {
		const struct lab_counter *c = &lab_counters[j];
		json_t *old = json_object_get(counters, c->name), *o;
		const char *osrc = json_string_value(json_object_get(old, "source"));
		uint64_t v = 0;
		int x, all = 1;

		if (c->vendor != vendor)
			continue;
		for (x = 0; x < 3 && c->ev[x] >= 0; x++) {
			all &= enabled[c->ev[x]];
			v += tot[c->ev[x]];
		}
		if (!all)
			continue;
		if (old && !(osrc && !strncmp(osrc, "lab:", 4)) &&
		    !(guest_blind(c) && json_integer_value(json_object_get(old, "value")) == 0))
			continue; /* a guest-side count of the same name wins */
		if (sid >= 0)
			snprintf(src, sizeof(src), "%s[sid=0x%x]", c->source, sid);
		else
			snprintf(src, sizeof(src), "%s", c->source);
		o = json_object();
		json_object_set_new(o, "value", json_integer((json_int_t)v));
		json_object_set_new(o, "source", json_string(src));
		json_object_set_new(counters, c->name, o);
	}
	if (vendor == V_AMD)
		note_amd_entry_bytes(row);
	note_lab_live(row);
	return 1;
}

#define MAX_UNKNOWN_SHOWN 8 /* "not a row" lines, then a count */

int ib_lab_count_merge(const struct ib_lab_rows *R, const char *dir, const char *trace,
		       const char *marks_path, const char *rpath)
{
	char tpath[4096], mpath[4096], cpath[4096], err[512];
	struct marks m = { 0 };
	struct lab_limits lim;
	size_t unknown = 0;
	int enabled[NEV], ret = -1, rows_merged = 0;
	enum lab_vendor vendor;
	json_t *ctx = R->ctx, *ua, *u, *names = NULL;
	size_t k, j;

	snprintf(mpath, sizeof(mpath), "%s/marks.tsv", dir);
	snprintf(cpath, sizeof(cpath), "%s/qemu-cmdline.txt", dir);
	if (!trace)
		trace = ib_lab_trace_path(dir, tpath, sizeof(tpath));
	if (!marks_path)
		marks_path = mpath;

	lab_limits_of(R, &lim);
	if (load_marks(marks_path, &m, &lim) || count_trace(trace, &m, &lim))
		goto out;
	enabled_events(cpath, enabled);
	vendor = lab_vendor(cpath, ctx);
	/* a multi-rank run: counts split per device (first pass: domains) */
	for (k = 0; k < R->n; k++)
		if (json_object_get(json_object_get(R->row[k], "params"), "rank"))
			break;
	if (k < R->n) {
		for (j = 0; j < m.n; j++)
			memset(m.iv[j].n, 0, sizeof(m.iv[j].n));
		if (learn_domains(trace, &lim) || count_trace(trace, &m, &lim))
			goto out;
	}
	/* marks name rows: find each by name once (rows are unique by name) */
	names = json_object();
	if (!names)
		goto out;
	for (k = R->n; k-- > 0;)
		if (R->name[k])
			json_object_set_new(names, R->name[k], json_integer((json_int_t)k));

	for (k = 0; k < m.n; k++) {
		json_t *rows[MAX_STEP_ROWS];
		int nrows, r;

		/* a row measured in several intervals: first one merges all */
		if (!m.iv[k].first)
			continue;
		nrows = step_rows(names, R, m.iv[k].name, rows);
		if (!nrows) {
			if (++unknown <= MAX_UNKNOWN_SHOWN)
				fprintf(stderr, "iommubench: lab-merge: marks name %s, which is not a row of %s\n",
					shown(m.iv[k].name), rpath);
			continue;
		}
		for (r = 0; r < nrows; r++)
			rows_merged += merge_row(rows[r], &m, k, enabled, vendor);
	}
	if (unknown > MAX_UNKNOWN_SHOWN)
		fprintf(stderr, "iommubench: lab-merge: %zu more marked names are not rows of %s\n",
			unknown - MAX_UNKNOWN_SHOWN, rpath);
	/* context: unavailable lab counters (replacing an earlier merge's) */
	ua = json_object_get(ctx, "counters_unavailable");
	if (!json_is_array(ua)) {
		ua = json_array();
		json_object_set_new(ctx, "counters_unavailable", ua);
	}
	for (k = json_array_size(ua); k-- > 0;) {
		const char *n = json_string_value(json_object_get(json_array_get(ua, k), "name"));

		if (n && !strncmp(n, "lab:", 4))
			json_array_remove(ua, k);
	}
	for (j = 0; j < NCOUNTERS; j++) {
		const struct lab_counter *c = &lab_counters[j];
		int x;

		if (c->vendor != vendor)
			continue;
		for (x = 0; x < 3 && c->ev[x] >= 0; x++)
			if (!enabled[c->ev[x]])
				break;
		if (x < 3 && c->ev[x] >= 0) {
			u = json_object();
			json_object_set_new(u, "name", json_string(c->source));
			snprintf(err, sizeof(err), "%s: %s not enabled with -trace (qemu-cmdline.txt)",
				 c->name, ev_names[c->ev[x]]);
			json_object_set_new(u, "reason", json_string(err));
			json_array_append_new(ua, u);
		}
	}
	json_object_set_new(ctx, "counter_attribution",
			    json_string("lab: QEMU trace events between the BEGIN/END handshake offsets of each point (marks.tsv)"));

	fprintf(stderr, "iommubench: lab-merge: %d rows from %zu marked intervals merged into %s\n",
		rows_merged, m.n, rpath);
	ret = rows_merged;
out:
	dom_sid_free();
	json_decref(names);
	marks_free(&m);
	return ret;
}
