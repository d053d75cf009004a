#!/usr/bin/env bash
# Lab test (issue 13): engine=vfio, a user-space driver on the lab's edu
# (rebound to vfio-pci and back).  One boot (8 GiB, two 1 GiB pages, the
# passthrough suite's lab settings): type1 map/unmap rows for 4k/2m buffers
# (4 MiB) and 1g (the whole GiB, the "VM start" case) with their IOPTE sizes checked in the vIOMMU trace (edu probe
# reads: 4 KiB leaves miss per page, 2 MiB/1 GiB leaves carry the PS bit and
# serve several probes), a 1 GiB "VM start" map, edu DMA from user space
# with verified data next to the module's edu rows, the isolation verdict
# with the fault in the trace, iommufd as a skipped row with its reason, the
# binding restored (also after SIGTERM and SIGHUP, and after SIGKILL by
# `iommubench restore`), and the passthrough suite (reduced) end to end.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
. tests/lib/lab-host.sh
lab_prepare vfio
python3 scripts/lab/lab.py exec --out "$out" --mem 8192 --hugepages 8 --hugepages-1g 2 \
	--caching-mode off --edu-dma-mask 0xffffffffffff --module-params edu_dma_bits=48 --timeout 300 -- \
	's=/sys/bus/pci/devices/0000:00:03.0
	echo "before: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"
	cat > /tmp/v.suite <<EOF
[global]
device=0000:00:03.0
warmup=1
min_reps=2
max_reps=2
[map]
engine=vfio
op=map
page_size=4k,2m
window=4m
iterations=5
[vmstart]
engine=vfio
op=map
page_size=1g
window=1g
iterations=3
[dma]
engine=vfio
op=bench
window=64k
xfer_size=4095
direction=to_device,from_device
verify=1
iterations=20
[edu]
engine=edu
iommu_mode=dma-strict
window=64k
xfer_size=4095
direction=to_device
verify=1
iterations=20
[isolation]
engine=vfio
op=isolation
window=64k
buf_size=68k
[iommufd]
engine=vfio
op=map
vfio_backend=iommufd
EOF
	iommubench run --suite /tmp/v.suite --results-dir /out --run-id v1 --platform qemu-lab --lab-ctl "$IOMMUBENCH_LAB_CTL"
	echo "run rc=$?"
	echo "after: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"
	iommubench run --suite /opt/iommubench/suites/passthrough.suite --iterations 20 --max-reps 1 --min-reps 1 --warmup 0 --results-dir /out --run-id p1 --platform qemu-lab
	echo "suite rc=$?"
	echo "after-suite: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"
	for sig in TERM HUP KILL; do
		iommubench run --engine vfio --op map --device 0000:00:03.0 --window 4m --iterations 1000000 --max-time 600s --min-reps 1 --max-reps 1 --warmup 0 --results-dir /tmp --run-id s$sig >/dev/null 2>&1 & p=$!
		sleep 2
		echo "during-$sig: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"
		kill -$sig $p; wait $p
		echo "after-$sig: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"
	done
	iommubench restore
	echo "after-restore: $(basename $(readlink $s/driver)) $(cat $s/driver_override)"' \
	>"$out/guest.log" 2>&1
d=$out/v/v1
lab_merge_run "$d" "the vfio rows"
python3 - "$d/results.json" "$out/marks.tsv" "$out/qemu-trace.log" "$out/guest.log" "$out/passthrough/p1/results.json" <<'PY'
import json, re, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
doc = json.load(open(sys.argv[1]))
rows = {r["name"]: r for r in doc["results"]}
log = open(sys.argv[4]).read()
# per-row slices of the vIOMMU trace (marks: BEGIN/END byte offsets)
iv = {}
for l in open(sys.argv[2]).read().splitlines():
    k, name, off = l.split("\t")
    iv.setdefault(name, {})[k] = int(off)
trace = open(sys.argv[3], "rb").read()
def events(name):
    o = iv.get(name, {})
    return trace[o.get("BEGIN", 0):o.get("END", 0)].decode(errors="replace").splitlines()
SID = "sid 0x18"  # 00:03.0
for ps, leaf in (("4k", 4096), ("2m", 2 << 20), ("1g", 1 << 30)):
    row = "map/page_size:%s" % ps if ps != "1g" else "vmstart"
    r = rows.get(row, {})
    n = 10 if ps != "1g" else 6
    m = r.get("metrics", {})
    ok(r.get("status") == "ok" and m.get("map_ns", {}).get("n") == n and m.get("unmap_ns", {}).get("n") == n
       and r["params"].get("page_size_obtained") == leaf,
       "vfio map %s: map_ns %.0f ns, unmap_ns %.0f ns per %s call (n=%d), page_size_obtained %s" %
       (ps, m.get("map_ns", {}).get("median", -1), m.get("unmap_ns", {}).get("median", -1),
        "1 GiB" if ps == "1g" else "4 MiB", n, r.get("params", {}).get("page_size_obtained")))
    ups = [l for l in events(row) if l.startswith("vtd_iotlb_page_update") and SID in l]
    reps = r.get("repetitions", 0) + 1
    slptes = [int(l.split("slpte ")[1].split()[0], 16) for l in ups]
    psbit = [bool(s & 0x80) for s in slptes]
    # probes at 0, 4 KiB, 2 MiB + 4 KiB: misses per repetition 3 (4 KiB leaves), 2 (2 MiB), 1 (1 GiB)
    want = {"4k": 3, "2m": 2, "1g": 1}[ps]
    ok(len(ups) == want * reps and all(psbit) == (ps != "4k") and any(psbit) == (ps != "4k"),
       "vfio map %s: IOPTE size from the trace: %d IOTLB fills per probe set (want %d), PS bit %s" %
       (ps, len(ups) / max(reps, 1), want, sorted(set(psbit))))
    if ps == "1g":
        ok(all(s & ((1 << 30) - 1) & ~0xfff == 0 for s in slptes),
           "vfio map 1g: the leaf's address is 1 GiB-aligned (a 1 GiB IOPTE): %s" % [hex(s) for s in slptes[:2]])
