#!/usr/bin/env bash
# Findings (issue 15), fast and without the lab: variants of the report
# fixture (tests/report/findings_variant.py: a window sweep with a knee,
# isolation rows; a lab and a host platform) through `iommubench finish`:
# finding rows in results.json (text, number, CI, source rows; idempotent),
# the same lines at the end of finish's output, the report opening with
# them in headless Chromium's DOM (tests/report/check_findings.py), no
# figure flat by construction drawn, figure order per platform, `compare`
# with the findings side by side, and the plain fixture (findings computed
# by the report when results.json has none).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report-test.sh
[[ -x $bin ]] || { nok "findings: $bin missing (make build)"; exit 1; }
command -v gnuplot >/dev/null || { ok "findings # SKIP gnuplot not installed (make deps)"; exit 0; }
. tests/lib/chromium-render.sh

for v in lab host knee16m; do
	mkdir -p "$tmp/$v"
	case $v in
	knee16m) python3 tests/report/findings_variant.py "$fix/results.json" "$tmp/$v/results.json" lab 16777216 ;;
	*) python3 tests/report/findings_variant.py "$fix/results.json" "$tmp/$v/results.json" "$v" ;;
	esac
	"$bin" finish "$tmp/$v" >"$tmp/$v.out" 2>"$tmp/$v.err"
	rc=$?
	check "$v: finish exits 0 (rc=$rc: $(tail -n1 "$tmp/$v.err"))" test "$rc" = 0
done

# results.json: the rows and their numbers
python3 - "$tmp/lab/results.json" "$tmp/host/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
lab, host = (json.load(open(p)) for p in sys.argv[1:3])
def f(d):
    return {r["name"]: r for r in d["results"] if r["name"].startswith("finding/")}
L, H = f(lab), f(host)
ok(list(L) == ["finding/iotlb_reach/page_size:4k", "finding/iotlb_miss_penalty/4k",
               "finding/iotlb_miss_penalty/2m", "finding/misses_per_dma/2m_vs_4k",
               "finding/unmap_strict_vs_lazy/map/page_size:4k", "finding/isolation"],
   "lab: finding rows reach, miss penalty 4k and 2m, 2m vs 4k, strict/lazy, isolation (no NUMA: flat by construction): %s" % list(L))
pen = [n for n in L if n.startswith("finding/iotlb_miss_penalty/")]
ok(all(r["run_type"] == "derived" and r["status"] == ("skipped" if n in pen else "ok") and r["finding"]
       and r["params"]["source_rows"] for n, r in L.items()),
   "lab: finding rows are derived, ok (the miss penalty: skipped), with text and source_rows")
ok(all(L[n]["reason"].startswith("DMA timing is flat by construction: the edu device completes every DMA after a fixed timer")
       and L[n]["finding"].startswith("IOTLB miss penalty (%s, edu 0000:00:03.0): not estimated: DMA timing is flat by construction" % n.split("/")[2])
       and not L[n]["metrics"] for n in pen),
   "lab: the miss penalty is skipped, not computed: the edu's timing is flat by construction: %s"
   % [L[n].get("reason") for n in pen])
names = {r["name"] for r in lab["results"]}
ok(all(s in names for r in L.values() for s in r["params"]["source_rows"][:1]),
   "lab: each finding's first source row is a row of the run")
e = L["finding/iotlb_reach/page_size:4k"]["metrics"]["iotlb_entries"]
# the fixture's coarse sweep, not refined: the finding states the bracket
ok((e["median"], e["ci95_low"], e["ci95_high"]) == (640, 256, 1024)
   and L["finding/iotlb_reach/page_size:4k"]["params"]["converged"] is False
   and L["finding/iotlb_reach/page_size:4k"]["finding"].startswith(
       "IOTLB reach (4k, edu 0000:00:03.0): between 256 and 1024 entries (bracket wider than +-5 %; "
       "the sweep's windows, not refined), knee at 4 MiB"),
   "lab: reach between 256 and 1024 entries, knee 4 MiB: %s" % L["finding/iotlb_reach/page_size:4k"]["finding"])
