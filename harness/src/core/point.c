// SPDX-License-Identifier: GPL-2.0
/*
 * One point and its row (ib_point.h): placement, IOMMU mode, buffer,
 * counters, the repetition controller and the row JSON.  Moved out of
 * cli/run.c unchanged, so the timed path behaves as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_buffer.h"
#include "ib_counters.h"
#include "ib_engine.h"
#include "ib_exit.h"
#include "ib_histogram.h"
#include "ib_iommu_mode.h"
#include "ib_lab_ctl.h"
#include "ib_module.h"
#include "ib_point.h"
#include "ib_ranks.h"
#include "ib_rowschema.h"
#include "ib_repctl.h"
#include "ib_run.h"
#include "ib_stats.h"
#include "ib_visibility.h"
#include "iommubench.h"

/* The one interrupt flag: set by main.c's handler, read by the
 * controller, the engines' sample loops and the row of a cut point. */
volatile sig_atomic_t ib_interrupted;

/* Multi-rank runs (cli/run_ranks.c): the start barrier, called once right
 * before the timing pass; NULL otherwise. */
void (*ib_point_timing_hook)(void);

/* The node a NODE field resolved to for this point. */
static int point_node(const struct ib_point *pt, int field)
{
	return field == IB_F_CPU_NODE ? pt->cpu_node :
	       field == IB_F_MEM_NODE ? pt->mem_node : pt->dev_node;
}

/*
 * The row's params, written through the row schema (ib_rowschema.h): every
 * option under its field's name, in the option table's order (the key order
 * of results.json), typed as its field says: a node field as the id it
 * resolved to (plus "<name>_requested" when asked as a word), the device as
 * resolved, integers and numbers from the parsed value, text as given.
 * Then the resolved fields the point computed.
 */
static void set_params(json_t *params, const struct ib_point *pt)
{
	const struct ib_params *p = &pt->p;
	const struct ib_row_field *rf;
	int id, f;

	for (id = 0; id < IB_O_MAX; id++) {
		f = ib_options[id].name ? ib_row_field_find(ib_options[id].name) : -1;
		if (f < 0)
			continue; /* an unused engine slot (test_options: every
				   * option has its field) */
		rf = &ib_row_fields[f];
		if (rf->type == IB_FT_NODE) {
			int n = point_node(pt, f);

			json_object_set_new(params, rf->name,
					    n >= 0 ? json_integer(n) : json_null());
			if (p->node_kind[id] != IB_NODE_ID) {
				char key[64];

				snprintf(key, sizeof(key), "%s_requested", rf->name);
				json_object_set_new(params, key, json_string(p->raw[id]));
			}
		} else if (f == IB_F_DEVICE) {
			json_object_set_new(params, rf->name,
					    pt->device[0] ? json_string(pt->device) : json_null());
		} else if (p->raw[id][0]) {
			json_object_set_new(params, rf->name,
					    rf->type == IB_FT_INT || rf->type == IB_FT_NUM ?
						    json_integer((json_int_t)p->u[id]) :
						    json_string(p->raw[id]));
		}
	}
	if (!p->raw[IB_O_BUF_SIZE][0])
		json_object_set_new(params, ib_row_fields[IB_F_BUF_SIZE].name,
				    json_integer((json_int_t)ib_params_buf_size(p)));
	json_object_set_new(params, ib_row_fields[IB_F_NUMA_DISTANCE].name,
			    pt->numa_distance ? json_integer(pt->numa_distance) : json_null());
	json_object_set_new(params, ib_row_fields[IB_F_NUMA_DISTANCE_CPU_MEM].name,
			    json_integer(pt->dist_cpu_mem));
	if (pt->dev_node >= 0)
		json_object_set_new(params, ib_row_fields[IB_F_NUMA_DISTANCE_DEV_MEM].name,
				    json_integer(pt->dist_dev_mem));
	if (pt->refined)
		json_object_set_new(params, ib_row_fields[IB_F_REFINED].name, json_true());
}

static void row_status(json_t *row, const char *status, const char *reason)
{
	json_object_set_new(row, "status", json_string(status));
	if (reason && reason[0])
		json_object_set_new(row, "reason", json_string(reason));
}