vm = rows.get("vmstart", {})
ok(vm.get("status") == "ok" and vm["metrics"]["map_ns"]["n"] == 6 and
   vm["metrics"]["map_ns"]["median"] < 4 * rows["map/page_size:4k"]["metrics"]["map_ns"]["median"] * 256,
   "VM start: 1 GiB mapped in one call, map_ns %.0f ns (%.0f ns per GiB), unmap_ns %.0f ns" %
   (vm.get("metrics", {}).get("map_ns", {}).get("median", -1), vm.get("metrics", {}).get("map_ns", {}).get("median", -1),
    vm.get("metrics", {}).get("unmap_ns", {}).get("median", -1)))
for dr in ("to_device", "from_device"):
    r = rows.get("dma/direction:%s" % dr, {})
    ok(r.get("status") == "ok" and r["metrics"]["dma_latency_ns"]["n"] == 40 and r["params"].get("verify") == 1,
       "vfio edu DMA %s from user space, data verified: dma_latency_ns median %.0f ns (n=40)" %
       (dr, r.get("metrics", {}).get("dma_latency_ns", {}).get("median", -1)))
e = rows.get("edu", {})
v = rows.get("dma/direction:to_device", {})
if e.get("status") == "ok" and v.get("status") == "ok":
    a, b = e["metrics"]["dma_latency_ns"]["median"], v["metrics"]["dma_latency_ns"]["median"]
    ok(0.5 < a / b < 2, "vfio and module edu rows comparable: %.0f vs %.0f ns (edu's 100 ms virtual DMA)" % (b, a))
else:
    ok(False, "module edu row: %s" % e.get("reason"))
iso = rows.get("isolation", {})
faults = sum("vtd_dmar_fault" in l for l in events("isolation"))
ok(iso.get("status") == "ok" and iso.get("verdict") == "isolated" and
   iso.get("counters", {}).get("io_page_faults", {}).get("value", 0) >= 1 and faults >= 1,
   "isolation: verdict %s, io_page_faults %s (kmsg), %d vtd_dmar_fault in the trace" %
   (iso.get("verdict"), iso.get("counters", {}).get("io_page_faults", {}).get("value"), faults))
f = rows.get("iommufd", {})
ok(f.get("status") == "skipped" and "iommufd" in f.get("reason", ""), "iommufd: skipped: %s" % f.get("reason"))
b = re.search(r"^before: (\S+) (\S+)", log, re.M)
a = re.search(r"^after: (\S+) (\S+)", log, re.M)
a2 = re.search(r"^after-suite: (\S+) (\S+)", log, re.M)
ok(b and a and a2 and b.groups() == a.groups() == a2.groups() and b.group(1) == "iommubench",
   "binding restored: before %s, after %s, after the suite %s" % (b and b.groups(), a and a.groups(), a2 and a2.groups()))
ok("run rc=0" in log, "vfio run exit 0")
sig = {k: re.search(r"^%s: (\S+) (\S+)" % k, log, re.M) for k in
       ("during-TERM", "after-TERM", "during-HUP", "after-HUP", "during-KILL", "after-KILL", "after-restore")}
g = {k: v.groups() if v else None for k, v in sig.items()}
ok(all(g[k] and g[k][0] == "vfio-pci" for k in ("during-TERM", "during-HUP", "during-KILL")) and
   g["after-TERM"] == g["after-HUP"] == g["after-restore"] == b.groups() and g["after-KILL"][0] == "vfio-pci",
   "signals: bound to vfio-pci while running; SIGTERM and SIGHUP restore, SIGKILL leaves vfio-pci and "
   "`iommubench restore` puts it back: %s" % g)
try:
    p = json.load(open(sys.argv[5]))["results"]
except Exception as ex:
    p = []
    ok(False, "passthrough suite results: %s" % ex)
st = {r["name"]: r["status"] for r in p}
# the nvme rows (issue 23) need the scratch namespace this boot has not got
# (tests/lab/host/test_passthrough_nvme.sh runs them): skipped here
good = all(v == "ok" for k, v in st.items() if "iommufd" not in k and not k.startswith("nvme/")) and \
    all(v == "skipped" for k, v in st.items() if "iommufd" in k or k.startswith("nvme/"))
ok(len(st) == 18 and good, "passthrough suite: %d rows, module and vfio ok, iommufd and nvme (no namespace) skipped: %s" % (len(st), st))
PY