m = L["finding/misses_per_dma/2m_vs_4k"]
# 4k at 16 MiB: 4096 pages x 3 reps + 0.8 x 3000 = 14688 misses; 2m: 8 x 3 = 24; 3000 DMAs each
ok(abs(m["metrics"]["miss_ratio"]["median"] - 14688 / 24) < 1e-6
   and m["metrics"]["miss_ratio"]["ci95_low"] < 612 < m["metrics"]["miss_ratio"]["ci95_high"]
   and m["finding"].startswith("2m pages: 612× fewer IOTLB misses per DMA than 4k at 16 MiB (0.008 vs 4.9"),
   "lab: 2m vs 4k misses per DMA 612x with a Poisson CI around it: %s" % m["finding"])
u = L["finding/unmap_strict_vs_lazy/map/page_size:4k"]
ok(abs(u["metrics"]["unmap_ratio"]["median"] - 2807 / 1807) < 1e-9
   and abs(u["metrics"]["unmap_ratio"]["ci95_low"] - 2798 / 1816) < 1e-9
   and "1.55× (2807 vs 1807 ns" in u["finding"] and "guest instruction time" in u["finding"]
   and "includes 1" not in u["finding"],
   "lab: strict/lazy unmap 1.55x, CI [2798/1816, 2816/1798], emulated: %s" % u["finding"])
ok(L["finding/isolation"]["finding"] == "isolation: held in dma-strict and dma-lazy, not in identity (as expected)",
   "isolation verdict sentence: %s" % L["finding/isolation"]["finding"])
n = H.get("finding/numa_penalty/numa", {})
ok(n.get("metrics", {}).get("latency_ratio", {}).get("median") == 1.4
   and "1.4× the DMA latency" in n.get("finding", "") and "includes 1" not in n.get("finding", ""),
   "host: NUMA penalty 1.4x (1400 vs 1000 ns): %s" % n.get("finding"))
ok("guest instruction time" not in H["finding/unmap_strict_vs_lazy/map/page_size:4k"]["finding"],
   "host: no 'emulated' in the host's findings")
PY

# a CI that overlaps 'no effect' says so
python3 - "$tmp/lab/results.json" "$tmp/noeff.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["name"] == "map/page_size:4k/iommu_mode:dma-lazy":
        m = r["metrics"]["unmap_ns"]
        m["median"], m["ci95_low"], m["ci95_high"] = 2800, 2700, 2900
json.dump(d, open(sys.argv[2], "w"))
PY
mkdir -p "$tmp/noeff" && mv "$tmp/noeff.json" "$tmp/noeff/results.json"
"$bin" derive "$tmp/noeff" >"$tmp/noeff.out" 2>&1
check "a ratio whose CI includes 1 says so ($(grep 'strict/lazy' "$tmp/noeff.out"))" \
	grep -q 'strict/lazy unmap (map/page_size:4k): 1× (2807 vs 2800 ns; 95 % CI from the two medians.* CIs: 0.965× to 1.04×, which includes 1: no effect distinguishable' "$tmp/noeff.out"
n1=$(grep -c '"name": "finding/' "$tmp/noeff/results.json")
"$bin" derive "$tmp/noeff" >/dev/null 2>&1
n2=$(grep -c '"name": "finding/' "$tmp/noeff/results.json")
check "derive is idempotent for findings ($n1 then $n2 rows)" test "$n1" = "$n2" -a "$n1" -gt 0

# finish ends with the findings, the same text as results.json's rows
python3 - "$tmp/lab.out" "$tmp/lab/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
out = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = [r for r in json.load(open(sys.argv[2]))["results"] if r["name"].startswith("finding/")]
want = ["  - %s [rows: %s]" % (r["finding"], ", ".join(r["params"]["source_rows"])) for r in rows]
i = out.index("findings:") if "findings:" in out else -1
tail = out[i + 1:]
ok(i >= 0 and tail[:len(want)] == want and len(tail) == len(want) + 1 and tail[-1].startswith("  note: DMA timings are not findings here"),
   "finish's output ends with the findings (results.json's text and rows) and the timing note: %s" % tail[-1:])
PY

# the report in headless Chromium: findings first, numbers, no flat figure
for v in lab host knee16m; do
	if chromium_dump_dom "$tmp/$v/report.html" "$tmp/$v.dom.html"; then
		python3 tests/report/check_findings.py "$tmp/$v.dom.html" "$tmp/$v/results.json" "$v (chromium DOM)"
	else
		ok "$v: chromium DOM # SKIP chromium not installed (make deps)"
	fi
