// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench buffer core: the pinned user buffer of a run.  Pinning, the
 * offsets a DMA engine visits inside the window, the verification pattern,
 * the sg table of the buffer and its DMA mapping, and CPU/device handover
 * of mapped ranges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "ib.h"

/*
 * Physically contiguous pieces of the pinned pages, in buffer order: what
 * dma_map_sgtable() has to map piece by piece (sg_alloc_table_from_pages()
 * merges exactly these runs).  Counted after the timed pin.
 */
static u32 ib_phys_pieces(struct page **pages, unsigned int nr)
{
	unsigned int i;
	u32 pieces = nr ? 1 : 0;

	for (i = 1; i < nr; i++)
		pieces += page_to_pfn(pages[i]) != page_to_pfn(pages[i - 1]) + 1;
	return pieces;
}

/* Pin the buffer; one PIN sample goes to thread 0's stats. */
int ib_pin(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	unsigned int nr = r->buf_len >> PAGE_SHIFT;
	u64 t0;
	int got;

	ctx->pages = kvmalloc_array(nr, sizeof(*ctx->pages), GFP_KERNEL);
	if (!ctx->pages)
		return -ENOMEM;
	t0 = ktime_get_ns();
	got = pin_user_pages_fast(r->buf_addr, nr, FOLL_WRITE | FOLL_LONGTERM,
				  ctx->pages);
	if (got < 0) {
		pr_err_ratelimited(
			"buf_addr=0x%llx: pinning %u pages failed: %d\n",
			r->buf_addr, nr, got);
		return got;
	}
	ctx->nr_pages = got;
	if (got != nr) {
		pr_err_ratelimited("buf_addr=0x%llx: only %d of %u pages could "
				   "be pinned\n",
				   r->buf_addr, got, nr);
		return -EFAULT;
	}
	ib_record(&ctx->threads[0], IOMMUBENCH_METRIC_PIN, ktime_get_ns() - t0);
	r->nr_pages_pinned = got;
	r->phys_pieces = ib_phys_pieces(ctx->pages, got);
	return 0;
}

/*
 * Unpin and free the page array, unless a device may still write the
 * buffer (ctx->leak_dma): then leaking it is the only safe choice.
 */
void ib_unpin(struct ib_run_ctx *ctx)
{
	if (ctx->leak_dma)
		return;
	if (ctx->nr_pages)
		unpin_user_pages(ctx->pages, ctx->nr_pages);
	kvfree(ctx->pages);
	ctx->pages = NULL;
	ctx->nr_pages = 0;
}

/* Next xfer_size-aligned offset inside the window, per the pattern. */
u64 ib_next_offset(struct ib_thread *t)
{
	const struct iommubench_run *r = t->ctx->run;
	u64 slots = div64_u64(r->window, r->xfer_size);
	u64 slot;

	if (r->pattern == IOMMUBENCH_PATTERN_RAND)
		div64_u64_rem(iommubench_xorshift64s(&t->rng), slots, &slot);
	else
		div64_u64_rem(t->seq++, slots, &slot);
	return slot * r->xfer_size;
}

/*
 * The byte at buffer offset pos in generation gen: each aligned 64-bit word
 * holds its own offset, xored with the generation so stale data from an
 * earlier DMA never passes for fresh data.
 */
u8 ib_pattern_byte(u64 pos, u64 gen)
{
	u64 w = (pos & ~7ULL) ^ (gen << 48) ^ 0x5a5a000000000000ULL;

	return (u8)(w >> ((pos & 7) * 8));
}

/* The pattern in a kernel buffer p holding buffer offsets [pos, pos + len). */
void ib_mem_fill(u8 *p, u64 pos, u64 len, u64 gen)
{
	u64 i;

	for (i = 0; i < len; i++)
		p[i] = ib_pattern_byte(pos + i, gen);
}

/* Number of bytes of p that do not match the pattern. */
u64 ib_mem_check(const u8 *p, u64 pos, u64 len, u64 gen)
{
	u64 i, bad = 0;

	for (i = 0; i < len; i++)
		bad += p[i] != ib_pattern_byte(pos + i, gen);
	return bad;
}

/* Fill a range of the pinned buffer with the pattern, or check it. */
static u64 ib_buf_pattern(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen,
			  bool check)
{
	u64 bad = 0;

	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int n = min_t(u64, len, PAGE_SIZE - po);
		u8 *p = kmap_local_page(ctx->pages[off >> PAGE_SHIFT]);

		if (check)
			bad += ib_mem_check(p + po, off, n, gen);
		else
			ib_mem_fill(p + po, off, n, gen);
		kunmap_local(p);
		off += n;
		len -= n;
	}
	return bad;
}