/* The outcome an IB_EXIT_* code of a stage (buffer, engine) makes. */
static enum ib_point_outcome row_of(int erc)
{
	return erc == IB_EXIT_OK	? IB_POINT_OK :
	       erc == IB_EXIT_SKIPPED	? IB_POINT_SKIPPED :
	       erc == IB_EXIT_RESOURCE	? IB_POINT_SKIPPED_RESOURCE :
					  IB_POINT_ERROR;
}

/* The last point's buffer, kept for the next that asks the same
 * (ib_point_release). */
static struct {
	struct ib_buffer buf;
	char kind[IB_VAL_LEN];
	uint64_t len;
	int node;
	bool held;
} kept;

void ib_point_release(void)
{
	if (!kept.held)
		return;
	ib_buffer_free(&kept.buf);
	kept.held = false;
	ib_hugepages_restore_all();
}

/* The bytes pt's buffer maps: its length rounded up to whole pages (a
 * 64 KiB window on 1 GiB pages maps the 1 GiB page, as a 64 MiB one does). */
static uint64_t mapped_len(const struct ib_point *pt)
{
	uint64_t psz = ib_page_size_bytes(pt->p.raw[IB_O_PAGE_SIZE]);
	uint64_t len = ib_params_buf_size(&pt->p);

	return psz ? (len + psz - 1) / psz * psz : len;
}

/* Whether pt's buffer can be kept for (or taken from) the next point:
 * fresh buffers per repetition (layout=) are the point's own. */
static bool keepable(const struct ib_point *pt)
{
	return !pt->p.raw[IB_O_LAYOUT][0];
}

/* The buffer pt asks for, when it is the one kept: taken over. */
static bool take_kept(struct ib_buffer *buf, const struct ib_point *pt)
{
	const struct ib_params *p = &pt->p;

	if (!kept.held)
		return false;
	if (!keepable(pt) || strcmp(kept.kind, p->raw[IB_O_PAGE_SIZE]) ||
	    kept.len != mapped_len(pt) || kept.node != pt->mem_node) {
		ib_point_release();
		return false;
	}
	*buf = kept.buf;
	kept.held = false;
	return true;
}

/* At the point's end: its buffer kept for the next point, or freed. */
static void put_buffer(struct ib_buffer *buf, const struct ib_point *pt, bool ok)
{
	if (ok && buf->addr && keepable(pt)) {
		kept.buf = *buf;
		snprintf(kept.kind, sizeof(kept.kind), "%s", pt->p.raw[IB_O_PAGE_SIZE]);
		kept.len = mapped_len(pt);
		kept.node = pt->mem_node;
		kept.held = true;
		return;
	}
	ib_buffer_free(buf);
	ib_hugepages_restore_all();
}

/* The point's buffer: page size and node as asked (the last point's when
 * it asked the same), then its layout. */
static int buffer_get(struct ib_buffer *buf, const struct ib_point *pt,
		      char *why, size_t whylen)
{
	const struct ib_params *p = &pt->p;
	int erc;

	if (take_kept(buf, pt))
		return 0;
	erc = ib_buffer_alloc(buf, p->raw[IB_O_PAGE_SIZE], ib_params_buf_size(p),
			      pt->mem_node, why, whylen);

	if (!erc)
		erc = ib_buffer_layout(buf, p->raw[IB_O_LAYOUT], pt->mem_node, why,
				       whylen);
	return erc;
}

/* One repetition for the controller: the engine's run(); seq patterns
 * continue across repetitions (ctx->rep).  With layout= every repetition
 * after the first gets a fresh buffer (new physical pages), outside the
 * engine's timing. */
static int one_rep(void *arg, struct ib_rep *rep, char *err, size_t errlen)
{
	struct ib_run_ctx *ctx = arg;
	int erc;

	if (ctx->pt->p.raw[IB_O_LAYOUT][0] && ctx->rep > 0) {
		ib_buffer_free(ctx->buf);
		erc = buffer_get(ctx->buf, ctx->pt, err, errlen);
		if (erc)
			return erc;
	}
	erc = ctx->engine->run(ctx, rep, err, errlen);
	ctx->rep++;
	ctx->ios += rep->ios + rep->ios_untimed;
	ctx->ios_untimed += rep->ios_untimed;
	return erc;
}

