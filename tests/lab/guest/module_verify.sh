# lab: --mode strict --caching-mode on --module-params edu_dma_bits=48
# lab-also: --iommu amd --module-params edu_dma_bits=48
# Issue #3: data verification is not a rubber stamp.  The module is told
# the edu masks 48 bits while QEMU's edu keeps its default 28-bit dma_mask,
# so the device truncates every IOVA (allocated near 4 GiB) and DMAs to the
# wrong, unmapped address: every verified DMA must count as an error, and
# the IOMMU must report the faults.
. "$(dirname "$0")/module_lib.sh.inc"

if $T info | grep "^device $EDUN " | grep -q 'dma_mask 0xffffffffffff '; then
	ok "edu_dma_bits=48 gives a 48-bit mask"
else
	nok "edu_dma_bits=48: $($T info | grep "^device $EDUN ")"
fi
for dir in from to; do
	if run_ib "bad-mask-$dir" engine=edu dev=$EDUN buf=64k xfer=2048 dir=$dir verify=1 iter=4; then
		ve=$(field "$OUT" verify_errors)
		f=$(field "$OUT" io_page_faults)
		if [ "$ve" = 4 ] && faults_ok "$f"; then
			ok "mismatched DMA mask, dir=$dir: all 4 DMAs fail verification, $f IOMMU faults ($VENDOR)"
		else
			nok "mismatched DMA mask, dir=$dir: verify_errors=$ve faults=$f"
		fi
	fi
done
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
