/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommubench module core: the per-device state, the per-run context and
 * the services the core offers the engines (buffer core, sample core,
 * IOMMU facts, fault counters).  The engine interface is engine.h, which
 * includes this header; this header includes no engine.  The ABI lives in
 * kernels/include/uapi/iommubench.h; nothing here is visible to userspace.
 *
 * Include graph (one direction only; no header includes one above it):
 *   main.c pci.c run.c engines.c dma_iter.c -> dispatch.h -> engine.h
 *   engine_*.c                              -> engine.h   -> ib.h
 *   buffer.c sample.c iommu.c fault.c       -> ib.h
 *   ib.h -> iommubench.h (uapi), compat.h -> conftest.h (generated)
 */
#ifndef IB_H
#define IB_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/wait.h>

#include "iommubench.h"
#include "compat.h"

/* A PCI device bound to the module. */
struct ib_dev {
	struct list_head node;
	struct pci_dev *pdev;
	char name[IOMMUBENCH_NAME_LEN];
	u32 engines; /* IOMMUBENCH_ENGINE_BIT() mask */
	/* DMA mask bits wanted (an engine's probe may lower them), obtained */
	unsigned int dma_bits;
	u64 dma_mask;
	atomic_t busy; /* 1 while a run owns the device */
	bool removing; /* remove() is waiting for the run to end */
	wait_queue_head_t idle_wq;
	int fault_slot; /* index into the fault counters, -1 if none */
	void *priv;	/* state of the engine whose probe() took the device */
};

/* A raw-sample buffer or histogram shared by the run's threads. */
struct ib_metric_sink {
	u64 *samples;	     /* kernel copy, samples_cap entries */
	atomic64_t nsamples; /* next free index (may exceed cap) */
	atomic64_t *hist;    /* IOMMUBENCH_HIST_BUCKETS, NULL if unwanted */
};

struct ib_thread_stat {
	u64 count, sum, min, max;
};

struct ib_run_ctx;
struct ib_engine_ops;

/* One worker: a kthread bound to a CPU. */
struct ib_thread {
	struct ib_run_ctx *ctx;
	unsigned int idx;
	int cpu; /* -1: any */
	struct task_struct *task;
	struct ib_thread_stat st[IOMMUBENCH_METRIC_MAX];
	u64 rng;   /* iommubench_xorshift64s() state */
	u64 seq;   /* sequential offset counter */
	u64 iter;  /* iterations done (warm-up included) */
	u64 bytes; /* bytes moved in recorded iterations */
	u64 t_first, t_last;
	int err;
	void *priv; /* engine per-thread state */
};

/* Everything one IOMMUBENCH_RUN needs; built by run.c. */
struct ib_run_ctx {
	struct iommubench_run *run;
	const struct ib_engine_ops *ops;
	struct ib_dev *ibd; /* NULL for engines that use no bound device */
	struct device *dev; /* the device DMA is mapped for */
	enum dma_data_direction dir;
	/* for messages: "device=<bdf>" or "chan=<name>" */
	char target[IOMMUBENCH_NAME_LEN + 8];

	struct page **pages;
	unsigned int nr_pages;

	/* the whole buffer mapped once (DMA engines), see ib_map_buffer() */
	struct sg_table sgt;
	bool sgt_alloc, sgt_mapped;
	enum dma_data_direction sgt_dir;

	/* DMA engines: one transfer at a time, see dma_iter.c */
	struct mutex xfer_lock;
	u64 gen; /* data generation for the pattern, under xfer_lock */

	struct ib_metric_sink sink[IOMMUBENCH_METRIC_MAX];
	u32 samples_cap;

	struct ib_thread *threads;
	unsigned int nthreads;
	atomic_t running;
	struct completion all_done;
	bool stop; /* READ_ONCE/WRITE_ONCE */
	u64 deadline_ns;
	atomic_t verify_errors;
	atomic_t timeouts;
	bool leak_dma; /* a DMA never stopped: keep buffers pinned and mapped */
	void *priv;    /* engine per-run state */
};

static inline bool ib_should_stop(struct ib_run_ctx *ctx)
{
	return READ_ONCE(ctx->stop) ||
	       (ctx->ibd && READ_ONCE(ctx->ibd->removing));
}

/* buffer.c: the pinned user buffer, its sg table and mapping, the window */
int ib_pin(struct ib_run_ctx *ctx);
void ib_unpin(struct ib_run_ctx *ctx);
u64 ib_next_offset(struct ib_thread *t);
int ib_map_errno(struct device *dev, int ret, unsigned int npages);
int ib_map_buffer(struct ib_run_ctx *ctx, struct device *dev,
		  enum dma_data_direction dir, unsigned int npages);
void ib_unmap_buffer(struct ib_run_ctx *ctx);
int ib_buf_dma_addr(struct ib_run_ctx *ctx, u64 off, u64 len, dma_addr_t *addr,
		    u64 *contig);
void ib_buf_sync(struct ib_run_ctx *ctx, u64 off, u64 len, bool for_cpu);
u8 ib_pattern_byte(u64 pos, u64 gen);
void ib_buf_fill(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen);
u64 ib_buf_check(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen);
void ib_mem_fill(u8 *p, u64 pos, u64 len, u64 gen);
u64 ib_mem_check(const u8 *p, u64 pos, u64 len, u64 gen);

/* sample.c: timestamps to count/sum/min/max, histogram, raw samples */
void ib_record(struct ib_thread *t, enum iommubench_metric m, u64 ns);
int ib_alloc_sinks(struct ib_run_ctx *ctx);
void ib_free_sinks(struct ib_run_ctx *ctx);
int ib_collect(struct ib_run_ctx *ctx);

/* iommu.c: what the IOMMU does for a device */
u32 ib_domain_type(struct device *dev);
void ib_describe_mapping(struct ib_run_ctx *ctx, struct sg_table *sgt);

/* dma_iter.c: a transfer split at DMA-segment ends (engine xfer hook) */
int ib_xfer(struct ib_run_ctx *ctx, u64 off, u64 len, bool from_dev);

/* fault.c */
int ib_fault_init(void);
void ib_fault_exit(void);
int ib_fault_slot_get(struct pci_dev *pdev);
void ib_fault_slot_put(int slot);
u64 ib_fault_count(int slot);
const char *ib_fault_method(void);

#endif /* IB_H */