/*
 * The counting pass (counters=auto with a source that costs the timed
 * path, or counters=separate): the timing pass's repetitions again, warm-up
 * included, with those sources live; its timings are discarded.  0, or the
 * failing repetition's code (why says).
 */
static int counting_pass(struct ib_run_ctx *ctx, uint64_t reps,
			 struct ib_counters *ctr, unsigned int mask,
			 struct ib_counter_set *cset, char *why, size_t whylen)
{
	struct ib_rep scratch;
	uint64_t i;
	int erc = IB_EXIT_OK;

	memset(&scratch, 0, sizeof(scratch));
	ib_counters_start_set(ctr, mask);
	for (i = 0; i < reps && !ib_interrupted && !erc; i++) {
		ib_rep_reset(&scratch);
		erc = one_rep(ctx, &scratch, why, whylen);
	}
	ib_counters_stop_set(ctr, mask, cset);
	ib_rep_free(&scratch);
	if (!erc && ib_interrupted)
		snprintf(why, whylen, "interrupted");
	return erc ? erc : ib_interrupted ? IB_EXIT_FAILED : IB_EXIT_OK;
}

/* threads > 1: how many CPUs the workers had (threads_serialized: they
 * took turns on fewer CPUs than threads, e.g. in a 1-vCPU lab). */
static void set_thread_params(json_t *params, const struct ib_point *pt,
			      const struct ib_topo *topo)
{
	uint32_t cpus[IOMMUBENCH_MAX_THREADS];
	uint64_t threads = pt->p.u[IB_O_THREADS];
	int nc;

	if (threads <= 1 || pt->cpu_node < 0)
		return;
	nc = ib_topo_node_cpus(topo, pt->cpu_node, cpus, IOMMUBENCH_MAX_THREADS);
	if (nc <= 0)
		return;
	json_object_set_new(params, "cpus_used",
			    json_integer((json_int_t)(threads < (uint64_t)nc ? threads : (uint64_t)nc)));
	json_object_set_new(params, "threads_serialized", json_boolean(threads > (uint64_t)nc));
}

/* Median, min and max of the pieces of the repetitions' buffers. */
static void set_pieces(json_t *params, struct ib_repctl *c)
{
	struct ib_summary s;

	if (!c->npieces || ib_stats_from_samples(c->pieces, c->npieces, &s))
		return;
	json_object_set_new(params, "phys_pieces", json_integer((json_int_t)(s.median + 0.5)));
	if (s.min != s.max) {
		json_object_set_new(params, "phys_pieces_min", json_integer((json_int_t)s.min));
		json_object_set_new(params, "phys_pieces_max", json_integer((json_int_t)s.max));
	}
}

/* Which pass the lab's BEGIN/END marks bracket: the QEMU trace counts
 * between them (lab-merge).  counters=none sends none: no lab counts. */
enum marks_at { MARKS_NONE, MARKS_TIMING, MARKS_COUNTING };

static enum marks_at marks_where(enum ib_counters_mode mode)
{
	/* several ranks: rank 0 marks each step around all of them */
	if (!ib_lab_active() || mode == IB_CTRS_NONE || ib_ranks.multi)
		return MARKS_NONE;
	return mode == IB_CTRS_SEPARATE ? MARKS_COUNTING : MARKS_TIMING;
}

/* One lab mark; the row records which pass the marks bracket. */
static int mark(json_t *row, const char *kind, const char *pass,
		const char *name, char *why, size_t whylen)
{
	json_object_set_new(row, "lab_marks", json_string(pass));
	if (!ib_lab_mark(kind, name))
		return 0;
	snprintf(why, whylen, "lab-ctl: %s handshake failed", kind);
	return -1;
}

/*
 * One point as it runs: what its stages share.  Each stage returns
 * IB_POINT_OK to go on, or the point's outcome with the reason in why.
 * The row's keys are set in the order the stages run (results.json keeps
 * insertion order: the golden outputs hold it).
 */
struct point_run {
	const struct ib_point *pt;
	const struct ib_params *p;
	const struct ib_engine *e;
	struct ib_counters *ctr;
	json_t *row, *params, *metrics, *counters;
	char why[1024], eff[32];
	char *brief;
	size_t blen;
	struct ib_buffer buf;
	struct ib_run_ctx ctx;
	void *opts;
	struct ib_rep rep;
	struct ib_repctl rc;
	struct ib_counter_set cset;
	struct ib_counters_split split;
	enum marks_at marks;
	bool paired_pass; /* paired ranks: a counting pass whatever the sources */
};

