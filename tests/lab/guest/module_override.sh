# lab: --mode strict --caching-mode on
# lab-also: --iommu amd
# Issue #3: any PCI device can be handed to the module with driver_override
# (the harness does this for the map engine on real NICs/GPUs).  In the lab
# we borrow a q35 function no driver claimed (SMBus/SATA/LPC: their modules
# are not in the initramfs), bind it, map through its IOMMU group, and give
# it back.
. "$(dirname "$0")/module_lib.sh.inc"

dev=
for p in /sys/bus/pci/devices/*; do
	[ -e $p/driver ] && continue
	# bridges, and the IOMMU itself (class 0x0806: QEMU's AMD-Vi is 00:01.0)
	case $(cat $p/class) in 0x06* | 0x0806*) continue ;; esac
	dev=${p##*/}
	break
done
if [ -z "$dev" ]; then
	skip "driver_override" "no unbound non-bridge PCI function in this VM"
	exit 0
fi
echo "# borrowing $dev ($(cat /sys/bus/pci/devices/$dev/vendor):$(cat /sys/bus/pci/devices/$dev/device) class $(cat /sys/bus/pci/devices/$dev/class))"
echo iommubench > /sys/bus/pci/devices/$dev/driver_override
echo $dev > /sys/bus/pci/drivers_probe
l=$($T info | grep "^device $dev ")
echo "# info: $l"
if echo "$l" | grep -q 'engines 0x1 ' && echo "$l" | grep -q 'dma_mask 0xffffffffffffffff '; then
	ok "driver_override: $dev bound, map engine only, 64-bit mask"
else
	nok "driver_override: $dev: '$l'"
fi
if run_ib map-override engine=map dev=$dev buf=256k granule=8 iter=100; then
	[ "$(metric "$OUT" map_ns count)" = 100 ] && [ "$(field "$OUT" iommu_pgsizes_used)" = 0x1000 ] &&
		ok "driver_override: map engine on $dev" || nok "driver_override: map on $dev: $(echo "$OUT" | grep ^result)"
fi
out=$($T run engine=edu dev=$dev iter=1 2>&1)
case $out in *"Invalid argument"*) ok "driver_override: edu engine on $dev refused with EINVAL" ;; *) nok "edu engine on $dev: $out" ;; esac
echo $dev > $DRV/unbind
echo > /sys/bus/pci/devices/$dev/driver_override
if [ ! -e /sys/bus/pci/devices/$dev/driver ]; then ok "driver_override: $dev given back"; else nok "driver_override: $dev still bound"; fi
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