void ib_buf_fill(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen)
{
	ib_buf_pattern(ctx, off, len, gen, false);
}

/* Number of bytes in the range that do not match the pattern. */
u64 ib_buf_check(struct ib_run_ctx *ctx, u64 off, u64 len, u64 gen)
{
	return ib_buf_pattern(ctx, off, len, gen, true);
}

/*
 * A failed dma_map_sgtable() of npages pages: one log line, and an errno
 * that tells the harness this point cannot run here (docs/abi.md), rather
 * than that the benchmark broke:
 *  -EIO    -> -EADDRNOTAVAIL: the device cannot address the buffer (no
 *             translation and the pages lie above its DMA mask, nothing to
 *             bounce through);
 *  -ENOMEM -> -ENOSPC: no IOVA space left under the DMA mask (e.g. lazy
 *             mode still holds freed IOVAs in its flush queue).
 * Anything else is passed through.
 */
int ib_map_errno(struct device *dev, int ret, unsigned int npages)
{
	pr_err_ratelimited("device=%s: dma_map_sgtable of %u pages failed: %d "
			   "(dma_mask 0x%llx)\n",
			   dev_name(dev), npages, ret,
			   (unsigned long long)dma_get_mask(dev));
	if (ret == -EIO)
		return -EADDRNOTAVAIL;
	if (ret == -ENOMEM)
		return -ENOSPC;
	return ret;
}

/* Map the first npages pages of the pinned buffer once (DMA engines). */
int ib_map_buffer(struct ib_run_ctx *ctx, struct device *dev,
		  enum dma_data_direction dir, unsigned int npages)
{
	int ret;

	ret = sg_alloc_table_from_pages(&ctx->sgt, ctx->pages, npages, 0,
					(unsigned long)npages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		return ret;
	ctx->sgt_alloc = true;
	ret = dma_map_sgtable(dev, &ctx->sgt, dir, 0);
	if (ret)
		return ib_map_errno(dev, ret, npages);
	ctx->sgt_mapped = true;
	ctx->sgt_dir = dir;
	ctx->dev = dev;
	ib_describe_mapping(ctx, &ctx->sgt);
	return 0;
}

void ib_unmap_buffer(struct ib_run_ctx *ctx)
{
	if (ctx->sgt_mapped)
		dma_unmap_sgtable(ctx->dev, &ctx->sgt, ctx->sgt_dir, 0);
	ctx->sgt_mapped = false;
	if (ctx->sgt_alloc)
		sg_free_table(&ctx->sgt);
	ctx->sgt_alloc = false;
}

/*
 * DMA address of buffer offset off, and how many bytes from there are
 * contiguous in DMA space (within one DMA segment).  With an IOMMU the
 * buffer is usually one segment; with dma-direct/swiotlb there is one per
 * physically contiguous run, and a transfer must be split at boundaries.
 */
int ib_buf_dma_addr(struct ib_run_ctx *ctx, u64 off, u64 len, dma_addr_t *addr,
		    u64 *contig)
{
	struct scatterlist *sg;
	u64 pos = 0;
	int i;

	for_each_sgtable_dma_sg(&ctx->sgt, sg, i)
	{
		u64 l = sg_dma_len(sg);

		if (off < pos + l) {
			*addr = sg_dma_address(sg) + (off - pos);
			*contig = min(len, pos + l - off);
			return 0;
		}
		pos += l;
	}
	return -ERANGE;
}

/*
 * Hand a range of the mapped buffer to the CPU or back to the device; a
 * no-op on coherent translated DMA, a bounce copy under swiotlb.
 */
void ib_buf_sync(struct ib_run_ctx *ctx, u64 off, u64 len, bool for_cpu)
{
	struct scatterlist *sg;
	u64 pos = 0;
	int i;

	for_each_sgtable_dma_sg(&ctx->sgt, sg, i)
	{
		u64 l = sg_dma_len(sg), a, b;

		a = max(off, pos);
		b = min(off + len, pos + l);
		if (a < b) {
			if (for_cpu)
				dma_sync_single_range_for_cpu(
					ctx->dev, sg_dma_address(sg), a - pos,
					b - a, ctx->sgt_dir);
			else
				dma_sync_single_range_for_device(
					ctx->dev, sg_dma_address(sg), a - pos,
					b - a, ctx->sgt_dir);
		}
		pos += l;
		if (pos >= off + len)
			break;
	}
}
