#!/usr/bin/env bash
# Benchmark (not a test): what each counter source costs the timed path
# when it is live while timing (counters=inline) against none live
# (counters=none), for the map engine in the lab: 4 KiB granule 1 and a
# 2 MiB buffer at granule 512, strict and lazy.  One lab boot (caching-mode
# off, so that lazy is lazy).  Lab timings are emulated but deterministic
# under icount (1 virtual ns = 1 guest instruction): any delta is real.
# The lab's own QEMU trace is host-side and costs the guest nothing under
# icount; the sources measured here are the guest's (tracefs: papi and
# perf are unavailable under TCG and say so in the results).
#
# usage: scripts/bench-probe-cost.sh            (make bench-probe-cost)
#   KEEP=1   keep the lab results (the directory is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/ib-bench-probe-XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then echo "results kept in $work"; else trap 'rm -rf "$work"' EXIT; fi
make -s build module-lab >/dev/null
python3 scripts/lab/lab.py build --quiet
run='iommubench run --engine map --device 0000:00:03.0 --results-dir /out --platform qemu-lab --iommu-mode dma-strict,dma-lazy --counters none,inline --counter-sources tracefs'
python3 scripts/lab/lab.py exec --out "$work" --timeout 900 --caching-mode off --edu-dma-mask 0xffffffffffff \
	--module-params edu_dma_bits=48 -- \
	"$run --run-id g1 --page-size 4k --window 2m --granule 1 --iterations 1000;" \
	"$run --run-id g512 --page-size 2m --window 2m --granule 512 --iterations 300" >"$work/guest.log" 2>&1 ||
	{ echo "bench-probe-cost: the lab run failed: $(tail -n3 "$work/guest.log")" >&2; exit 2; }
python3 - "$work/adhoc" <<'PY'
import json, sys
base = sys.argv[1]
print("probe cost of tracefs (iommu:map/unmap live while timing), map engine, qemu-lab, virtual ns")
print("%-22s %-10s %-9s %10s %10s %9s %7s" % ("point", "mode", "metric", "none", "tracefs", "delta", "ratio"))
for rid, label in (("g1", "4k granule 1"), ("g512", "2m granule 512")):
    rows = json.load(open(f"{base}/{rid}/results.json"))["results"]
    by = {}
    for r in rows:
        if r["status"] != "ok":
            print("%-22s %s: %s" % (label, r["name"], r.get("reason")))
            continue
        by[(r["params"]["iommu_mode"], r["params"]["counters"])] = r
    for mode in ("dma-strict", "dma-lazy"):
        a, b = by.get((mode, "none")), by.get((mode, "inline"))
        if not a or not b:
            continue
        for m in ("map_ns", "unmap_ns"):
            x, y = a["metrics"][m]["median"], b["metrics"][m]["median"]
            print("%-22s %-10s %-9s %10.0f %10.0f %+9.0f %7.3f" % (label, mode, m, x, y, y - x, y / x))
PY
