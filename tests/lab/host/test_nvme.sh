#!/usr/bin/env bash
# Lab test (issue 13): engine=nvme on a scratch QEMU NVMe namespace in three
# IOMMU modes (the controller's group switched, nvme rebound and restored):
# exact map/unmap counts per read (tracefs, counting pass), vIOMMU
# invalidations per read (lab trace, timing pass), the binding and group
# type restored (also after a SIGKILL, by `iommubench restore`), and the
# refusals as skipped rows: an absent namespace, a user who cannot read it,
# a namespace in use (swap on it, then a mounted msdos filesystem, after the
# read-only checks).  One boot,
# about 40 s.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
. tests/lib/lab-host.sh
lab_prepare nvme
python3 scripts/lab/lab.py exec --out "$out" --nvme 64M --timeout 400 -- \
	'b=$(for d in /sys/bus/pci/devices/*; do [ -e $d/nvme ] && basename $d; done | head -n1)
	s=/sys/bus/pci/devices/$b
	echo "before: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	iommubench run --engine nvme --device /dev/nvme0n1 --iommu-mode identity,dma-strict,dma-lazy --xfer-size 4k --window 64k --iterations 100 --min-reps 2 --max-reps 2 --warmup 1 --results-dir /out --run-id n1 --platform qemu-lab --lab-ctl "$IOMMUBENCH_LAB_CTL"
	echo "run rc=$?"
	echo "after: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	iommubench run --engine nvme --device /dev/nvme0n9 --results-dir /out --run-id n2 --platform qemu-lab
	iommubench run --engine nvme --device /dev/nvme0n1 --iommu-mode identity --iterations 1000000 --min-reps 1 --max-reps 1 --warmup 0 --max-time 600s --results-dir /tmp --run-id k1 >/dev/null 2>&1 & p=$!
	sleep 2
	echo "during-kill: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	kill -KILL $p; wait $p
	iommubench restore
	i=0; while [ ! -e /dev/nvme0n1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
	echo "after-restore: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	dd if=/dev/nvme0n1 bs=4096 count=1 2>/dev/null | od -An -tx1 | head -n1 | sed "s/^/data: /"
	mkdir -m 777 /tmp/u
	su -s /bin/sh nobody -c "/opt/iommubench/bin/iommubench run --engine nvme --device /dev/nvme0n1 --results-dir /tmp/u --run-id u1" 2>&1 | grep -m1 "skipped:" | sed "s/^/user: /"
	mkswap /dev/nvme0n1 >/dev/null 2>&1 && swapon /dev/nvme0n1 &&
		iommubench run --engine nvme --device /dev/nvme0n1 --iommu-mode dma-lazy --results-dir /out --run-id n3 --platform qemu-lab >/dev/null 2>&1
	echo "swap: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	swapoff /dev/nvme0n1
	mkdosfs /dev/nvme0n1 >/dev/null 2>&1; mkdir -p /mnt/fs
	mount -t msdos /dev/nvme0n1 /mnt/fs && echo mounted-ok &&
		iommubench run --engine nvme --device /dev/nvme0n1 --iommu-mode dma-lazy --results-dir /out --run-id n4 --platform qemu-lab >/dev/null 2>&1
	echo "mounted: $b $(basename $(readlink $s/driver)) $(cat $s/iommu_group/type) $(cat $s/driver_override)"
	umount /mnt/fs' \
	>"$out/guest.log" 2>&1
d=$out/adhoc/n1
lab_merge_run "$d" "the nvme rows"
python3 - "$d/results.json" "$out/adhoc/n2/results.json" "$out/guest.log" <<'PY'
import json, re, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
doc = json.load(open(sys.argv[1]))
log = open(sys.argv[3]).read()
rows = {r["params"].get("iommu_mode_effective"): r for r in doc["results"]}
ok(sorted(rows) == ["dma-lazy", "dma-strict", "identity"] and
   all(r["status"] == "ok" for r in rows.values()),
   "three nvme rows ok, modes %s" % sorted(rows))
per = {}
for mode, r in rows.items():
    c = {k: v["value"] for k, v in r.get("counters", {}).items()}
    it = r["params"]["iterations"]
    ios_count = r["counting_pass"]["ios"]           # tracefs: counting pass
    ios_time = r["params"]["ios_timing_pass"]        # lab marks: timing pass (warm-up included)
    ok(ios_count == r["counting_pass"]["repetitions"] * it and ios_time == (r["repetitions"] + 1) * it,
       "%s: reads per pass recorded: timing %d, counting %d" % (mode, ios_time, ios_count))
    per[mode] = {"maps": c.get("iommu_maps", -1) / ios_count,
                 "unmaps": c.get("iommu_unmaps", -1) / ios_count,
                 "inval": c.get("iommu_invalidations", -1) / ios_time,
                 "miss": c.get("iotlb_miss", -1) / ios_time}
    m = r["metrics"]
    ok(m["dma_latency_ns"]["n"] == r["repetitions"] * it and m["dma_latency_ns"]["median"] > 1000
       and m["iops"]["median"] > 0 and m["bandwidth_bytes_per_s"]["median"] > 0
       and r["params"]["device"] == r["params"]["device"].strip() and ":" in r["params"]["device"],
       "%s: dma_latency_ns median %.0f ns (n=%d), iops %.0f, device %s" %
       (mode, m["dma_latency_ns"]["median"], m["dma_latency_ns"]["n"], m["iops"]["median"],
        r["params"]["device"]))
    print("# %s per read: %s" % (mode, {k: round(v, 3) for k, v in per[mode].items()}))
ok(per["identity"]["maps"] == 0 and per["identity"]["unmaps"] == 0 and per["identity"]["inval"] == 0,
   "identity: 0 maps, 0 unmaps, 0 invalidations per read")
ok(per["dma-strict"]["maps"] == 1 and per["dma-strict"]["unmaps"] == 1 and per["dma-strict"]["inval"] == 2,
   "dma-strict: exactly 1 map, 1 unmap, 2 invalidations per read (caching-mode: one at map, one at unmap): %s"
   % per["dma-strict"])
ok(per["dma-lazy"]["maps"] == 1 and per["dma-lazy"]["unmaps"] == 1 and
   1 <= per["dma-lazy"]["inval"] < 1.5,
   "dma-lazy: 1 map, 1 unmap, %.3f invalidations per read (the map's, plus flush-queue batches)"
   % per["dma-lazy"]["inval"])
b = re.search(r"^before: (\S+) (\S+) (\S+) (\S+)", log, re.M)
a = re.search(r"^after: (\S+) (\S+) (\S+) (\S+)", log, re.M)
ok(b and a and b.groups() == a.groups() and b.group(2) == "nvme",
   "binding and group type restored: before %s, after %s" % (b and b.groups(), a and a.groups()))
ok("run rc=0" in log, "run exit 0")
k = re.search(r"^during-kill: (\S+) (\S+) (\S+) (\S+)", log, re.M)
r = re.search(r"^after-restore: (\S+) (\S+) (\S+) (\S+)", log, re.M)
ok(k and r and k.group(3) == "identity" and r.groups() == b.groups(),
   "SIGKILL mid-run leaves identity, `iommubench restore` puts type and nvme back: %s -> %s" %
   (k and k.groups(), r and r.groups()))
n2 = json.load(open(sys.argv[2]))["results"][0]
ok(n2["status"] == "skipped" and "no such block device" in n2.get("reason", ""),
   "absent namespace: skipped row (%s)" % n2.get("reason"))
ok(re.search(r"^data: ( 00){16}", log, re.M) is not None, "scratch namespace still reads zeros (never written)")
u = re.search(r"^user: .*", log, re.M)
ok(u and "not readable by uid 65534" in u.group(0), "a user who cannot read the device: skipped row (%s)" % (u and u.group(0)))
try:
    n3 = json.load(open(sys.argv[1].replace("/n1/", "/n3/")))["results"][0]
except Exception as ex:
    n3 = {"reason": str(ex)}
sw = re.search(r"^swap: (\S+) (\S+) (\S+) (\S+)", log, re.M)
ok(n3.get("status") == "skipped" and "active swap" in n3.get("reason", "") and sw and sw.groups() == b.groups(),
   "a namespace in use (swap on it) is refused before any unbind: %s; device %s" %
   (n3.get("reason"), sw and sw.groups()))
try:
    n4 = json.load(open(sys.argv[1].replace("/n1/", "/n4/")))["results"][0]
except Exception as ex:
    n4 = {"reason": str(ex)}
mt = re.search(r"^mounted: (\S+) (\S+) (\S+) (\S+)", log, re.M)
ok("mounted-ok" in log and n4.get("status") == "skipped" and
   "a mounted filesystem (/mnt/fs)" in n4.get("reason", "") and mt and mt.groups() == b.groups(),
   "a namespace with a mounted filesystem (msdos on /mnt/fs) is refused before any unbind: %s; device %s" %
   (n4.get("reason"), mt and mt.groups()))
PY