/* The row's fixed keys and its params (requested); the engine's options. */
static enum ib_point_outcome point_start(struct point_run *r)
{
	const struct ib_params *p = r->p;

	json_object_set_new(r->row, "name", json_string(r->pt->name));
	json_object_set_new(r->row, "bench", json_string(r->pt->job));
	json_object_set_new(r->row, "engine", json_string(p->raw[IB_O_ENGINE]));
	json_object_set_new(r->row, "run_type", json_string("measured"));
	set_params(r->params, r->pt);
	set_thread_params(r->params, r->pt, r->ctx.topo);
	json_object_set_new(r->row, "params", r->params);
	json_object_set_new(r->row, "metrics", r->metrics);
	json_object_set_new(r->row, "counters", r->counters);
	if (p->raw[IB_O_DESCRIPTION][0])
		json_object_set_new(r->row, "description", json_string(p->raw[IB_O_DESCRIPTION]));
	r->brief[0] = '\0';
	if (!r->opts) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return IB_POINT_ERROR;
	}
	ib_engine_opts_load(r->e, p, r->opts);
	r->ctx.opts = r->opts;
	if (r->pt->skip[0]) {
		snprintf(r->why, sizeof(r->why), "%s", r->pt->skip);
		return IB_POINT_SKIPPED;
	}
	return IB_POINT_OK;
}

/* params.device as the engine resolved it (a BDF), and the device asked
 * for as device_requested when it differs (nvme: /dev/nvme0n1), so that
 * rerun asks for the same device again. */
static void set_resolved_device(json_t *params, const struct ib_point *pt, const char *dev)
{
	/* the plan resolves module devices only; an engine's own is as asked */
	const char *asked = pt->device[0] ? pt->device : pt->p.raw[IB_O_DEVICE];

	json_object_set_new(params, "device", json_string(dev));
	if (asked[0] && strcmp(asked, dev))
		json_object_set_new(params, "device_requested", json_string(asked));
}

/* A device a kernel driver other than the module drives (nvme, vfio):
 * which one, bound to that driver in the IOMMU mode asked, settled. */
static enum ib_point_outcome point_bind_pci(struct point_run *r)
{
	const struct ib_engine *e = r->e;
	struct ib_run_ctx *ctx = &r->ctx;
	int erc;

	erc = e->pci_device(r->pt, ctx->device, sizeof(ctx->device), r->why, sizeof(r->why));
	if (!erc)
		erc = ib_iommu_mode_apply_bind(ctx->device,
					       ib_engine_takes(e, IB_O_IOMMU_MODE) ?
						       r->p->raw[IB_O_IOMMU_MODE] : "current",
					       e->bind_driver, r->eff, sizeof(r->eff), r->why,
					       sizeof(r->why));
	if (!erc && e->settle)
		erc = e->settle(r->pt, ctx->device, r->why, sizeof(r->why));
	if (ctx->device[0])
		set_resolved_device(r->params, r->pt, ctx->device);
	if (erc)
		return row_of(erc);
	/* a device another driver took over (vfio-pci) is in that driver's
	 * domain, not its group's default type */
	if (!e->bind_driver)
		json_object_set_new(r->params, "iommu_mode_effective", json_string(r->eff));
	return IB_POINT_OK;
}

/* Before the timing: the device (bound, supported, its IOMMU mode set)
 * and the buffer, each with what was obtained. */
static enum ib_point_outcome point_prepare(struct point_run *r)
{
	const struct ib_engine *e = r->e;
	const struct ib_point *pt = r->pt;
	enum ib_point_outcome rc;
	int erc;

