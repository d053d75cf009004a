// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench engine "edu": real DMA through the IOMMU with QEMU's edu
 * device (hw/misc/edu.c), the lab's stand-in for a DMA-capable device.
 *
 * The edu DMA engine copies up to 4095 bytes (QEMU 7.2 off-by-one, see
 * IB_EDU_MAX_XFER) between RAM and its internal buffer; it completes 100 ms of virtual
 * time after the start and raises an interrupt, so the thread sleeps in
 * wait_for_completion_timeout().  Under -icount the guest's idle time is
 * skipped, which makes hundreds of DMAs per second possible.
 *
 * The engine supplies the transfer and the far-end fill/check; the timed
 * iteration is the core's (dma_iter.c).  It also implements the isolation
 * check (IOMMUBENCH_OP_ISOLATION).  Device state (BAR, IRQ) lives in
 * ibd->priv, per-run state (the scratch page) in ctx->priv.
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

#include "engine.h"
#include "iommubench_edu.h" /* the register map, shared with the harness */

static unsigned int edu_dma_bits = IB_EDU_DMA_BITS;
module_param(edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA mask bits for edu devices (28..64, default 28 = QEMU's "
		 "default dma_mask; match -device edu,dma_mask=)");

static unsigned int edu_timeout_ms = 10000;
module_param(edu_timeout_ms, uint, 0644);
MODULE_PARM_DESC(edu_timeout_ms, "wall-clock limit for one edu DMA (ms)");

/* per-device state (ibd->priv) */
struct ib_edu_dev {
	void __iomem *bar;
	int irq;
	struct completion done;
	bool broken; /* a DMA never stopped: do not touch again */
};

/* per-run state (ctx->priv) */
struct ib_edu_run {
	void *scratch; /* coherent page: the far end of round trips */
	dma_addr_t scratch_dma;
};

static irqreturn_t ib_edu_irq(int irq, void *data)
{
	struct ib_edu_dev *ed = data;
	u32 st = readl(ed->bar + IB_EDU_IRQ_STATUS);

	if (!st || st == ~0U)
		return IRQ_NONE;
	writel(st, ed->bar + IB_EDU_IRQ_ACK);
	if (st & IB_EDU_DMA_IRQ)
		complete(&ed->done);
	return IRQ_HANDLED;
}

static int ib_edu_probe(struct ib_dev *ibd)
{
	struct pci_dev *pdev = ibd->pdev;
	struct ib_edu_dev *ed;
	int ret, nvec;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	init_completion(&ed->done);
	ed->irq = -1;
	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_region(pdev, 0, "iommubench");
	if (ret)
		goto err_disable;
	ed->bar = pci_iomap(pdev, 0, 0);
	if (!ed->bar) {
		ret = -ENOMEM;
		goto err_region;
	}
	pci_set_master(pdev);
	nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (nvec < 0) {
		ret = nvec;
		goto err_unmap;
	}
	ed->irq = pci_irq_vector(pdev, 0);
	/* drop whatever a previous driver left pending */
	writel(readl(ed->bar + IB_EDU_IRQ_STATUS), ed->bar + IB_EDU_IRQ_ACK);
	ret = request_irq(ed->irq, ib_edu_irq, IRQF_SHARED, "iommubench-edu",
			  ed);
	if (ret)
		goto err_vec;
	/* the guest cannot read QEMU's dma_mask property: the user says it */
	ibd->dma_bits = clamp(edu_dma_bits, 28U, 64U);
	ibd->priv = ed;
	return 0;

err_vec:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_clear_master(pdev);
	pci_iounmap(pdev, ed->bar);
err_region:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(ed);
	return ret;
}

static void ib_edu_remove(struct ib_dev *ibd)
{
	struct ib_edu_dev *ed = ibd->priv;
	struct pci_dev *pdev = ibd->pdev;

	free_irq(ed->irq, ed);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, ed->bar);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
	kfree(ed);
	ibd->priv = NULL;
}

static int ib_edu_validate(const struct iommubench_run *r)
{
	if (r->xfer_size > IB_EDU_MAX_XFER) {
		pr_err_ratelimited("xfer_size=%llu: the edu device moves at "
				   "most %d bytes per DMA\n",
				   r->xfer_size, IB_EDU_MAX_XFER);
		return -EINVAL;
	}
	return 0;
}

