#!/usr/bin/env bash
# `iommubench report` on tests/fixtures/report/run (a qemu-lab hugepage run
# with a 4k/2m window sweep and iotlb_miss counters, map/unmap per mode, a
# NUMA triple set, skipped/error rows and derived iotlb_reach rows): files,
# SVGs that parse, tables and values in report.html, "emulated" titles, the
# headless-Chromium render (screenshot + figures with a size), and the error
# cases (missing dir, bad JSON, wrong schema, no gnuplot).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/report-test.sh

if [[ ! -x $bin ]]; then
	echo "not ok - report: $bin missing (make build)"
	exit 1
fi
if ! command -v gnuplot >/dev/null; then
	echo "ok - report render # SKIP gnuplot not installed (make deps)"
	exit 0
fi

run=$tmp/run
cp -r "$fix" "$run"
out=$("$bin" report "$run" 2>&1); rc=$?
check "report exits 0 on the fixture (rc=$rc: $out)" test "$rc" = 0

# The fixture is a lab run: its DMA timings are flat by construction (the
# edu timer), so those four figures are one-line notes; a host copy of it
# draws all six (and says which are flat).
figs=(window_latency window_bandwidth iotlb_misses map_unmap numa latency_cdf)
missing=()
for f in iotlb_misses map_unmap; do
	for ext in svg png; do [[ -s $run/plots/$f.$ext ]] || missing+=("$f.$ext"); done
