// SPDX-License-Identifier: GPL-2.0
/*
 * iommubench: what the IOMMU does for a device: the type of its domain and
 * the IOPTE sizes that back a mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/sizes.h>

#include "ib.h"

u32 ib_domain_type(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (!dom)
		return IOMMUBENCH_DOMAIN_NONE;
	switch (dom->type) {
	case IOMMU_DOMAIN_IDENTITY:
		return IOMMUBENCH_DOMAIN_IDENTITY;
	case IOMMU_DOMAIN_DMA:
		return IOMMUBENCH_DOMAIN_DMA;
#ifdef HAVE_IOMMU_DOMAIN_DMA_FQ /* before 5.15 lazy was a domain attribute */
	case IOMMU_DOMAIN_DMA_FQ:
		return IOMMUBENCH_DOMAIN_DMA_FQ;
#endif
	case IOMMU_DOMAIN_BLOCKED:
		return IOMMUBENCH_DOMAIN_BLOCKED;
	case IOMMU_DOMAIN_UNMANAGED:
		return IOMMUBENCH_DOMAIN_UNMANAGED;
	default:
		return IOMMUBENCH_DOMAIN_OTHER;
	}
}

/*
 * Which IOPTE sizes back a mapping.  For each DMA segment we walk the IOVA
 * range with iommu_iova_to_phys() and, at each step, take the largest size S
 * in the domain's pgsize_bitmap such that the IOVA and the physical address
 * are S-aligned, S bytes remain in the segment and the physical range read
 * back through the page table is contiguous over S (checked at every 2 MiB
 * and at the last byte).  That is the choice iommu_pgsize() made when
 * iommu_map_sg() created the mapping, confirmed against the live page
 * table.  Identity and no-IOMMU domains report 0.
 */
void ib_describe_mapping(struct ib_run_ctx *ctx, struct sg_table *sgt)
{
	struct iommubench_run *r = ctx->run;
	struct iommu_domain *dom = iommu_get_domain_for_dev(ctx->dev);
	struct scatterlist *sg;
	u64 used = 0;
	int i;

	r->dma_segments = sgt->nents;
	r->iova_base = sgt->nents ? sg_dma_address(sgt->sgl) : 0;
	if (!dom || !(dom->type & __IOMMU_DOMAIN_PAGING) || !dom->pgsize_bitmap)
		goto out;
	for_each_sgtable_dma_sg(sgt, sg, i)
	{
		dma_addr_t iova = sg_dma_address(sg);
		dma_addr_t end = iova + sg_dma_len(sg);

		while (iova < end) {
			phys_addr_t pa = iommu_iova_to_phys(dom, iova);
			unsigned long sizes = dom->pgsize_bitmap;
			u64 s = 0;
			int b;

			if (!pa) {
				iova += PAGE_SIZE;
				continue;
			}
			for (b = BITS_PER_LONG - 1; b >= 0; b--) {
				u64 cand = 1ULL << b, k;
				bool contig = true;

				if (!(sizes & BIT(b)) || (iova & (cand - 1)) ||
				    (pa & (cand - 1)) || end - iova < cand)
					continue;
				for (k = SZ_2M; k < cand && contig; k += SZ_2M)
					contig = iommu_iova_to_phys(dom,
								    iova + k) ==
						 pa + k;
				if (contig && cand > 1 &&
				    iommu_iova_to_phys(dom, iova + cand - 1) !=
					    pa + cand - 1)
					contig = false;
				if (contig) {
					s = cand;
					break;
				}
			}
			if (!s)
				s = 1ULL << __ffs(sizes);
			used |= s;
			iova += s;
			cond_resched();
		}
	}
out:
	r->iommu_pgsizes_used = used;
}