	/* a module device this run rebound (to vfio-pci, say) goes back to the
	 * module before the module is asked about it */
	if ((e->flags & IB_ENG_NEEDS_DEVICE) && pt->device[0]) {
		erc = ib_iommu_mode_apply_bind(pt->device, "current", "iommubench", r->eff,
					       sizeof(r->eff), r->why, sizeof(r->why));
		if (erc)
			return row_of(erc);
	}
	if (e->supported && e->supported(pt, r->why, sizeof(r->why)))
		return IB_POINT_SKIPPED;
	if (e->flags & IB_ENG_NEEDS_DEVICE) {
		erc = ib_iommu_mode_apply(pt->device, r->p->raw[IB_O_IOMMU_MODE], r->eff,
					  sizeof(r->eff), r->why, sizeof(r->why));
		if (erc)
			return row_of(erc);
		json_object_set_new(r->params, "iommu_mode_effective", json_string(r->eff));
	}
	if (e->pci_device && (rc = point_bind_pci(r)) != IB_POINT_OK)
		return rc;
	erc = buffer_get(&r->buf, pt, r->why, sizeof(r->why));
	if (r->buf.page_size_obtained)
		json_object_set_new(r->params, "page_size_obtained",
				    json_integer((json_int_t)r->buf.page_size_obtained));
	if (r->buf.mem_node_obtained >= 0 || erc == 0)
		json_object_set_new(r->params, "mem_node_obtained",
				    json_integer(r->buf.mem_node_obtained));
	return erc ? row_of(erc) : IB_POINT_OK;
}

/*
 * The timing pass: only the sources that cost the timed path nothing are
 * live (counters=); the lab's marks bracket the pass whose counts the QEMU
 * trace gives (lab-merge reads lab_marks).
 */
static enum ib_point_outcome point_timing_pass(struct point_run *r)
{
	struct ib_run_ctx *ctx = &r->ctx;
	json_t *params = r->params;
	int erc;

	json_object_set_new(params, "counters_live", json_array());
	ib_counters_names_json(r->ctr, r->split.timing, json_object_get(params, "counters_live"));
	if (r->marks == MARKS_TIMING &&
	    mark(r->row, "BEGIN", "timing", r->pt->name, r->why, sizeof(r->why)))
		return IB_POINT_ERROR;
	if (ib_point_timing_hook)
		ib_point_timing_hook();
	ib_counters_start_set(r->ctr, r->split.timing);
	erc = ib_repctl_run(&r->rc, one_rep, ctx, &r->rep, r->why, sizeof(r->why));
	ib_counters_stop_set(r->ctr, r->split.timing, &r->cset);
	if (r->marks == MARKS_TIMING &&
	    mark(r->row, "END", "timing", r->pt->name, r->why, sizeof(r->why)) && !erc)
		erc = IB_EXIT_FAILED;
	/* I/O engines: the reads each pass issued, warm-up included, to put
	 * the pass's counters per I/O (lab counters: the timing pass) */
	if (ctx->ios)
		json_object_set_new(params, "ios_timing_pass", json_integer((json_int_t)ctx->ios));
	if (ctx->ios_untimed) /* of those, outside the timed windows (not in iops) */
		json_object_set_new(params, "ios_untimed_timing_pass",
				    json_integer((json_int_t)ctx->ios_untimed));
	if (ctx->device[0]) { /* an engine that resolved its own device */
		set_resolved_device(params, r->pt, ctx->device);
		json_object_set_new(params, "dev_node", ctx->dev_node >= 0 ?
					json_integer(ctx->dev_node) : json_null());
	}
	if (ctx->simulated) /* a fake device: nothing in this row is measured */
		json_object_set_new(params, "simulated", json_string(ctx->simulated));
	return erc ? row_of(erc) : IB_POINT_OK;
}

/* The counting pass, when a source waits for it (or the lab's marks
 * bracket it): the same repetitions again, timings dropped.  A failed
 * counting pass leaves the timings standing, without counts. */
static enum ib_point_outcome point_counting_pass(struct point_run *r)
{
	json_t *cp, *srcs;
	char cwhy[512] = "";
	uint64_t n = r->rc.warmup + r->rc.reps, ios0 = r->ctx.ios, un0 = r->ctx.ios_untimed;
	int erc;