done
check "lab: the flat timing figures are one-line notes, not images" \
	bash -c "grep -q '<p class=\"flat\" id=\"fig-window_latency\"><b>DMA latency vs window</b>: not drawn: flat by construction' '$tmp/lab/report.html' && ! grep -q 'alt=\"DMA latency vs window\"' '$tmp/lab/report.html' && test -s '$tmp/lab/plots/data/window_latency.dat' && ! test -e '$tmp/lab/plots/window_latency.svg'"
check "host: a flat timing figure is drawn and its caption says it is flat" \
	bash -c "grep -q 'alt=\"Bandwidth vs window\"' '$tmp/host/report.html' && grep -q 'Flat: the bandwidth_bytes_per_s medians of 10 rows lie within 0.78 %' '$tmp/host/report.html'"
check "captions say what to read: the knee and the ratio (misses), strict/lazy (map/unmap), emulated" \
	bash -c "grep -q 'What to read: a line&#39;s knee is its page size&#39;s IOTLB reach.*knee at 4 MiB.*612× fewer.*exact counts of the emulated IOMMU' '$tmp/lab/report.html' && grep -q 'What to read: dma-strict invalidates.*1.55×.*guest instruction time under emulation' '$tmp/lab/report.html'"

# compare: findings side by side (reach brackets 256..1024 vs 1024..4096 entries)
"$bin" compare "$tmp/lab" "$tmp/knee16m" -o "$tmp/cmp.csv" >"$tmp/cmp.out" 2>&1
rc=$?
check "compare: exit 0, reach 640 [256, 1024] vs 2560 [1024, 4096] entries as a metric row" \
	bash -c "[[ $rc == 0 ]] && grep -qE '^finding/iotlb_reach/page_size:4k +iotlb_entries +640 \[256, 1024\] +2560 \[1024, 4096\] +4\.0000' '$tmp/cmp.out' && grep -q '^finding/iotlb_reach/page_size:4k,iotlb_entries,entries,640,256,1024,2560,1024,4096,4' <(cut -d, -f3- '$tmp/cmp.csv')"
check "compare: the findings' text side by side" \
	bash -c "grep -A2 '^  finding/iotlb_reach/page_size:4k$' '$tmp/cmp.out' | grep -q 'between 256 and 1024 entries' && grep -A2 '^  finding/iotlb_reach/page_size:4k$' '$tmp/cmp.out' | grep -q 'between 1024 and 4096 entries (bracket wider than +-5 %; the sweep.s windows, not refined), knee at 16 MiB'"

# the plain fixture, never derived with findings: the report computes them
cp -r "$fix" "$tmp/plain"
"$bin" report "$tmp/plain" >/dev/null 2>&1
check "report on a run without finding rows computes them and says so (reach 64 entries from the fixture's row)" \
	bash -c "grep -q '<span class=\"finding\">IOTLB reach (4k): between 64 and 256 entries (bracket wider than +-5 %; the sweep&#39;s windows, not refined), knee at 1 MiB' '$tmp/plain/report.html' && grep -q 'class=\"computed\"' '$tmp/plain/report.html' && ! grep -q 'finding/' '$tmp/plain/results.json'"

# a hostile row name reaches the terminal without its control characters
mkdir -p "$tmp/hostile"
python3 - "$tmp/lab/results.json" "$tmp/hostile/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["name"].startswith("map/page_size:4k/iommu_mode:dma-strict"):
        r["name"] = "map/\x1b[31mred\x07/iommu_mode:dma-strict"
json.dump(d, open(sys.argv[2], "w"))
PY
"$bin" derive "$tmp/hostile" >"$tmp/hostile.out" 2>&1
check "findings on the console: control characters from row names replaced ($(grep -c 'strict/lazy unmap (map/?\[31mred?)' "$tmp/hostile.out") line)" \
	bash -c "grep -q 'strict/lazy unmap (map/?\[31mred?)' '$tmp/hostile.out' && ! grep -q \$'\\x1b' '$tmp/hostile.out'"
