#!/usr/bin/env bash
# Lab test (issue 5, suites; split from test_suites.sh so that the two run
# side by side in make test): the hugepage suite through `make run ...
# TARGET=lab`.
#  4. make run SUITE=hugepage TARGET=lab: report.html and plots exist and
#     parse; 2m misses far less than 4k; the nvme and vfio rows ran.
#  5./6. That report in headless Chromium: figures with a size; the findings
#     first with results.json's numbers, no figure flat by construction
#     (tests/report/check_findings.py); make run's output ends with them.
# About 6 minutes of wall time on a 2-core machine (one boot).
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/lib/tap.sh
. tests/lib/lab-host.sh
make -s build >/dev/null 2>&1 || { nok "make build failed"; exit 1; }
lab_prepare hugepage

# ---- 4. hugepage through make run: report files and the 2m vs 4k misses ----
t0=$SECONDS
make -s run SUITE=hugepage TARGET=lab RESULTS="$out/results" >"$out/hugepage.log" 2>&1
rc=$?
dt=$((SECONDS - t0))
hp=$out/results/hugepage/latest
if ((rc == 0)); then ok "make run SUITE=hugepage TARGET=lab exits 0 (${dt}s)"; else nok "make run SUITE=hugepage TARGET=lab exited $rc: $(tail -n2 "$out/hugepage.log" | tr '\n' ' ')"; fi
python3 - "$hp/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    ok(False, "hugepage results.json: %s" % e)
    sys.exit(0)
per = {}
for r in d["results"]:
    p = r["params"]
    if r.get("engine") != "edu" or r["status"] != "ok" or p.get("pattern") != "rand":
        continue
    n = r["metrics"]["dma_latency_ns"]["n"]
    m = r.get("counters", {}).get("iotlb_miss", {}).get("value")
    if m is not None:
        per[(p["page_size"], p["window"])] = m / n
big = max((w for (ps, w) in per if ps == "4k" and ("2m", w) in per), default=None)
ok(big is not None and per[("2m", big)] * 10 < per[("4k", big)],
   "hugepage: at window %s, 2m %.4f vs 4k %.4f IOTLB misses per DMA (rand)"
   % (big, per.get(("2m", big), -1), per.get(("4k", big), -1)))
sizes = sorted({r["params"].get("page_size") for r in d["results"] if r["status"] == "ok"})
ok("4k" in sizes and "2m" in sizes, "hugepage: page sizes measured %s (1g: %s)"
   % (sizes, "ok" if "1g" in sizes else next((r.get("reason") for r in d["results"]
       if r["params"].get("page_size") == "1g"), "not planned")))
# the real-device jobs (issue 13) on the lab's scratch namespace and first edu
def rows_of(engine, metric):
    rs = [r for r in d["results"] if r.get("engine") == engine]
    good = [r for r in rs if r["status"] == "ok" and r["metrics"].get(metric, {}).get("median", 0) > 0]
    bad = ["%s: %s" % (r["name"], r.get("reason", r["status"])) for r in rs if r not in good]
    return rs, good, bad
rs, good, bad = rows_of("nvme", "iops")
ok(len(rs) == 12 and len(good) == 12,
   "hugepage: nvme rows (4k/2m/1g x 4k/128k x iodepth 1/16): %d of %d ok with iops %s" % (len(good), len(rs), bad[:2]))
# issue 22: the 4k reach refined to within +-5 % of QEMU VT-d's 1024
# entries (VTD_IOTLB_MAX_SIZE), with the refined rows in the run
reach = next((r for r in d["results"] if r["name"] == "iotlb_reach/page_size:4k"), {})
e = reach.get("metrics", {}).get("iotlb_entries", {})
ref = [r for r in d["results"] if r.get("params", {}).get("refined") is True]
ok(reach.get("status") == "ok" and abs(e.get("median", 0) - 1024) <= 0.05 * 1024
   and e.get("ci95_low", 0) <= 1024 <= e.get("ci95_high", 0) and reach["params"].get("converged") is True
   and reach["params"].get("refined_points") == len(ref) > 0 and all(r["status"] == "ok" for r in ref),
   "hugepage: 4k reach %s entries (bracket %s..%s, %d refined rows; want 1024 +-5 %%)"
   % (e.get("median"), e.get("ci95_low"), e.get("ci95_high"), len(ref)))