/*
 * One edu DMA (the engine's xfer hook), caller holds ctx->xfer_lock.
 * edu_off is the offset in the edu buffer.  Returns 0, -ETIMEDOUT (the DMA
 * finished late: counted, run continues) or -EIO (the engine never
 * stopped: the device is retired).
 */
static int ib_edu_dma_one(struct ib_run_ctx *ctx, dma_addr_t ram, u64 edu_off,
			  u64 cnt, bool to_ram)
{
	struct ib_edu_dev *ed = ctx->ibd->priv;
	void __iomem *b = ed->bar;
	u64 edu = IB_EDU_BUF_ADDR + edu_off;
	unsigned long left;
	int i;

	if (ed->broken)
		return -EIO;
	reinit_completion(&ed->done);
	writeq(to_ram ? edu : ram, b + IB_EDU_DMA_SRC);
	writeq(to_ram ? ram : edu, b + IB_EDU_DMA_DST);
	writeq(cnt, b + IB_EDU_DMA_CNT);
	writeq(IB_EDU_CMD_RUN | IB_EDU_CMD_IRQ |
		       (to_ram ? IB_EDU_CMD_TO_RAM : 0),
	       b + IB_EDU_DMA_CMD);
	left = wait_for_completion_timeout(&ed->done,
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
	ed->broken = true;
	ctx->leak_dma = true;
	pr_err("device=%s: edu DMA did not stop; device retired, buffer leaked "
	       "on purpose\n",
	       ctx->ibd->name);
	return -EIO;
}

/* The scratch page <-> edu buffer, used to fill or read back the edu side. */
static int ib_edu_scratch(struct ib_run_ctx *ctx, u64 len, bool to_ram)
{
	struct ib_edu_run *er = ctx->priv;

	return ib_edu_dma_one(ctx, er->scratch_dma, 0, len, to_ram);
}

static int ib_edu_prepare(struct ib_run_ctx *ctx)
{
	struct ib_edu_run *er;
	struct ib_edu_dev *ed = ctx->ibd->priv;

	if (ed->broken) {
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

/* Far end: load the edu buffer with the pattern through the scratch page. */
static int ib_edu_far_fill(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen)
{
	struct ib_edu_run *er = ctx->priv;

	ib_mem_fill(er->scratch, pos, len, gen);
	return ib_edu_scratch(ctx, len, false);
}

/* Far end: copy the edu buffer back to the scratch page and compare. */
static int ib_edu_far_check(struct ib_run_ctx *ctx, u64 pos, u64 len, u64 gen,
			    u64 *bad)
{
	struct ib_edu_run *er = ctx->priv;
	int ret;

	memset(er->scratch, 0, len);
	ret = ib_edu_scratch(ctx, len, true);
	if (ret)
		return ret;
	*bad = ib_mem_check(er->scratch, pos, len, gen);
	return 0;
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

	mutex_lock(&ctx->xfer_lock);
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
	ret = ib_xfer(ctx, 0, IB_ISO_LEN, false);
	if (!ret) {
		memset(er->scratch, 0, IB_ISO_LEN);
		ret = ib_edu_scratch(ctx, IB_ISO_LEN, true);
	}
	if (ret)
		goto out;
	if (ib_mem_check(er->scratch, 0, IB_ISO_LEN, 1)) {
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
		if (!ib_mem_check(er->scratch, maplen, IB_ISO_LEN,
				  IB_CANARY_GEN)) {
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
	mutex_unlock(&ctx->xfer_lock);
	/* a stuck engine may still write it: then it is leaked, see above */
	if (kc && !ctx->leak_dma)
		__free_page(kc);
	return ret;
}

const struct ib_engine_ops ib_edu_ops = {
	.name = "edu",
	.probe = ib_edu_probe,
	.remove = ib_edu_remove,
	.validate = ib_edu_validate,
	.prepare = ib_edu_prepare,
	.unprepare = ib_edu_unprepare,
	.xfer = ib_edu_dma_one,
	.far_fill = ib_edu_far_fill,
	.far_check = ib_edu_far_check,
	.isolation = ib_edu_isolation,
};
