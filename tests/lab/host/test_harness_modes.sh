#!/usr/bin/env bash
# Lab test: map and edu rows produced through the harness in the three
# settable IOMMU modes (identity, dma-strict, dma-lazy; caching-mode off so
# that lazy is possible), the lab BEGIN/END handshake, and the group type
# verifiably restored after the run.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/lib/tap.sh
bdf=0000:00:03.0
. tests/lib/lab-host.sh
lab_prepare modes
guest="t=/sys/bus/pci/devices/$bdf/iommu_group/type; echo before=\$(cat \$t);
iommubench run --engine map,edu --device $bdf --iommu-mode identity,dma-strict,dma-lazy \
  --window 1m --xfer-size 2048 --iterations 4 --warmup 0 --min-reps 1 --max-reps 2 --verify 1 \
  --results-dir /out --run-id modes --platform qemu-lab --lab-ctl \"\$IOMMUBENCH_LAB_CTL\"; echo rc=\$?;
echo after=\$(cat \$t);
iommubench run --engine edu --op isolation --device 0000:11:00.0 --iommu-mode identity --mem-node local \
  --results-dir /out --run-id unreach --platform qemu-lab; echo rc2=\$?"
python3 scripts/lab/lab.py exec --caching-mode off --out "$out" --timeout 300 -- "$guest" >"$out/guest.log" 2>&1
f=$out/adhoc/modes/results.json
if [[ ! -f $f ]]; then
	echo "not ok - no results.json: $(grep -v '^\[' "$out/guest.log" | tail -n3 | tr '\n' ' ')"
	exit 1
fi
grep -q '^rc=0' "$out/guest.log" && echo "ok - harness exit 0 in the lab" ||
	echo "not ok - harness exit: $(grep '^rc=' "$out/guest.log")"
before=$(sed -n 's/^before=//p' "$out/guest.log" | tr -d '\r')
after=$(sed -n 's/^after=//p' "$out/guest.log" | tr -d '\r')
if [[ -n $before && $before == "$after" ]]; then
	echo "ok - group type restored after the run ($after)"
else
	echo "not ok - group type before '$before', after '$after'"
fi
python3 - "$f" "$out/marks.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
marks = open(sys.argv[2]).read() if sys.argv[2] else ""
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
ok(d["context"]["platform"] == "qemu-lab" and d["complete"], "platform qemu-lab, complete")
rows = {r["name"]: r for r in d["results"]}
for eng in ("map", "edu"):
    for mode in ("identity", "dma-strict", "dma-lazy"):
        r = next((r for n, r in rows.items() if r["engine"] == eng and r["params"].get("iommu_mode") == mode), None)
        if r is None:
            ok(False, f"{eng} {mode}: row missing")
            continue
        p = r["params"]
        metric = "map_ns" if eng == "map" else "dma_latency_ns"
        good = (r["status"] == "ok" and p.get("iommu_mode_effective") == mode and metric in r["metrics"]
                and p.get("page_size_obtained") == 4096 and p.get("device") == "0000:00:03.0")
        ok(good, f"{eng} {mode}: status {r['status']}, effective {p.get('iommu_mode_effective')}, "
                 f"{metric} median {r['metrics'].get(metric, {}).get('median')} {r.get('reason', '')}")
        ok(f"BEGIN\t{r['name']}" in marks and f"END\t{r['name']}" in marks, f"{eng} {mode}: lab BEGIN/END marks")
PY
# 28-bit edu on node 1 in identity: the buffer (node 1 starts at 1 GiB)
# is out of the device's reach; a skipped row with the reason, not an error.
python3 - "$out/adhoc/unreach/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
try:
    r = json.load(open(sys.argv[1]))["results"][0]
except Exception as e:
    ok(False, f"identity beyond the DMA mask: no row ({e})"); sys.exit()
ok(r["status"] == "skipped" and "DMA mask" in r.get("reason", ""),
   f"identity beyond the 28-bit DMA mask: {r['status']}: {r.get('reason', '')}")
PY
