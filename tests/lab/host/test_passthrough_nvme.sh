#!/usr/bin/env bash
# Lab test (issue 23 §3): the passthrough suite's nvme rows, as `make run
# SUITE=passthrough TARGET=lab` runs them (scripts/run.sh, the suite's
# "# lab:" line with its scratch namespace, --only nvme): one row per IOMMU
# mode, ok, with exact counts per read (tracefs maps and unmaps over the
# counting pass's reads; the vIOMMU's invalidations over the timing pass's,
# params.ios_timing_pass), iops, and params.iommu_visibility (the guest's
# vIOMMU translates strict and lazy; identity leaves it to the hypervisor).
# One boot.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
. tests/lib/lab-host.sh
lab_prepare passthrough-nvme
RESULTS=$out LAB_TIMEOUT=600 ARGS='--only nvme' bash scripts/run.sh passthrough lab \
	>"$out/run.log" 2>&1
rc=$?
check "make run SUITE=passthrough TARGET=lab ARGS='--only nvme' exits 0 (rc=$rc: $(tail -n2 "$out/run.log" | tr '\n' ' '))" \
	test "$rc" = 0
d=$(ls -d "$out"/passthrough/qemu-lab-* 2>/dev/null | head -n1)
[[ -f $d/results.json ]] || { nok "passthrough: no results.json ($(tail -n3 "$out/run.log" | tr '\n' ' '))"; exit 1; }
python3 - "$d/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
doc = json.load(open(sys.argv[1]))
rows = {r["params"].get("iommu_mode"): r for r in doc["results"] if r.get("engine") == "nvme"}
ok(sorted(rows) == ["dma-lazy", "dma-strict", "identity"] and
   all(r["status"] == "ok" for r in rows.values()),
   "three nvme rows ok: %s" % {k: (r["status"], r.get("reason")) for k, r in rows.items()})
per = {}
for mode, r in sorted(rows.items()):
    if r["status"] != "ok":
        continue
    c = {k: v["value"] for k, v in r.get("counters", {}).items()}
    ios_count = r.get("counting_pass", {}).get("ios", 0)
    ios_time = r["params"].get("ios_timing_pass", 0)
    ok(r["params"]["iommu_mode_effective"] == mode and ios_time == 256 and ios_count == 256,
       "%s: effective mode %s, reads: timing pass %d, counting pass %d (256 each)"
       % (mode, r["params"]["iommu_mode_effective"], ios_time, ios_count))
    per[mode] = {"maps": c.get("iommu_maps", -1) / max(ios_count, 1),
                 "unmaps": c.get("iommu_unmaps", -1) / max(ios_count, 1),
                 "inval": c.get("iommu_invalidations", -1) / max(ios_time, 1)}
    print("# %s per read: %s, iops %.0f (emulated)" % (mode, per[mode], r["metrics"]["iops"]["median"]))
    ok(r["metrics"]["iops"]["median"] > 0 and r["metrics"]["iops"]["unit"] == "ios_per_s",
       "%s: iops %.0f" % (mode, r["metrics"]["iops"]["median"]))
    want = "hypervisor" if mode == "identity" else "guest-viommu"
    ok(r["params"].get("iommu_visibility") == want,
       "%s: iommu_visibility %s (expected %s)" % (mode, r["params"].get("iommu_visibility"), want))
if len(per) == 3:
    ok(per["identity"] == {"maps": 0, "unmaps": 0, "inval": 0},
       "identity: 0 maps, 0 unmaps, 0 invalidations per read: %s" % per["identity"])
    ok(per["dma-strict"]["maps"] == 1 and per["dma-strict"]["unmaps"] == 1 and
       per["dma-strict"]["inval"] == 1,
       "dma-strict: exactly 1 map, 1 unmap, 1 invalidation per read (caching-mode off: at unmap only): %s"
       % per["dma-strict"])
    ok(per["dma-lazy"]["maps"] == 1 and per["dma-lazy"]["unmaps"] == 1 and
       per["dma-lazy"]["inval"] < per["dma-strict"]["inval"],
       "dma-lazy: exactly 1 map and 1 unmap per read, fewer invalidations than strict: %s"
       % per["dma-lazy"])
PY