	if (!(r->split.counting || r->marks == MARKS_COUNTING || r->paired_pass) || ib_interrupted)
		return IB_POINT_OK;
	cp = json_object();
	srcs = json_array();
	ib_counters_names_json(r->ctr, r->split.counting, srcs);
	json_object_set_new(cp, "sources", srcs);
	json_object_set_new(cp, "repetitions", json_integer((json_int_t)n));
	json_object_set_new(r->row, "counting_pass", cp);
	if (r->marks == MARKS_COUNTING &&
	    mark(r->row, "BEGIN", "counting", r->pt->name, r->why, sizeof(r->why)))
		return IB_POINT_ERROR;
	erc = counting_pass(&r->ctx, n, r->ctr, r->split.counting, &r->cset, cwhy, sizeof(cwhy));
	if (r->ctx.ios > ios0)
		json_object_set_new(cp, "ios", json_integer((json_int_t)(r->ctx.ios - ios0)));
	if (r->ctx.ios_untimed > un0)
		json_object_set_new(cp, "ios_untimed",
				    json_integer((json_int_t)(r->ctx.ios_untimed - un0)));
	if (r->marks == MARKS_COUNTING &&
	    mark(r->row, "END", "counting", r->pt->name, r->why, sizeof(r->why)))
		return IB_POINT_ERROR;
	/* the timings stand; counts of a cut pass would not match them */
	if (erc) {
		json_object_set_new(cp, "error", json_string(cwhy));
		r->cset.n = 0;
	}
	return IB_POINT_OK;
}

/* What the passes gave is a measurement as asked: enough repetitions,
 * and only the metrics the engine declares. */
static enum ib_point_outcome point_check(struct point_run *r)
{
	unsigned int undeclared;

	/* A point the signal cut short of min_reps was not measured as asked:
	 * an error row saying so, never "ok" with too few repetitions. */
	if (ib_interrupted && r->rc.reps < r->p->u[IB_O_MIN_REPS]) {
		snprintf(r->why, sizeof(r->why),
			 "interrupted after %llu of min_reps %llu repetitions",
			 (unsigned long long)r->rc.reps,
			 (unsigned long long)r->p->u[IB_O_MIN_REPS]);
		json_object_set_new(r->row, "repetitions", json_integer((json_int_t)r->rc.reps));
		return IB_POINT_ERROR;
	}
	/* A bug guard: an engine reports only the metrics its descriptor
	 * declares (help, derive and the report go by the descriptor). */
	undeclared = (ib_metrics_present(r->rc.m, &r->rc.bw) |
		      (r->rc.iops.n ? IB_MB_IOPS : 0)) & ~r->e->metrics;
	if (undeclared) {
		char names[256];

		ib_engine_metric_names(undeclared, names, sizeof(names));
		snprintf(r->why, sizeof(r->why),
			 "engine %s produced %s, not among the metrics it declares",
			 r->e->name, names);
		json_object_set_new(r->row, "repetitions", json_integer((json_int_t)r->rc.reps));
		return IB_POINT_ERROR;
	}
	return IB_POINT_OK;
}

/*
 * m's full distribution (ib_histogram.h) into mj.histogram: the module's
 * buckets (merged over repetitions by adding) where it gave them, with
 * the exact samples folded in by ib_metric_summary; else the harness's
 * own binning of its exact samples, the same uapi layout.
 */
static void metric_histogram(json_t *mj, const struct ib_metric_data *m)
{
	uint64_t *h = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*h));
	json_t *hj;
	size_t i;

	if (!h)
		return;
	if (m->hist && m->h_count)
		memcpy(h, m->hist, IOMMUBENCH_HIST_BUCKETS * sizeof(*h));
	for (i = 0; i < m->n; i++)
		h[ib_hist_bucket(m->v[i] > 0 ? (uint64_t)m->v[i] : 0)]++;
	hj = ib_hist_json(h);
	if (hj)
		json_object_set_new(mj, "histogram", hj);
	free(h);
}