f = next((r for r in d["results"] if r["name"] == "finding/iotlb_reach/page_size:4k"), {})
ok("within +-5 %" in f.get("finding", "") and "refinement point" in f.get("finding", ""),
   "hugepage: the reach finding gives the estimate and bracket: %s" % f.get("finding"))
rs, good, bad = rows_of("vfio", "map_ns")
ok(len(rs) == 5 and len(good) == 5,
   "hugepage: vfio map rows (2 MiB on 4k/2m/1g, 1 GiB on 2m/1g): %d of %d ok with map_ns %s"
   % (len(good), len(rs), bad[:2]))
PY
# issue 22 §4: the run directory, trace compressed, at most 20 MB
kb=$(du -sk "$hp/" | cut -f1)
if ((kb <= 20 * 1024)) && [[ -f $hp/qemu-trace.log.zst && ! -e $hp/qemu-trace.log ]]; then
	ok "hugepage: run directory ${kb} KiB (<= 20 MiB), trace compressed"
else
	nok "hugepage: run directory ${kb} KiB: $(ls "$hp" | tr '\n' ' ')"
fi
if [[ ! -f harness/src/output/report.c ]] && [[ ! -f $hp/report.html ]]; then
	ok "hugepage report files exist and parse # SKIP report.c missing"
else
	python3 - "$hp" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = sys.argv[1]
html = os.path.join(d, "report.html")
try:
    text = open(html, encoding="utf-8").read()
    class P(HTMLParser):
        tags = 0
        def handle_starttag(self, tag, attrs):
            self.tags += 1
    p = P()
    p.feed(text)
    p.close()
    ok(p.tags > 10 and "<html" in text.lower(), "hugepage report.html parses (%d tags, %d bytes)" % (p.tags, len(text)))
except Exception as e:
    ok(False, "hugepage report.html: %s" % e)
svgs = sorted(glob.glob(os.path.join(d, "plots", "*.svg")))
pngs = sorted(glob.glob(os.path.join(d, "plots", "*.png")))
bad = []
for s in svgs:
    try:
        ET.parse(s)
    except Exception as e:
        bad.append("%s: %s" % (os.path.basename(s), e))
for s in pngs:
    if open(s, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        bad.append(os.path.basename(s) + ": not a PNG")
ok(svgs and pngs and not bad, "hugepage plots parse: %d svg, %d png %s" % (len(svgs), len(pngs), "; ".join(bad)))
PY
fi
# ---- 5. the real hugepage report renders in headless Chromium ----
if [[ -f $hp/report.html ]]; then
	. tests/lib/chromium-render.sh
	nfig=$(ls "$hp"/plots/*.svg 2>/dev/null | wc -l)
	chromium_render "$hp/report.html" "$out/chromium" "$nfig" "hugepage report"
	# ---- 6. findings (issue 15): first in the report, numbers from
	# results.json, no figure flat by construction, and make run ends with them
	if chromium_dump_dom "$hp/report.html" "$out/hugepage.dom.html"; then
		python3 tests/report/check_findings.py "$out/hugepage.dom.html" "$hp/results.json" "hugepage lab report (chromium DOM)"
	else
		ok "hugepage lab report findings # SKIP chromium not installed (make deps)"
	fi
	python3 - "$out/hugepage.log" "$hp/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
log = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
rows = {r["name"]: r for r in json.load(open(sys.argv[2]))["results"] if r["name"].startswith("finding/")}
want = ["  - %s [rows: %s]" % (r["finding"], ", ".join(r["params"]["source_rows"])) for r in rows.values()]
ok(want and all(w in log for w in want) and "findings:" in log,
   "make run prints results.json's findings at the end: %d line(s)" % len(want))
m = rows.get("finding/misses_per_dma/2m_vs_4k", {})
ok(m.get("metrics", {}).get("miss_ratio", {}).get("median", 0) > 10 and m["params"].get("pattern") == "rand",
   "hugepage: finding 2m vs 4k misses per DMA (rand): %s" % m.get("finding"))
ok("finding/numa_penalty" not in " ".join(rows) and not any("dma_latency" in n for n in rows),
   "hugepage: no finding from the edu timer's DMA timings")
PY
fi
