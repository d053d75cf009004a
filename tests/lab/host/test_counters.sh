#!/usr/bin/env bash
# Lab test (issue 5): per-point counter attribution.  The same edu points run
# in two separate boots; `iommubench lab-merge` must give identical lab:
# IOTLB counts, 2M pages must miss less than 4K pages, tracefs must record
# the map sizes, and `iommubench compare` must work on the two lab runs.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/lib/tap.sh
. tests/lib/lab-host.sh
lab_prepare counters
for i in 1 2; do
	mkdir -p "$out/$i"
	python3 scripts/lab/lab.py exec --out "$out/$i" --timeout 300 -- \
		"iommubench run --engine edu --page-size 4k,2m --window 64k --xfer-size 2048 --results-dir /out --run-id c$i --platform qemu-lab --lab-ctl \"\$IOMMUBENCH_LAB_CTL\"" \
		>"$out/$i/guest.log" 2>&1
	d=$out/$i/adhoc/c$i
	if [[ ! -f $d/results.json ]]; then
		echo "not ok - boot $i: no results.json: $(grep -v '^\[' "$out/$i/guest.log" | tail -n2 | tr '\n' ' ')"
		exit 1
	fi
	cp "$out/$i/qemu-trace.log" "$out/$i/marks.tsv" "$out/$i/qemu-cmdline.txt" "$d/"
	if build/iommubench lab-merge "$d" >>"$out/$i/guest.log" 2>&1; then
		echo "ok - lab-merge of boot $i"
	else
		echo "not ok - lab-merge of boot $i: $(tail -n1 "$out/$i/guest.log")"
	fi
done
python3 - "$out/1/adhoc/c1/results.json" "$out/2/adhoc/c2/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
docs = [json.load(open(p)) for p in sys.argv[1:3]]
def lab(doc):
    return {r["name"]: {k: v["value"] for k, v in r.get("counters", {}).items()
                        if v["source"].startswith("lab:")} for r in doc["results"]}
a, b = lab(docs[0]), lab(docs[1])
ok(a == b and all(a.values()), "identical lab: counts in two boots: %s" % a)
r4 = next((v for k, v in a.items() if "page_size:4k" in k), {})
r2 = next((v for k, v in a.items() if "page_size:2m" in k), {})
ok(r4.get("iotlb_miss", 0) > r2.get("iotlb_miss", 1 << 62),
   "2M pages miss less than 4K (%s vs %s)" % (r2.get("iotlb_miss"), r4.get("iotlb_miss")))
ok(all(v.get("iotlb_lookup") == v.get("iotlb_hit", 0) + v.get("iotlb_miss", 0) for v in a.values()),
   "iotlb_lookup = hit + miss")
rows = {r["name"]: r for r in docs[0]["results"]}
mb = {k: r.get("counters", {}).get("iommu_map_bytes", {}).get("value") for k, r in rows.items()}
m4 = next((v for k, v in mb.items() if "page_size:4k" in k), None)
m2 = next((v for k, v in mb.items() if "page_size:2m" in k), None)
ok(m4 and m4 % 4096 == 0 and m2 and m2 >= 2 << 20,
   "tracefs iommu_map_bytes: 4k row %s (4 KiB multiple), 2m row %s (>= 2 MiB)" % (m4, m2))
PY
if build/iommubench compare "$out/1/adhoc/c1" "$out/2/adhoc/c2" -o "$out/compare.csv" >"$out/compare.txt" 2>&1 &&
	grep -q ',iotlb_miss,count,' "$out/compare.csv"; then
	echo "ok - compare on two lab runs ($(tail -n1 "$out/compare.txt"))"
else
	echo "not ok - compare on two lab runs: $(tail -n2 "$out/compare.txt" | tr '\n' ' ')"
fi
