// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench engine "edu": real DMA through the IOMMU with QEMU's edu
 * device (hw/misc/edu.c), the lab's stand-in for a DMA-capable device.
 *
 * The edu DMA engine copies up to 4095 bytes (QEMU 7.2 off-by-one, see
 * ib.h) between RAM and its internal buffer; it completes 100 ms of virtual
 * time after the start and raises an interrupt, so the thread sleeps in
 * wait_for_completion_timeout().  Under -icount the guest's idle time is
 * skipped, which makes hundreds of DMAs per second possible.
 *
 * It also implements the isolation check (IOMMUBENCH_OP_ISOLATION).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "ib.h"

static unsigned int edu_timeout_ms = 10000;
module_param(edu_timeout_ms, uint, 0644);
MODULE_PARM_DESC(edu_timeout_ms, "wall-clock limit for one edu DMA (ms)");

/* per-run state */
struct ib_edu_run {
	void *scratch; /* coherent page: the far end of round trips */
	dma_addr_t scratch_dma;
	u64 gen; /* data generation for the pattern */
};

static irqreturn_t ib_edu_irq(int irq, void *data)
{
	struct ib_dev *ibd = data;
	u32 st = readl(ibd->bar + IB_EDU_IRQ_STATUS);

	if (!st || st == ~0U)
		return IRQ_NONE;
	writel(st, ibd->bar + IB_EDU_IRQ_ACK);
	if (st & IB_EDU_DMA_IRQ)
		complete(&ibd->edu_done);
	return IRQ_HANDLED;
}

int ib_edu_probe(struct ib_dev *ibd)
{
	struct pci_dev *pdev = ibd->pdev;
	int ret, nvec;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, "iommubench");
	if (ret)
		goto err_disable;
	ibd->bar = pci_iomap(pdev, 0, 0);
	if (!ibd->bar) {
		ret = -ENOMEM;
		goto err_region;
	}
	pci_set_master(pdev);
	nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (nvec < 0) {
		ret = nvec;
		goto err_unmap;
	}
	ibd->irq = pci_irq_vector(pdev, 0);
	/* drop whatever a previous driver left pending */
	writel(readl(ibd->bar + IB_EDU_IRQ_STATUS), ibd->bar + IB_EDU_IRQ_ACK);
	ret = request_irq(ibd->irq, ib_edu_irq, IRQF_SHARED, "iommubench-edu",
			  ibd);
	if (ret)
		goto err_vec;
	return 0;

err_vec:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_clear_master(pdev);
	pci_iounmap(pdev, ibd->bar);
err_region:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

void ib_edu_remove(struct ib_dev *ibd)
{
	struct pci_dev *pdev = ibd->pdev;

	free_irq(ibd->irq, ibd);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, ibd->bar);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
}

/*
 * One edu DMA, caller holds edu_lock.  edu_off is the offset in the edu
 * buffer.  Returns 0, -ETIMEDOUT (the DMA finished late: counted, run
 * continues) or -EIO (the engine never stopped: the device is retired).
 */
static int ib_edu_dma_one(struct ib_run_ctx *ctx, dma_addr_t ram, u32 edu_off,
			  u32 cnt, bool to_ram)
{
	struct ib_dev *ibd = ctx->ibd;
	void __iomem *b = ibd->bar;
	u64 edu = IB_EDU_BUF_ADDR + edu_off;
	unsigned long left;
	int i;

	if (ibd->edu_broken)
		return -EIO;
	reinit_completion(&ibd->edu_done);
	writeq(to_ram ? edu : ram, b + IB_EDU_DMA_SRC);
	writeq(to_ram ? ram : edu, b + IB_EDU_DMA_DST);
	writeq(cnt, b + IB_EDU_DMA_CNT);
	writeq(IB_EDU_CMD_RUN | IB_EDU_CMD_IRQ |
		       (to_ram ? IB_EDU_CMD_TO_RAM : 0),
	       b + IB_EDU_DMA_CMD);
	left = wait_for_completion_timeout(&ibd->edu_done,
					   msecs_to_jiffies(edu_timeout_ms));
	if (left)
		return 0;
	atomic_inc(&ctx->timeouts);
	/* never touch the buffer again while the engine may still write it */
	for (i = 0; i < 1000; i++) {
		if (!(readq(b + IB_EDU_DMA_CMD) & IB_EDU_CMD_RUN))
			return -ETIMEDOUT;
		msleep(10);
	}
	ibd->edu_broken = true;
	ctx->leak_dma = true;
	pr_err("device=%s: edu DMA did not stop; device retired, buffer leaked "
	       "on purpose\n",
	       ibd->name);
	return -EIO;
}

