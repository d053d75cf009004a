# lab: --iommu virtio --mode strict
# Issue 11: the virtio-iommu lab (QEMU 7.2 -device virtio-iommu-pci).  Needs
# a kernel with the virtio-iommu driver: Debian 6.12 (a module); Debian 6.1
# has CONFIG_VIRTIO_IOMMU unset, and lab.py then refuses the boot (exit 4,
# reported as skipped).  Checks: the vendor, map/unmap cost strict vs lazy
# (each map and unmap is a request on the virtio queue), verified edu DMA on
# both edus, and isolation on both (the guest driver only logs faults).
. "$(dirname "$0")/module_lib.sh.inc"

if dmesg | grep -q "virtio_iommu virtio.*page mask"; then ok "virtio-iommu driver probed"; else nok "virtio-iommu driver: $(dmesg | grep -m1 -i virtio_iommu)"; fi
check_vendor virtio
for d in $EDU0 $EDU1; do
	t=$(group_type $d)
	[ "$t" = DMA ] && ok "$d group type DMA" || nok "$d group type $t"
	if run_ib "edu-$d" engine=edu dev=$d buf=64k xfer=2048 pattern=rand dir=bidir verify=1 iter=10; then
		[ "$(field "$OUT" verify_errors)" = 0 ] && [ "$(metric "$OUT" dma_latency_ns count)" = 10 ] &&
			ok "edu DMA $d through virtio-iommu: 10 verified" || nok "edu DMA $d: $(echo "$OUT" | grep ^result)"
	fi
	if run_ib "iso-$d" engine=edu op=isolation dev=$d buf=16k; then
		v=$(field "$OUT" verdict)
		c=$(field "$OUT" canary_intact)
		[ "$v" = isolated ] && [ "$c" = 1 ] && ok "isolation $d on virtio-iommu: isolated, canary intact" ||
			nok "isolation $d on virtio-iommu: verdict=$v canary=$c"
	fi
done
# faults reach the guest as virtqueue events; Linux only logs them (no
# report_iommu_fault()), so the module's io_page_faults stays 0
if dmesg | grep -q "virtio_iommu virtio.*page fault from EP"; then ok "virtio-iommu fault events logged by the guest"; else nok "no virtio-iommu fault event in dmesg"; fi

# a lazy unmap still sends its UNMAP request at once (virtio-iommu has no
# IOTLB to defer a flush of): only the sync waits, hence a small ratio
strict_vs_lazy virtio-iommu 105 engine=map dev=$EDU0 page=4k buf=1m granule=1 iter=1000 warmup=20
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
