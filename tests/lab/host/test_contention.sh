#!/usr/bin/env bash
# Lab test (issue 14): the contention suite's sweep as two MPI ranks in one
# guest (lab.py --ranks 2), one per edu: 0000:00:03.0 (sid 0x18) and
# 0000:11:00.0 (sid 0x1100).  lab-merge must split each step's QEMU trace
# by requester id into exact per-device counts: 6144 DMAs of 2 KiB per row,
# cold misses only (window / 4 KiB) while the windows fit the vIOMMU's 1024
# IOTLB entries, one miss per page per pass (0.5 per DMA) past them; alone
# a device's knee is at 6 MiB, together (both windows share the IOTLB) at
# 3 MiB, and derive must say so.  About 2 minutes of wall time.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/lib/tap.sh
. tests/lib/lab-host.sh
[[ -f build/libiommubench-mpi.so ]] || { echo "build/libiommubench-mpi.so missing (libopenmpi-dev)"; exit 4; }
lab_prepare contention
sed 's/^window=.*/window=1m,3m,6m/' bench/suites/contention.suite >"$out/contention.suite"
t0=$SECONDS
python3 scripts/lab/lab.py exec --ranks 2 --mem 2048 --out "$out" --add "$out/contention.suite" --timeout 400 -- \
	"iommubench run --suite /opt/extra/contention.suite --results-dir /out --run-id c --platform qemu-lab --lab-ctl \"\$IOMMUBENCH_LAB_CTL\"" \
	>"$out/guest.log" 2>&1
rc=$?
wall=$((SECONDS - t0))
d=$out/contention/c
if [[ $rc != 0 || ! -f $d/results.json ]]; then
	echo "not ok - contention in the lab: rc=$rc: $(grep -v '^ ' "$out/guest.log" | tail -n3 | tr '\n' ' ')"
	exit 1
fi
echo "ok - contention suite as 2 ranks in one guest (${wall} s wall, $(sed -n 's/^boot_s=//p' "$out/lab-run.txt" | cut -c1-4) s boot)"
cp "$out/qemu-trace.log" "$out/marks.tsv" "$out/qemu-cmdline.txt" "$d/"
build/iommubench finish "$d" >"$out/finish.log" 2>&1 || echo "not ok - finish: $(tail -n1 "$out/finish.log")"
python3 - "$d/results.json" "$d/report.html" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = json.load(open(sys.argv[1]))
rows = {r["name"]: r for r in d["results"]}
dev = {0: ("0000:00:03.0", 0x18), 1: ("0000:11:00.0", 0x1100)}
want = {("alone", "1m"): 256, ("alone", "3m"): 768, ("alone", "6m"): 3072,
        ("together", "1m"): 256, ("together", "3m"): 3072, ("together", "6m"): 3072}
bad = []
for (c, w), miss in want.items():
    for k in (0, 1):
        n = f"contention/window:{w}/concurrency:{c}/rank:{k}"
        r = rows.get(n)
        if not r:
            bad.append(f"{n} missing"); continue
        p, ct = r["params"], r["counters"]
        got = (r["status"], p["device"], p.get("lab_sid"), ct["iotlb_miss"]["value"], ct["iotlb_lookup"]["value"],
               ct["iotlb_miss"]["source"].endswith("[sid=0x%x]" % dev[k][1]))
        exp = ("ok", dev[k][0], dev[k][1], miss, 6144, True)
        if got != exp:
            bad.append(f"{n}: {got} != {exp}")
ok(not bad, "per-device counts by sid, alone and together: " + ("; ".join(bad) if bad else
   "misses/DMA alone 0.042/0.125/0.5, together 0.042/0.5/0.5 at 1m/3m/6m, both devices"))
ctx = d["context"]
ok(ctx.get("rank_count") == 2 and [x.get("device") for x in ctx.get("ranks", [])] == ["0000:00:03.0", "0000:11:00.0"]
   and all("iommu" in x["context"] for x in ctx["ranks"]),
   "context.ranks: one device per rank (local rank picks it), each rank's context")
knees = {r["name"]: r["params"].get("knee_window") for r in d["results"]
         if r.get("run_type") == "derived" and r["name"].startswith("iotlb_reach/")}
reach_findings = [r for r in d["results"] if r["name"].startswith("finding/iotlb_reach/")]
ok(len(reach_findings) == 4 and all(str(r.get("finding", "")).startswith("IOTLB reach") for r in reach_findings),
   "findings: one IOTLB reach sentence per concurrency and rank: %s" % [r.get("finding") for r in reach_findings])
exp = {f"iotlb_reach/page_size:4k/concurrency:{c}/rank:{k}": w
       for c, w in (("alone", 6 << 20), ("together", 3 << 20)) for k in (0, 1)}
ok(knees == exp, f"derive: the knee moves from 6 MiB alone to 3 MiB together for each device: {knees}")
html = open(sys.argv[2]).read()
ok('id="contention"' in html and 'id="ranks"' in html and "0000:11:00.0" in html,
   "report: ranks and hosts, contention table")
PY