/* A transfer of len bytes at buffer offset off, split at DMA segment ends. */
static int ib_edu_xfer(struct ib_run_ctx *ctx, u64 off, u64 len, bool to_ram)
{
	u64 done = 0;
	int ret;

	while (done < len) {
		dma_addr_t a;
		u64 n;

		ret = ib_buf_dma_addr(ctx, off + done, len - done, &a, &n);
		if (ret)
			return ret;
		ret = ib_edu_dma_one(ctx, a, done, n, to_ram);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

/* The scratch page <-> edu buffer, used to fill or read back the edu side. */
static int ib_edu_scratch(struct ib_run_ctx *ctx, u32 len, bool to_ram)
{
	struct ib_edu_run *er = ctx->priv;

	return ib_edu_dma_one(ctx, er->scratch_dma, 0, len, to_ram);
}

static int ib_edu_prepare(struct ib_run_ctx *ctx)
{
	struct ib_edu_run *er;

	if (ctx->ibd->edu_broken) {
		pr_err("device=%s: retired after a stuck DMA\n",
		       ctx->ibd->name);
		return -EIO;
	}
	er = kzalloc(sizeof(*er), GFP_KERNEL);
	if (!er)
		return -ENOMEM;
	ctx->priv = er;
	er->scratch = dma_alloc_coherent(ctx->dev, PAGE_SIZE, &er->scratch_dma,
					 GFP_KERNEL);
	if (!er->scratch)
		return -ENOMEM;
	if (ctx->run->op != IOMMUBENCH_OP_BENCH)
		return 0;
	return ib_map_buffer(ctx, ctx->dev, ctx->dir, ctx->nr_pages);
}

static void ib_edu_unprepare(struct ib_run_ctx *ctx)
{
	struct ib_edu_run *er = ctx->priv;

	if (!er)
		return;
	if (er->scratch && !ctx->leak_dma)
		dma_free_coherent(ctx->dev, PAGE_SIZE, er->scratch,
				  er->scratch_dma);
	kfree(er);
	ctx->priv = NULL;
}

static void ib_fill_scratch(struct ib_edu_run *er, u64 pos, u32 len, u64 gen)
{
	u8 *p = er->scratch;
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = ib_pattern_byte(pos + i, gen);
}

static u32 ib_check_scratch(struct ib_edu_run *er, u64 pos, u32 len, u64 gen)
{
	u8 *p = er->scratch;
	u32 i, bad = 0;

	for (i = 0; i < len; i++)
		bad += p[i] != ib_pattern_byte(pos + i, gen);
	return bad;
}

static int ib_edu_iter(struct ib_thread *t, bool record)
{
	struct ib_run_ctx *ctx = t->ctx;
	const struct iommubench_run *r = ctx->run;
	struct ib_edu_run *er = ctx->priv;
	bool verify = r->flags & IOMMUBENCH_F_VERIFY;
	u64 off = ib_next_offset(t);
	u32 len = r->xfer_size;
	bool to_ram;
	u64 gen, t0, t1;
	int ret;

	if (r->direction == IOMMUBENCH_DIR_BIDIR)
		to_ram = t->iter & 1;
	else
		to_ram = r->direction == IOMMUBENCH_DIR_FROM_DEVICE;

	mutex_lock(&ctx->ibd->edu_lock);
	gen = ++er->gen;
	if (verify) {
		if (to_ram) {
			/* load the edu buffer with the pattern for off */
			ib_fill_scratch(er, off, len, gen);
			ret = ib_edu_scratch(ctx, len, false);
		} else {
			ib_buf_fill(ctx, off, len, gen);
			ib_buf_sync(ctx, off, len, false);
			ret = 0;
		}
		if (ret)
			goto out;
	}
	t0 = ktime_get_ns();
	ret = ib_edu_xfer(ctx, off, len, to_ram);
	t1 = ktime_get_ns();
	if (ret)
		goto out;
	if (verify) {
		u64 bad;

		if (to_ram) {
			ib_buf_sync(ctx, off, len, true);
			bad = ib_buf_check(ctx, off, len, gen);
		} else {
			/* round trip: edu -> scratch, compare */
			memset(er->scratch, 0, len);
			ret = ib_edu_scratch(ctx, len, true);
			if (ret)
				goto out;
			bad = ib_check_scratch(er, off, len, gen);
		}
		if (bad) {
			atomic_inc(&ctx->verify_errors);
			pr_err_ratelimited("device=%s: verify: %llu of %u "
					   "bytes wrong at offset %llu (%s)\n",
					   ctx->ibd->name, bad, len, off,
					   to_ram ? "from_device"
						  : "to_device");
		}
	}
	if (record) {
		ib_record(t, IOMMUBENCH_METRIC_DMA, t1 - t0);
		t->bytes += len;
	}
	t->iter++;
out:
	mutex_unlock(&ctx->ibd->edu_lock);
	/* a late DMA is counted in ->timeouts and the run goes on */
	return ret == -ETIMEDOUT ? 0 : ret;
}

/* ---- isolation ---- */

#define IB_ISO_LEN 64
#define IB_ISO_STRAY 0xEE
#define IB_CANARY_GEN 0xCA

static bool ib_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static bool ib_page_is(struct page *pg, u64 pos, u64 gen)
{
	u8 *p = kmap_local_page(pg);
	bool same = true;
	u32 i;

	for (i = 0; i < PAGE_SIZE && same; i++)
		same = p[i] == ib_pattern_byte(pos + i, gen);
	kunmap_local(p);
	return same;
}

/*
 * Map all pages but the last, which is the canary.  Translated domains:
 * the device writes just past the mapping end, reads from there, and
 * writes to the first IOVA again after the unmap; identity/no IOMMU: we
 * never aim DMA at memory we do not own, so the only stray write goes to a
 * kernel page we allocated (below the DMA mask) and never mapped, at its
 * physical address.  That probe runs in every mode.  See docs/module.md.
 */
static int ib_edu_isolation(struct ib_run_ctx *ctx)
{
	struct iommubench_run *r = ctx->run;
	struct ib_edu_run *er = ctx->priv;
	struct iommu_domain *dom = iommu_get_domain_for_dev(ctx->dev);
	bool translated = dom && (dom->type & __IOMMU_DOMAIN_PAGING);
	unsigned int nmap = ctx->nr_pages - 1;
	u64 maplen = (u64)nmap << PAGE_SHIFT, base = 0, end = 0;
	bool intact = true, leaked = false;
	struct page *kc = NULL;
	struct scatterlist *sg;
	gfp_t gfp;
	int ret, i;

	mutex_lock(&ctx->ibd->edu_lock);
	ib_buf_fill(ctx, 0, maplen, 1);
	ib_buf_fill(ctx, maplen, PAGE_SIZE, IB_CANARY_GEN);
	ret = ib_map_buffer(ctx, ctx->dev, DMA_BIDIRECTIONAL, nmap);
	if (ret)
		goto out;
	base = r->iova_base;
	/*
	 * The end of the mapping: the highest DMA segment end.  Not sg_last():
	 * after an IOMMU merged the segments, nents < orig_nents and the last
	 * DMA segment is not the list's end marker (sg_last() BUG()s on that).
	 */
	for_each_sgtable_dma_sg(&ctx->sgt, sg, i)
		end = max_t(u64, end, sg_dma_address(sg) + sg_dma_len(sg));

	/* the device works at all: a legitimate round trip */
	ret = ib_edu_xfer(ctx, 0, IB_ISO_LEN, false);
	if (!ret) {
		memset(er->scratch, 0, IB_ISO_LEN);
		ret = ib_edu_scratch(ctx, IB_ISO_LEN, true);
	}
	if (ret)
		goto out;
	if (ib_check_scratch(er, 0, IB_ISO_LEN, 1)) {
		pr_err("device=%s: isolation: the legitimate DMA did not "
		       "arrive; no verdict\n",
		       ctx->ibd->name);
		ret = -EIO;
		goto out;
	}

	/* the edu buffer now holds the stray bytes */
	memset(er->scratch, IB_ISO_STRAY, IB_ISO_LEN);
	ret = ib_edu_scratch(ctx, IB_ISO_LEN, false);
	if (ret)
		goto out;

	if (translated) {
		/* 1. write just past the end of the mapping */
		ret = ib_edu_dma_one(ctx, end, 0, IB_ISO_LEN, true);
		if (ret && ret != -ETIMEDOUT)
			goto out;
		/* 2. read from there into the edu buffer and look at it */
		ret = ib_edu_dma_one(ctx, end, 0, IB_ISO_LEN, false);
		if (ret && ret != -ETIMEDOUT)
			goto out;
		memset(er->scratch, 0, IB_ISO_LEN);
		ret = ib_edu_scratch(ctx, IB_ISO_LEN, true);
		if (ret)
			goto out;
		if (!ib_check_scratch(er, maplen, IB_ISO_LEN, IB_CANARY_GEN)) {
			pr_info("device=%s: isolation: read past the mapping "
				"end returned the canary\n",
				ctx->ibd->name);
			leaked = true;
		}
		memset(er->scratch, IB_ISO_STRAY, IB_ISO_LEN);
		ret = ib_edu_scratch(ctx, IB_ISO_LEN, false);
		if (ret)
			goto out;
		/* 3. write to the first IOVA after the unmap */
		ib_unmap_buffer(ctx);
		ret = ib_edu_dma_one(ctx, base, 0, IB_ISO_LEN, true);
		if (ret && ret != -ETIMEDOUT)
			goto out;
	} else {
		ib_unmap_buffer(ctx);
	}

	/* 4. write to the physical address of a page nobody mapped */
	gfp = GFP_KERNEL | __GFP_ZERO;
	if (ctx->ibd->dma_mask < DMA_BIT_MASK(32))
		gfp |= GFP_DMA;
	else
		gfp |= GFP_DMA32;
	kc = alloc_page(gfp);
	if (kc) {
		u64 pa = page_to_phys(kc);
		u8 *p = kmap_local_page(kc);

		for (i = 0; i < PAGE_SIZE; i++)
			p[i] = ib_pattern_byte(i, IB_CANARY_GEN);
		kunmap_local(p);
		if (pa + PAGE_SIZE - 1 <= ctx->ibd->dma_mask &&
		    !ib_overlap(pa, PAGE_SIZE, er->scratch_dma, PAGE_SIZE)) {
			ret = ib_edu_dma_one(ctx, pa, 0, IB_ISO_LEN, true);
			if (ret && ret != -ETIMEDOUT)
				goto out;
			if (!ib_page_is(kc, 0, IB_CANARY_GEN)) {
				pr_info("device=%s: isolation: DMA to unmapped "
					"physical page 0x%llx arrived\n",
					ctx->ibd->name, pa);
				intact = false;
			}
		}
	}
	ret = 0;

	/* let the fault interrupt run before the caller reads the counter */
	msleep(50);
	if (!ib_page_is(ctx->pages[nmap], maplen, IB_CANARY_GEN)) {
		pr_info("device=%s: isolation: the canary page past the "
			"mapping changed\n",
			ctx->ibd->name);
		intact = false;
	}
	if (translated && !ib_page_is(ctx->pages[0], 0, 1)) {
		pr_info("device=%s: isolation: a write after unmap reached the "
			"buffer\n",
			ctx->ibd->name);
		intact = false;
	}
	r->canary_intact = intact;
	if (!translated)
		r->verdict = IOMMUBENCH_VERDICT_NOT_ISOLATED;
	else
		r->verdict = intact && !leaked
				     ? IOMMUBENCH_VERDICT_ISOLATED
				     : IOMMUBENCH_VERDICT_NOT_ISOLATED;
	pr_info("device=%s: isolation: domain %s, canary %s, verdict %s\n",
		ctx->ibd->name, translated ? "translated" : "identity/none",
		intact ? "intact" : "changed",
		r->verdict == IOMMUBENCH_VERDICT_ISOLATED ? "isolated"
							  : "not_isolated");
out:
	mutex_unlock(&ctx->ibd->edu_lock);
	/* a stuck engine may still write it: then it is leaked, see above */
	if (kc && !ctx->leak_dma)
		__free_page(kc);
	return ret;
}

const struct ib_engine_ops ib_edu_ops = {
	.name = "edu",
	.prepare = ib_edu_prepare,
	.unprepare = ib_edu_unprepare,
	.iter = ib_edu_iter,
	.isolation = ib_edu_isolation,
};