done
check "lab fixture: counts and map/unmap drawn as SVG and PNG (missing: ${missing[*]:-none})" test ${#missing[@]} = 0
check "lab fixture: the four DMA timing figures not drawn, flat by construction, data kept" \
	bash -c "[[ \$(grep -c '<p class=\"flat\" id=\"fig-[a-z_]*\"><b>[^<]*</b>: not drawn: flat by construction: in the lab the edu device' '$run/report.html') == 4 ]] && ! ls '$run'/plots/{window_latency,window_bandwidth,numa,latency_cdf}.svg 2>/dev/null && test -s '$run/plots/data/window_latency.dat'"
hostrun=$tmp/hostrun
mkdir -p "$hostrun"
python3 - "$fix/results.json" "$hostrun/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["context"]["platform"] = "host"
json.dump(d, open(sys.argv[2], "w"))
PY
out=$("$bin" report "$hostrun" 2>&1); rc=$?
missing=()
for f in "${figs[@]}"; do
	for ext in svg png; do [[ -s $hostrun/plots/$f.$ext ]] || missing+=("$f.$ext"); done
done
check "host copy: all six figures drawn as SVG and PNG, timings first (rc=$rc; missing: ${missing[*]:-none})" \
	bash -c "[[ $rc == 0 && ${#missing[@]} == 0 ]] && [[ \$(grep -o '<figure id=\"fig-[a-z_]*' '$hostrun/report.html' | head -n1) == '<figure id=\"fig-window_latency' ]]"
check "host copy: flat timing figures drawn, captions say they are flat" \
	bash -c "grep -q 'Flat: the dma_latency_ns medians of 14 rows lie within 0.02 %' '$hostrun/report.html' && grep -q 'Flat: the bandwidth_bytes_per_s medians of 10 rows lie within 0.78 %' '$hostrun/report.html'"
check "report.html written" test -s "$run/report.html"
check "no temporary files left" test -z "$(find "$run" -name '*.tmp')"

bad=$(python3 - "$run"/plots/*.svg <<'PY'
import sys, xml.etree.ElementTree as ET
bad = []
for p in sys.argv[1:]:
    try:
        root = ET.parse(p).getroot()
        text = " ".join(t for t in root.itertext())
        if "emulated (qemu-lab)" not in text or "ci-host" not in text:
            bad.append(p + ": title without 'emulated (qemu-lab)' and the host")
    except ET.ParseError as e:
        bad.append(f"{p}: {e}")
print("; ".join(bad))
PY
)
check "SVGs parse and their titles say 'emulated (qemu-lab)' and the host${bad:+: $bad}" test -z "$bad"

pngs_ok=1
for f in "$run"/plots/*.png; do
	[[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || pngs_ok=0
done
check "PNGs are PNG files" test $pngs_ok = 1

html=$run/report.html
has() { grep -qF -- "$1" "$html"; }
check "title says emulated (qemu-lab) and the host" \
	grep -q '<title>iommubench report: hugepage &mdash; emulated (qemu-lab), host ci-host</title>' "$html"
check "h1 says emulated" grep -q '<h1>.*emulated (qemu-lab).*</h1>' "$html"
check "two figures embedded as SVG data URIs (lab)" test "$(grep -c '<img alt="[^"]*" src="data:image/svg+xml;base64,' "$html")" = 2
check "host copy: six figures embedded as SVG data URIs" test "$(grep -c '<img alt="[^"]*" src="data:image/svg+xml;base64,' "$hostrun/report.html")" = 6
check "medians: 4k/64k dma_latency_ns 100004096 with CI [100004084, 100004108]" \
	grep -q '<td class="name">hugepage/page_size:4k/window:64k</td><td>dma_latency_ns</td><td>ns</td><td>3000</td><td class="med">100004096</td><td>\[100004084, 100004108\]' "$html"
check "medians: map_ns under dma-strict 1411" \
	grep -q 'map/page_size:4k/iommu_mode:dma-strict</td><td>map_ns</td><td>ns</td><td>3000</td><td class="med">1411</td>' "$html"
check "medians: numa cpu1/mem1 100001100" grep -q 'numa/cpu_node:1/mem_node:1/dev_node:0</td><td>dma_latency_ns.*100001100' "$html"
check "derived: iotlb_reach/page_size:4k, 64 entries, knee 1048576" \
	grep -q 'iotlb_reach/page_size:4k</td><td>ok</td><td>iotlb_entries</td><td class="med">64</td><td>\[64, 256\]</td><td>1048576</td>' "$html"
check "derived: 2m skipped with its reason" grep -q 'iotlb_reach/page_size:2m</td><td>skipped</td>.*no knee up to 16 MiB' "$html"
check "counters per row: 4k/1m iotlb_miss 2000 from lab:vtd_iotlb_page_update" \
	grep -q 'hugepage/page_size:4k/window:1024k</td><td>iotlb_miss</td><td class="med">2000</td><td>lab:vtd_iotlb_page_update' "$html"
check "counters_unavailable listed with reasons" has 'Component containing event is disabled (perf_event): paranoid=3'
check "skipped rows with reasons" has 'no 1G hugepages on node 0 (hugepages-1048576kB/nr_hugepages=0)'
check "error row's reason HTML-escaped" has 'edu DMA timed out after 1000 ms &lt;check edu_timeout_ms&gt; &amp; &quot;dmesg&quot;'
check "no raw '<check' from the results" bash -c "! grep -q '<check' '$html'"
check "context: kernel, cmdline, CPU, NUMA, IOMMU, hugepages, git sha, version" \
	bash -c "grep -q '6.1.0-28-amd64' '$html' && grep -q 'intel_iommu=on iommu.strict=1' '$html' && grep -q 'QEMU Virtual CPU' '$html' && grep -q '2 node(s)' '$html' && grep -q '<th>IOMMU vendor</th><td>intel' '$html' && grep -q '1 group(s)' '$html' && grep -q '2048kB' '$html' && grep -q '1234abc' '$html' && grep -q '<th>tool version</th><td>0.1.0' '$html'"
check "reproduce: make run SUITE=hugepage TARGET=lab and the harness argv" \
	bash -c "grep -q 'make run SUITE=hugepage TARGET=lab' '$html' && grep -q 'iommubench run --suite /opt/iommubench/suites/hugepage.suite --results-dir /out' '$html'"
check "figure data derived into plots/data" test -s "$run/plots/data/iotlb_misses.dat"

# Rendering in headless Chromium: a screenshot, and every figure loaded
# with a size (a probe script records naturalWidth/Height before the dump).
. tests/lib/chromium-render.sh
chromium_render "$html" "$tmp/chromium" 2 "fixture report"
chromium_render "$hostrun/report.html" "$tmp/chromium-host" 6 "fixture report, host copy"

# Re-running is idempotent and make plots goes through the same command.
out=$(make -s plots RUN="$run" 2>&1); rc=$?
check "make plots RUN=<dir> re-draws (rc=$rc)" test "$rc" = 0

# A run with nothing to draw lists the figures as "not drawn: reason".
empty=$tmp/empty
mkdir -p "$empty"
python3 - "$fix/results.json" "$empty/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["results"] = [r for r in d["results"] if r["status"] != "ok"]
json.dump(d, open(sys.argv[2], "w"))
PY
head -n1 "$fix/results.csv" >"$empty/results.csv"
out=$("$bin" report "$empty" 2>&1); rc=$?
check "a run without data: exit 0, figures listed as not drawn (rc=$rc)" \
	bash -c "[[ $rc == 0 ]] && [[ \$(grep -c 'not drawn: ' '$empty/report.html') == 10 ]] && ! ls '$empty'/plots/*.svg >/dev/null 2>&1"

# Errors: one line naming the file, exit 1.
one_line_err() { # name expected-rc pattern cmd...
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1); rc=$?
	if [[ $rc == "$want" && $(wc -l <<<"$out") == 1 && $out == *$pat* ]]; then
		ok "$name"
	else
		nok "$name: rc=$rc out=$out"
	fi
}
one_line_err "missing dir: exit 1, one line" 1 "$tmp/nope" "$bin" report "$tmp/nope"
mkdir -p "$tmp/badjson" && echo '{"schema": "iommubench/1", ' >"$tmp/badjson/results.json"
one_line_err "bad JSON: exit 1, one line naming results.json" 1 "badjson/results.json" "$bin" report "$tmp/badjson"
mkdir -p "$tmp/schema" && sed 's|"iommubench/1"|"iommubench/0"|' "$fix/results.json" >"$tmp/schema/results.json"
cp "$fix/results.csv" "$tmp/schema/"
one_line_err "wrong schema: exit 1, one line naming the file and field" 1 "results.json: schema" "$bin" report "$tmp/schema"
# results.json is the source of truth: results.csv is derived from it on load.
mkdir -p "$tmp/nocsv" && cp "$fix/results.json" "$tmp/nocsv/"
out=$("$bin" report "$tmp/nocsv" 2>&1); rc=$?
check "missing results.csv: derived from results.json, exit 0 (rc=$rc: $out)" \
	bash -c "[[ $rc == 0 ]] && cmp -s '$fix/results.csv' '$tmp/nocsv/results.csv'"
mkdir -p "$tmp/badcsv" && cp "$fix/results.json" "$tmp/badcsv/" && echo 'run_id,name' >"$tmp/badcsv/results.csv"
out=$("$bin" report "$tmp/badcsv" 2>&1); rc=$?
check "a CSV that disagrees with results.json is rewritten from it (rc=$rc: $out)" \
	bash -c "[[ $rc == 0 ]] && cmp -s '$fix/results.csv' '$tmp/badcsv/results.csv' && [[ \$(grep -c '<img alt=' '$tmp/badcsv/report.html') == 2 ]]"
one_line_err "usage: exit 1" 1 "usage: iommubench report" "$bin" report
cp -r "$fix" "$tmp/nogp"
one_line_err "gnuplot missing: exit 3, one line saying unavailable" 3 "gnuplot unavailable" \
	env IOMMUBENCH_GNUPLOT=/nonexistent/gnuplot "$bin" report "$tmp/nogp"
check "gnuplot missing: report.html still written, figures not drawn" \
	bash -c "grep -q 'not drawn: gnuplot unavailable' '$tmp/nogp/report.html'"

# compare's overlay plots (report.c's ib_report_compare_overlay).
cmpd=$tmp/cmp
mkdir -p "$cmpd"
out=$("$bin" compare tests/fixtures/compare/a tests/fixtures/compare/b/results.json -o "$cmpd/compare.csv" 2>&1); rc=$?
bad=$(python3 - "$cmpd" <<'PY'
import sys, os, xml.etree.ElementTree as ET
d = sys.argv[1]; bad = []
for m in ("dma_latency_ns", "map_ns", "unmap_ns"):
    for ext in ("svg", "png"):
        p = os.path.join(d, f"compare-{m}.{ext}")
        if not os.path.getsize(p) if os.path.exists(p) else True: bad.append(p + " missing")
    p = os.path.join(d, f"compare-{m}.svg")
    if os.path.exists(p):
        t = " ".join(ET.parse(p).getroot().itertext())
        if "labA-20261124T070000Z" not in t or "labB-20261124T080000Z" not in t or "emulated (qemu-lab)" not in t:
            bad.append(p + ": no run names / emulated title")
print("; ".join(bad))
PY
)
check "compare draws overlay plots A vs B with CI bars (rc=$rc)${bad:+: $bad}" \
	bash -c "[[ $rc == 0 && -z '$bad' ]] && grep -q 'overlay plots: 4 metric' <<<'$out'"