/* The metrics (stats.c's summaries) and the console's brief line. */
static void point_metrics(struct point_run *r)
{
	struct ib_repctl *c = &r->rc;
	struct ib_summary s, bs;
	char tmp[64];
	size_t off;
	json_t *mj;
	int k;

	for (k = 0; k < IB_M_MAX; k++) {
		bool exact = ib_metric_exact(&c->m[k]);

		if (ib_metric_summary(&c->m[k], &s))
			continue;
		/* fresh buffers: the CI is the between-buffer one */
		if (!ib_repctl_between(c, k, &bs)) {
			s.ci95_low = bs.ci95_low;
			s.ci95_high = bs.ci95_high;
		}
		/* false: percentiles at histogram resolution (IB_SAMPLES_MAX) */
		mj = ib_metric_json(&s, "ns");
		json_object_set_new(mj, "exact", json_boolean(exact));
		metric_histogram(mj, &c->m[k]);
		if (c->per_buffer && c->nrep_median[k]) {
			json_object_set_new(mj, "ci_over", json_string("buffers"));
			json_object_set_new(mj, "buffers",
					    json_integer((json_int_t)c->nrep_median[k]));
		}
		json_object_set_new(r->metrics, ib_metric_names[k], mj);
		if (!r->brief[0] || k == IB_M_DMA_LATENCY) {
			ib_stats_human(s.median, "ns", tmp, sizeof(tmp));
			snprintf(r->brief, r->blen, "%s median %s (n=%llu, ci95 +-%.2f%%)",
				 ib_metric_names[k], tmp, (unsigned long long)s.n,
				 s.median ? 50.0 * (s.ci95_high - s.ci95_low) / s.median : 0);
		}
	}
	if (c->bw.n && !ib_metric_summary(&c->bw, &s)) {
		off = strlen(r->brief);
		mj = ib_metric_json(&s, "bytes_per_s");
		json_object_set_new(mj, "exact", json_boolean(ib_metric_exact(&c->bw)));
		json_object_set_new(r->metrics, "bandwidth_bytes_per_s", mj);
		ib_stats_human(s.median, "bytes_per_s", tmp, sizeof(tmp));
		snprintf(r->brief + off, r->blen - off, "%sbandwidth %s", off ? ", " : "", tmp);
	}
	if (c->iops.n && !ib_metric_summary(&c->iops, &s)) {
		bool pps = r->e->metrics & IB_MB_PPS;

		off = strlen(r->brief);
		mj = ib_metric_json(&s, pps ? "packets_per_s" : "ios_per_s");
		json_object_set_new(mj, "exact", json_boolean(ib_metric_exact(&c->iops)));
		json_object_set_new(r->metrics, pps ? "pps" : "iops", mj);
		snprintf(r->brief + off, r->blen - off, "%s%.0f %s", off ? ", " : "", s.median,
			 pps ? "pps" : "iops");
	}
}

/* What the module says the mapping was (IOPTE sizes, segments, pieces,
 * the effective mode) and, for op=isolation, the verdict. */
static void point_facts(struct point_run *r)
{
	const struct ib_rep *f = &r->rc.facts;
	json_t *sizes, *c;
	int k;

	if (!r->rc.have_facts)
		return;
	sizes = json_array();
	for (k = 12; k < 64; k++)
		if (f->iommu_pgsizes_used & (1ULL << k))
			json_array_append_new(sizes, json_integer(1LL << k));
	json_object_set_new(r->params, "iommu_page_sizes", sizes);
	json_object_set_new(r->params, "dma_segments", json_integer(f->dma_segments));
	set_pieces(r->params, &r->rc);
	json_object_set_new(r->params, "iommu_mode_effective",
			    json_string(ib_domain_type_mode(f->domain_type)));
	if (r->p->u[IB_O_OP] != IOMMUBENCH_OP_ISOLATION)
		return;
	c = json_object();
	json_object_set_new(r->row, "verdict",
			    json_string(f->verdict == IOMMUBENCH_VERDICT_ISOLATED ? "isolated" :
					f->verdict == IOMMUBENCH_VERDICT_NOT_ISOLATED ?
									"not_isolated" :
									"none"));
	json_object_set_new(c, "value", json_integer(f->io_page_faults));
	json_object_set_new(c, "source", json_string("module:iommubench/fault"));
	json_object_set_new(r->counters, "io_page_faults", c);
	snprintf(r->brief, r->blen, "verdict %s, %u IOMMU faults",
		 json_string_value(json_object_get(r->row, "verdict")), f->io_page_faults);
}

/* params.iommu_visibility: what translated the device's DMA (ib_visibility.h),
 * for the device the row resolved (or the machine's, when it resolved none). */
static void set_visibility(struct point_run *r)
{
	const char *dev = json_string_value(json_object_get(r->params,
							    ib_row_fields[IB_F_DEVICE].name));
	bool no_dma = !(r->e->flags & (IB_ENG_DMA | IB_ENG_NEEDS_MODULE | IB_ENG_HOST_DEVICE));

	json_object_set_new(r->params, ib_row_fields[IB_F_IOMMU_VISIBILITY].name,
			    json_string(ib_iommu_visibility(dev, r->e->bind_driver != NULL, no_dma,
							    NULL, 0)));
}

