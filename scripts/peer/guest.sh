#!/bin/sh
# make peer-check, the guest side (runs in the lab from /opt/extra/peer):
# the kernel's dma_map_benchmark and our map engine on the same edu device,
# strict (group type DMA) and lazy (DMA-FQ; the boot has caching-mode off).
#   1. the peer: the device is unbound from iommubench, its driver_override
#      set to dma_map_benchmark; for each group type and each variant (100ns:
#      upstream; ns: raw ns; sg: raw ns, dma_map_sgtable of a one-entry sg
#      table) the module is loaded (it binds the device), the tool runs for
#      4k/granule 1 and 2M/granule 512, the module is unloaded; then the
#      override is cleared, the type restored and the device given back to
#      iommubench (drivers_probe).
#   2. ours with the default counters (no --counters: the iommu:map/unmap
#      tracepoints count in a separate counting pass, not while timing), with
#      tracefs mounted: run-id default, the headline
#   3. ours with --counters inline (the tracepoints live while timing, as the
#      harness did before issue 10): run-id live
# Outputs in /out: peer-<strict|lazy>-<4k|2m>-<100ns|ns|sg>.txt, peer/<run-id>/.
P=/opt/extra/peer
BDF=${PEER_BDF:-0000:00:03.0}
D=/sys/bus/pci/devices/$BDF
S4=${PEER_SECONDS_4K:-1}
S2=${PEER_SECONDS_2M:-2}
DIR=${PEER_DIRECTION:-from_device}
case $DIR in to_device) d=1 ;; from_device) d=2 ;; bidir) d=0 ;; *) echo "peer-guest: PEER_DIRECTION=$DIR: expected to_device, from_device or bidir"; exit 1 ;; esac
fail() { echo "peer-guest: $*" | tee -a /out/peer-guest.err; exit 2; }

[ -e /sys/kernel/debug/dma_map_benchmark ] && fail "debugfs: dma_map_benchmark already exists"
[ -d $D ] || fail "$BDF: no such device"
orig=$(cat $D/iommu_group/type)
drv=$(basename "$(readlink $D/driver 2>/dev/null)")
[ -n "$drv" ] && { echo $BDF > $D/driver/unbind || fail "unbind $BDF from $drv"; }
echo dma_map_benchmark > $D/driver_override || fail "driver_override"
for mode in strict lazy; do
	[ $mode = strict ] && type=DMA || type=DMA-FQ
	if [ "$(cat $D/iommu_group/type)" != $type ]; then
		echo $type > $D/iommu_group/type || fail "group type $type"
	fi
	for v in 100ns ns sg; do
		insmod $P/mod-$v/map_benchmark.ko || fail "insmod mod-$v/map_benchmark.ko"
		[ "$(basename "$(readlink $D/driver)")" = dma_map_benchmark ] || fail "$BDF not bound to dma_map_benchmark"
		tool=$P/dma_map_benchmark; [ $v = 100ns ] || tool=$P/dma_map_benchmark-ns
		for cfg in 4k:1:$S4 2m:512:$S2; do
			ps=${cfg%%:*} rest=${cfg#*:}
			g=${rest%%:*} s=${rest#*:}
			f=/out/peer-$mode-$ps-$v.txt
			echo "# group type $(cat $D/iommu_group/type); $tool -t 1 -s $s -d $d -b 48 -g $g" > $f
			$tool -t 1 -s $s -d $d -b 48 -g $g >> $f 2>&1 || fail "$tool -g $g ($mode): $(tail -n1 $f)"
		done
		rmmod map_benchmark || fail "rmmod map_benchmark"
	done
done
echo > $D/driver_override
[ "$(cat $D/iommu_group/type)" = "$orig" ] || echo $orig > $D/iommu_group/type || fail "restoring group type $orig"
echo $BDF > /sys/bus/pci/drivers_probe
[ "$(basename "$(readlink $D/driver)")" = iommubench ] || fail "$BDF not given back to iommubench"

# tracefs stays mounted for both runs: the default must keep the tracepoints
# out of the timed window by itself (report.py checks counters_live and
# counting_pass of every row)
grep -q " /sys/kernel/tracing tracefs " /proc/mounts || fail "tracefs not mounted at /sys/kernel/tracing"
iommubench run --suite $P/peer.suite --direction $DIR --results-dir /out --run-id default --platform qemu-lab ||
	fail "iommubench run (default counters) exited $?"
iommubench run --suite $P/peer.suite --direction $DIR --counters inline --results-dir /out --run-id live --platform qemu-lab ||
	fail "iommubench run (--counters inline) exited $?"
echo "peer-guest: done"
