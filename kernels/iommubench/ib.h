/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommubench module internals: the per-device state, the per-run context
 * shared by the engines, and the engine ops table.  The ABI lives in
 * kernels/include/uapi/iommubench.h; nothing here is visible to userspace.
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

/* QEMU edu device (hw/misc/edu.c) */
#define IB_EDU_VENDOR 0x1234
#define IB_EDU_DEVICE 0x11e8
#define IB_EDU_IRQ_STATUS 0x24
#define IB_EDU_IRQ_ACK 0x64
#define IB_EDU_DMA_SRC 0x80
#define IB_EDU_DMA_DST 0x88
#define IB_EDU_DMA_CNT 0x90
#define IB_EDU_DMA_CMD 0x98
#define IB_EDU_CMD_RUN BIT(0)
#define IB_EDU_CMD_TO_RAM BIT(1) /* 1: edu -> RAM, 0: RAM -> edu */
#define IB_EDU_CMD_IRQ BIT(2)
#define IB_EDU_DMA_IRQ 0x100
#define IB_EDU_BUF_ADDR 0x40000
/*
 * The edu buffer is 4096 bytes, but QEMU 7.2 aborts on a transfer that ends
 * exactly at its end; keep offset + count strictly below 4096.
 */
#define IB_EDU_MAX_XFER 4095

/* A PCI device bound to the module. */
struct ib_dev {
	struct list_head node;
	struct pci_dev *pdev;
	char name[IOMMUBENCH_NAME_LEN];
	u32 engines; /* IOMMUBENCH_ENGINE_BIT() mask */
	u64 dma_mask;
	atomic_t busy; /* 1 while a run owns the device */
	bool removing; /* remove() is waiting for the run to end */
	wait_queue_head_t idle_wq;
	int fault_slot; /* index into the fault counters, -1 if none */

	/* edu only */
	void __iomem *bar;
	int irq;
	struct completion edu_done;
	struct mutex edu_lock; /* one DMA engine: one transfer at a time */
	bool edu_broken;       /* a DMA never stopped: do not touch again */
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

/* One worker: a kthread bound to a CPU. */
struct ib_thread {
	struct ib_run_ctx *ctx;
	unsigned int idx;
	int cpu; /* -1: any */
	struct task_struct *task;
	struct ib_thread_stat st[IOMMUBENCH_METRIC_MAX];
	u64 rng;   /* xorshift64 state */
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
	struct ib_dev *ibd;
	struct device *dev; /* the device DMA is mapped for */
	enum dma_data_direction dir;

	struct page **pages;
	unsigned int nr_pages;

	/* the whole buffer mapped once (DMA engines), see ib_map_buffer() */
	struct sg_table sgt;
	bool sgt_alloc, sgt_mapped;
	enum dma_data_direction sgt_dir;

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

struct ib_engine_ops {
	const char *name;
	/* once per run, before the threads: map the buffer, get channels */
	int (*prepare)(struct ib_run_ctx *ctx);
	void (*unprepare)(struct ib_run_ctx *ctx);
	int (*thread_init)(struct ib_thread *t);
	void (*thread_exit)(struct ib_thread *t);
	/* one iteration; record == false during warm-up */
	int (*iter)(struct ib_thread *t, bool record);
	/* IOMMUBENCH_OP_ISOLATION; NULL when the engine cannot do it */
	int (*isolation)(struct ib_run_ctx *ctx);
};

extern const struct ib_engine_ops ib_map_ops;
extern const struct ib_engine_ops ib_edu_ops;
extern const struct ib_engine_ops ib_dmaengine_ops;

/* pci.c */
int ib_pci_init(void);
void ib_pci_exit(void);
struct ib_dev *ib_dev_claim(const char *name, u32 engine_bit, int *err);
void ib_dev_release(struct ib_dev *ibd);
int ib_fill_info(struct iommubench_info *info);

/* main.c */
int ib_copy_in(void *dst, size_t ksize, size_t v1size, const void __user *uarg,
	       u32 *usize, const char *what);

/* run.c */
long ib_ioctl_run(void __user *uarg);

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

/* sample.c: timestamps to count/sum/min/max, histogram, raw samples */
void ib_record(struct ib_thread *t, enum iommubench_metric m, u64 ns);
int ib_alloc_sinks(struct ib_run_ctx *ctx);
void ib_free_sinks(struct ib_run_ctx *ctx);
int ib_collect(struct ib_run_ctx *ctx);

/* iommu.c: what the IOMMU does for a device */
u32 ib_domain_type(struct device *dev);
void ib_describe_mapping(struct ib_run_ctx *ctx, struct sg_table *sgt);

static inline bool ib_should_stop(struct ib_run_ctx *ctx)
{
	return READ_ONCE(ctx->stop) ||
	       (ctx->ibd && READ_ONCE(ctx->ibd->removing));
}

/* fault.c */
int ib_fault_init(void);
void ib_fault_exit(void);
int ib_fault_slot_get(struct pci_dev *pdev);
void ib_fault_slot_put(int slot);
u64 ib_fault_count(int slot);
const char *ib_fault_method(void);

/* engine_edu.c */
int ib_edu_probe(struct ib_dev *ibd);
void ib_edu_remove(struct ib_dev *ibd);

/* engine_dmaengine.c */
u32 ib_dmaengine_count_chans(void);

#endif /* IB_H */