/* The row from what the passes gave: metrics, facts, counters. */
static enum ib_point_outcome point_row(struct point_run *r)
{
	int k;

	point_metrics(r);
	point_facts(r);
	for (k = 0; k < r->cset.n; k++) {
		json_t *c = json_object();

		json_object_set_new(c, "value", json_integer((json_int_t)r->cset.c[k].value));
		json_object_set_new(c, "source", json_string(r->cset.c[k].source));
		json_object_set_new(r->counters, r->cset.c[k].name, c);
	}
	json_object_set_new(r->row, "repetitions", json_integer((json_int_t)r->rc.reps));
	json_object_set_new(r->row, "converged", json_boolean(r->rc.converged));
	if (!json_object_size(r->metrics) && r->p->u[IB_O_OP] != IOMMUBENCH_OP_ISOLATION) {
		snprintf(r->why, sizeof(r->why), "engine %s produced no samples", r->e->name);
		return IB_POINT_ERROR;
	}
	return IB_POINT_OK;
}

/* One point, stage by stage; the row says how it ended. */
enum ib_point_outcome ib_point_run(const struct ib_point *pt,
				   const struct ib_topo *topo,
				   struct ib_counters *ctr, json_t *row,
				   char *brief, size_t blen)
{
	static enum ib_point_outcome (*const stages[])(struct point_run *) = {
		point_start, point_prepare, point_timing_pass, point_counting_pass,
		point_check, point_row,
	};
	struct point_run *r = calloc(1, sizeof(*r));
	const struct ib_engine *e = ib_engine_find(pt->p.raw[IB_O_ENGINE]);
	enum ib_counters_mode mode = (enum ib_counters_mode)pt->p.u[IB_O_COUNTERS];
	enum ib_point_outcome rc = IB_POINT_OK;
	size_t i;

	if (!r) {
		snprintf(brief, blen, "out of memory");
		json_object_set_new(row, "name", json_string(pt->name));
		row_status(row, "error", brief);
		return IB_POINT_ERROR;
	}
	r->pt = pt;
	r->p = &pt->p;
	r->e = e;
	r->ctr = ctr;
	r->row = row;
	r->params = json_object();
	r->metrics = json_object();
	r->counters = json_object();
	r->brief = brief;
	r->blen = blen;
	r->ctx = (struct ib_run_ctx){ .engine = e, .pt = pt, .buf = &r->buf, .topo = topo,
				      .dev_node = -1 };
	r->opts = calloc(1, e->opts_size ? e->opts_size : 1);
	r->split = ib_counters_plan(ctr, mode, e->flags & IB_ENG_TIMES_MAPS);
	r->marks = marks_where(mode);
	ib_repctl_init(&r->rc, r->p);
	r->rc.per_buffer = r->p->raw[IB_O_LAYOUT][0] != '\0';
	if (ib_ranks.multi && (e->flags & IB_ENG_RANK_PAIRS)) {
		r->rc.min_reps = r->rc.max_reps;
		r->rc.max_time_ns = UINT64_MAX;
		/* both sides run the counting pass or neither: decided by the
		 * mode and the engine, not by this host's sources (a rank other
		 * than a host's first opens none) */
		r->paired_pass = mode == IB_CTRS_SEPARATE ||
				 (mode == IB_CTRS_AUTO && (e->flags & IB_ENG_TIMES_MAPS));
	}

	for (i = 0; i < sizeof(stages) / sizeof(stages[0]) && rc == IB_POINT_OK; i++)
		rc = stages[i](r);
	if (json_object_get(row, "params") == r->params)
		set_visibility(r);
	if (rc == IB_POINT_OK)
		row_status(row, "ok", NULL);
	else
		row_status(row, rc == IB_POINT_ERROR ? "error" : "skipped", r->why);
	if (rc != IB_POINT_OK)
		snprintf(brief, blen, "%s", r->why);
	ib_rep_free(&r->rep);
	ib_repctl_free(&r->rc);
	free(r->opts);
	put_buffer(&r->buf, pt, rc == IB_POINT_OK && !ib_interrupted);
	free(r);
	return rc;
}
