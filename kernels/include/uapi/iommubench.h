/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommubench: the one kernel/user ABI shared by kernels/iommubench/ and the
 * iommubench harness.  Nothing else defines it.
 *
 * Rules (see docs/abi.md):
 *  - Every ioctl struct starts with "__u32 size": userspace sets it to the
 *    sizeof() it was compiled with.  The module reads the struct with
 *    copy_struct_from_user() semantics: a shorter struct (older tool) is
 *    zero-extended, a longer one with non-zero unknown tail bytes gets
 *    -E2BIG, a size below the v1 size or unreadable memory gets
 *    -EINVAL/-EFAULT.  The module writes back at most "size" bytes.
 *  - Because structs grow, commands are matched on type and number only;
 *    the size bits of the command are ignored.
 *  - New fields are only ever appended.  IOMMUBENCH_ABI_VERSION is bumped
 *    when the meaning of an existing field changes.
 *  - All times are raw nanoseconds; fields carry their unit in the name.
 *    No statistics are computed in the kernel.
 */
#ifndef _UAPI_IOMMUBENCH_H
#define _UAPI_IOMMUBENCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IOMMUBENCH_ABI_VERSION 1
#define IOMMUBENCH_DEV_PATH "/dev/iommubench"

/* ---- limits: checked by the harness, and again by the module ---- */
#define IOMMUBENCH_MAX_DEVICES 32
#define IOMMUBENCH_MAX_THREADS 1024
#define IOMMUBENCH_MAX_SECONDS 300
#define IOMMUBENCH_MAX_ITERATIONS (1ULL << 32)
#define IOMMUBENCH_MAX_BUF_BYTES (64ULL << 30)  /* 64 GiB */
#define IOMMUBENCH_MAX_XFER_BYTES (1ULL << 30)  /* 1 GiB per DMA */
#define IOMMUBENCH_MAX_GRANULE 262144		 /* pages per map call (1 GiB of 4K) */
#define IOMMUBENCH_MAX_SAMPLES (1U << 24)	 /* raw samples per metric */
#define IOMMUBENCH_NAME_LEN 32
#define IOMMUBENCH_MAX_BATCH 65536		 /* map engine: chunks mapped before unmapping */
#define IOMMUBENCH_MAX_BATCH_BYTES (1ULL << 30) /* threads x batch x granule pages mapped at once */

/*
 * Latency histogram: fixed log-linear layout (HdrHistogram-like), shared by
 * every metric.  With S = IOMMUBENCH_HIST_SUB_BITS (5):
 *   v < 2^S                 -> bucket v               (exact, 1 ns wide)
 *   2^e <= v < 2^(e+1), e>=S -> bucket 2^S + (e-S)*2^S + ((v >> (e-S)) - 2^S)
 * i.e. each power of two is split into 32 linear sub-buckets (relative
 * bucket width <= 1/32 = 3.1%).  Values >= 2^IOMMUBENCH_HIST_MAX_EXP
 * (about 1100 s) land in the last bucket.
 * Lower bound of bucket b (b >= 2^S): g = (b - 2^S) >> S, s = b & (2^S - 1),
 *   low = (2^S + s) << g, width = 1 << g.
 */
#define IOMMUBENCH_HIST_SUB_BITS 5
#define IOMMUBENCH_HIST_MAX_EXP 40
#define IOMMUBENCH_HIST_BUCKETS                                                \
	((1U << IOMMUBENCH_HIST_SUB_BITS) +                                    \
	 (IOMMUBENCH_HIST_MAX_EXP - IOMMUBENCH_HIST_SUB_BITS) *                 \
		 (1U << IOMMUBENCH_HIST_SUB_BITS)) /* 1152 */

/*
 * Bucket of v (ns) in the layout above.  The module and the harness both
 * bin with this one function, so their histograms add up exactly.
 */
static __inline__ __u32 iommubench_hist_bucket(__u64 v)
{
	const __u32 sub = 1U << IOMMUBENCH_HIST_SUB_BITS;
	__u32 e;

	if (v < sub)
		return (__u32)v;
	e = 63 - (__u32)__builtin_clzll(v);
	if (e >= IOMMUBENCH_HIST_MAX_EXP)
		return IOMMUBENCH_HIST_BUCKETS - 1;
	return sub + (e - IOMMUBENCH_HIST_SUB_BITS) * sub +
	       (__u32)((v >> (e - IOMMUBENCH_HIST_SUB_BITS)) - sub);
}

/*
 * xorshift64*: the generator behind pattern=rand offsets (module and
 * harness cpu engine), so a seed means the same offsets on both sides.
 * *state must not be 0; returns the next output and advances *state.
 */
static __inline__ __u64 iommubench_xorshift64s(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* IOMMU default-domain type of a device's group, as the kernel sees it. */
enum iommubench_domain_type {
	IOMMUBENCH_DOMAIN_NONE = 0, /* no IOMMU translation for this device */
	IOMMUBENCH_DOMAIN_IDENTITY, /* passthrough: IOVA == PA, no isolation */
	IOMMUBENCH_DOMAIN_DMA,	    /* translated, strict invalidation */
	IOMMUBENCH_DOMAIN_DMA_FQ,   /* translated, lazy (flush queue) */
	IOMMUBENCH_DOMAIN_BLOCKED,
	IOMMUBENCH_DOMAIN_UNMANAGED,
	IOMMUBENCH_DOMAIN_OTHER,
	IOMMUBENCH_DOMAIN_MAX,
};

/* Engines the module implements; indexes the module's ops table. */
enum iommubench_engine {
	IOMMUBENCH_ENGINE_MAP = 0,   /* dma_map_sgtable/dma_unmap_sgtable only */
	IOMMUBENCH_ENGINE_EDU,	     /* QEMU edu device DMA engine */
	IOMMUBENCH_ENGINE_DMAENGINE, /* dmaengine DMA_MEMCPY channel */
	IOMMUBENCH_ENGINE_MAX,
};

/* What to do with the engine. */
enum iommubench_op {
	IOMMUBENCH_OP_BENCH = 0,   /* timed map/unmap or DMA loop */
	IOMMUBENCH_OP_ISOLATION,   /* DMA outside the mapping / after unmap */
	IOMMUBENCH_OP_MAX,
};

enum iommubench_direction {
	IOMMUBENCH_DIR_TO_DEVICE = 0, /* RAM -> device (DMA_TO_DEVICE) */
	IOMMUBENCH_DIR_FROM_DEVICE,   /* device -> RAM (DMA_FROM_DEVICE) */
	IOMMUBENCH_DIR_BIDIR,	      /* DMA_BIDIRECTIONAL; DMA alternates */
	IOMMUBENCH_DIR_MAX,
};

enum iommubench_pattern {
	IOMMUBENCH_PATTERN_SEQ = 0,
	IOMMUBENCH_PATTERN_RAND, /* offsets from a PRNG seeded with .seed */
	IOMMUBENCH_PATTERN_MAX,
};

/* Metrics reported by a run; index into iommubench_run.stats[]. */
enum iommubench_metric {
	IOMMUBENCH_METRIC_MAP = 0, /* map_ns: one dma_map_sgtable() call */
	IOMMUBENCH_METRIC_UNMAP,   /* unmap_ns: one dma_unmap_sgtable() call */
	IOMMUBENCH_METRIC_DMA,	   /* dma_latency_ns: submit -> completion */
	IOMMUBENCH_METRIC_PIN,	   /* pin_ns: pinning the whole buffer */
	IOMMUBENCH_METRIC_MAX,
};

enum iommubench_verdict {
	IOMMUBENCH_VERDICT_NONE = 0,
	IOMMUBENCH_VERDICT_ISOLATED,	 /* stray DMA blocked, canary intact */
	IOMMUBENCH_VERDICT_NOT_ISOLATED, /* stray DMA reached memory, or identity */
	IOMMUBENCH_VERDICT_MAX,
};

/* Engines present, as bits of iommubench_dev_info.engines. */
#define IOMMUBENCH_ENGINE_BIT(e) (1U << (e))

struct iommubench_dev_info {
	char name[IOMMUBENCH_NAME_LEN]; /* PCI BDF "0000:00:03.0" */
	__u16 vendor;
	__u16 device;
	__s32 numa_node;    /* -1 = none */
	__s32 iommu_group;  /* -1 = no group */
	__u32 domain_type;  /* enum iommubench_domain_type, effective now */
	__u32 engines;	    /* IOMMUBENCH_ENGINE_BIT() mask usable on it */
	__u32 busy;	    /* a run is in progress on this device */
	__u64 dma_mask;	    /* the mask the module set */
	__u64 iommu_pgsize_bitmap; /* page sizes of its domain, 0 if none */
};

struct iommubench_info {
	__u32 size;	   /* in: sizeof(struct iommubench_info) */
	__u32 abi_version; /* out: IOMMUBENCH_ABI_VERSION */
	char release[65];  /* out: utsname()->release */
	__u8 pad[3];
	__u32 ndevices;	   /* out: entries used in devices[] */
	__u32 ndma_chans;  /* out: DMA_MEMCPY-capable dmaengine channels */
	struct iommubench_dev_info devices[IOMMUBENCH_MAX_DEVICES];
};

/* Per-metric raw figures.  count==0: metric not produced by this run. */
struct iommubench_stat {
	__u64 count;
	__u64 ns_sum;
	__u64 ns_min;
	__u64 ns_max;
	__u64 samples_written; /* raw samples copied to samples_ptr[] */
};

/* iommubench_run.flags */
#define IOMMUBENCH_F_VERIFY (1U << 0)	   /* check data after each DMA */
#define IOMMUBENCH_F_FLAGS_ALL (IOMMUBENCH_F_VERIFY)

struct iommubench_run {
	__u32 size;   /* in: sizeof(struct iommubench_run) */
	__u32 engine; /* in: enum iommubench_engine */
	__u32 op;     /* in: enum iommubench_op */
	__u32 direction; /* in: enum iommubench_direction */
	char device[IOMMUBENCH_NAME_LEN]; /* in: BDF; "" = first usable */
	char chan[IOMMUBENCH_NAME_LEN];	  /* in: dmaengine channel, "" = any */
	__u64 buf_addr;	   /* in: user buffer, page aligned */
	__u64 buf_len;	   /* in: bytes, multiple of PAGE_SIZE */
	__u64 window;	   /* in: bytes of the buffer DMAs touch (<= buf_len) */
	__u64 xfer_size;   /* in: bytes per DMA (<= window) */
	__u64 seed;	   /* in: PRNG seed for pattern=rand */
	__u32 pattern;	   /* in: enum iommubench_pattern */
	__u32 granule;	   /* in: pages per map call (map engine) */
	__u32 threads;	   /* in: kernel threads, 1..IOMMUBENCH_MAX_THREADS */
	__u32 warmup;	   /* in: iterations per thread run but not recorded */
	__u64 iterations;  /* in: recorded iterations per thread; 0 = duration */
	__u64 duration_ns; /* in: used when iterations == 0 */
	__u64 cpus_ptr;	   /* in: __u32[threads] CPU per thread; 0 = any */
	__u64 samples_ptr[IOMMUBENCH_METRIC_MAX]; /* in: __u64[samples_cap]; 0 = none */
	__u64 hist_ptr[IOMMUBENCH_METRIC_MAX];	  /* in: __u64[IOMMUBENCH_HIST_BUCKETS]; 0 = none */
	__u32 samples_cap; /* in: capacity of each samples_ptr[] array */
	__u32 flags;	   /* in: IOMMUBENCH_F_* */

	/* ---- out ---- */
	struct iommubench_stat stats[IOMMUBENCH_METRIC_MAX];
	__u64 bytes_moved;	   /* bytes DMA'd in recorded iterations */
	__u64 elapsed_ns;	   /* wall time of the recorded phase */
	__u64 iommu_pgsizes_used;  /* bitmap of IOPTE sizes backing the mapping */
	__u64 iova_base;	   /* IOVA of the first DMA segment */
	__u32 dma_segments;	   /* segments after dma_map_sgtable() */
	__u32 nr_pages_pinned;	   /* PAGE_SIZE pages pinned */
	__u32 domain_type;	   /* enum iommubench_domain_type during the run */
	__u32 verify_errors;	   /* DMAs whose data did not match */
	__u32 verdict;		   /* enum iommubench_verdict (OP_ISOLATION) */
	__u32 io_page_faults;	   /* IOMMU faults seen for the device in the run */
	__u32 canary_intact;	   /* OP_ISOLATION: 1 = canary bytes unchanged */
	__u32 timeouts;		   /* DMAs that did not complete in time */
	/* ---- appended after v1 (see IOMMUBENCH_RUN_SIZE_V1) ---- */
	__u32 phys_pieces;	   /* physically contiguous pieces of the pinned buffer */
	__u32 reserved0;	   /* must be zero */
	/* ---- appended after phys_pieces (see IOMMUBENCH_RUN_SIZE_V2) ---- */
	__u32 batch;	/* in: map engine: map this many chunks, then unmap them
			 * all, per iteration; 0 or 1 = map-unmap pairs (v2) */
	__u32 reserved1; /* must be zero */
};

/* The first published size of struct iommubench_run: older tools send it
 * and get everything up to and including timeouts back. */
#define IOMMUBENCH_RUN_SIZE_V1 \
	(__builtin_offsetof(struct iommubench_run, timeouts) + sizeof(__u32))
/* The size with phys_pieces: a tool of that size sends no batch (pairs). */
#define IOMMUBENCH_RUN_SIZE_V2 \
	(__builtin_offsetof(struct iommubench_run, reserved0) + sizeof(__u32))

#define IOMMUBENCH_IOC_MAGIC 0xB7
#define IOMMUBENCH_GET_INFO _IOWR(IOMMUBENCH_IOC_MAGIC, 0x01, struct iommubench_info)
#define IOMMUBENCH_RUN _IOWR(IOMMUBENCH_IOC_MAGIC, 0x02, struct iommubench_run)

#endif /* _UAPI_IOMMUBENCH_H */
