#!/usr/bin/env bash
# Lab test (issue 5, suites): the suites through `make run ... TARGET=lab`
# and the IOTLB reach inference (`iommubench derive`).
#  1. make run SUITE=smoke TARGET=lab: exit 0, context (qemu-lab, intel
#     IOMMU, 2 NUMA nodes, both edu devices, git SHA passed into the guest).
#  2. A reduced window suite (4k job, 6 windows) in two boots: identical
#     lab iotlb_miss counts per row, and the derived knee row
#     iotlb_reach/page_size:4k with a plausible estimate (QEMU 7.2: 1024).
#  3. iommubench compare on the two runs: exit 0 and a ratio table.
#  4. make run SUITE=hugepage TARGET=lab: report.html and plots exist and
#     parse (SKIP while report.c is missing); 2m misses far less than 4k.
#  5./6. That report in headless Chromium: figures with a size; the findings
#     first with results.json's numbers, no figure flat by construction
#     (tests/report/check_findings.py); make run's output ends with them.
# About 5 minutes of lab time on a 2-core machine (hugepage: 3.5 min); one
# QEMU at a time.
set -uo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d /tmp/ib-lab-suites-XXXXXX)
trap 'rm -rf "$out"' EXIT
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }

make -s build >/dev/null 2>&1 || { nok "make build failed"; exit 1; }
make -s module-lab >/dev/null 2>&1 || { nok "make module-lab failed"; exit 1; }
python3 scripts/lab/lab.py build --quiet || { nok "lab build failed"; exit 1; }

# ---- 1. smoke through make run ----
t0=$SECONDS
make -s run SUITE=smoke TARGET=lab RESULTS="$out/results" >"$out/smoke.log" 2>&1
rc=$?
dt=$((SECONDS - t0))
if ((rc == 0)); then ok "make run SUITE=smoke TARGET=lab exits 0 (${dt}s)"; else nok "make run SUITE=smoke TARGET=lab exited $rc: $(tail -n2 "$out/smoke.log" | tr '\n' ' ')"; fi
((dt < 60)) && ok "smoke under a minute (${dt}s)" || nok "smoke took ${dt}s (CI budget: 60 s)"
python3 - "$out/results/smoke/latest/results.json" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    ok(False, "smoke results.json: %s" % e)
    sys.exit(0)
c = d["context"]
ok(c.get("platform") == "qemu-lab", "smoke context.platform = %s" % c.get("platform"))
ok(c.get("iommu", {}).get("vendor") == "intel", "smoke context.iommu.vendor = %s" % c.get("iommu", {}).get("vendor"))
nodes = c.get("numa", {}).get("nodes", [])
ok(len(nodes) == 2, "smoke context.numa: %d nodes" % len(nodes))
devs = sorted(x["device"] for x in ((c.get("module") or {}).get("devices") or []))
ok(devs == ["0000:00:03.0", "0000:11:00.0"], "smoke context.module (GET_INFO): edu devices %s" % devs)
ok(c.get("git_sha") == sys.argv[2], "smoke context.git_sha %s (host HEAD %s)" % (c.get("git_sha"), sys.argv[2]))
st = {r["name"]: r["status"] for r in d["results"]}
ok(st and all(v == "ok" for v in st.values()), "smoke rows all ok: %s" % st)
edu = [r for r in d["results"] if r.get("engine") == "edu" and r["params"].get("op") != "isolation"]
ok(len(edu) == 2 and all(r["counters"].get("iotlb_miss", {}).get("source", "").startswith("lab:") for r in edu),
   "smoke edu rows carry lab iotlb_miss counters")
PY

# ---- 2. reduced window suite, twice ----
win="1m,2m,4m,4608k,6m,8m"
for i in 1 2; do
	dir=$out/window/w$i
	mkdir -p "$dir"
	python3 scripts/lab/lab.py exec --mem 2048 --out "$out" --logdir "$dir" --timeout 300 -- \
		"iommubench run --suite /opt/iommubench/suites/window.suite --only window-4k --window $win --results-dir /out --claimed-run-id w$i --platform qemu-lab --lab-ctl \"\$IOMMUBENCH_LAB_CTL\"" \
		>"$out/window$i.log" 2>&1
	rc=$?
	if ((rc != 0)) || [[ ! -f $dir/results.json ]]; then
		nok "window boot $i: exit $rc: $(grep -v '^\[' "$out/window$i.log" | tail -n2 | tr '\n' ' ')"
		continue
	fi
	build/iommubench lab-merge "$dir" >>"$out/window$i.log" 2>&1 || nok "lab-merge of window boot $i"
	if build/iommubench derive "$dir" >"$out/derive$i.txt" 2>&1; then
		ok "derive of window boot $i: $(head -n1 "$out/derive$i.txt")"
	else
		nok "derive of window boot $i: $(tail -n1 "$out/derive$i.txt")"
	fi
done
python3 - "$out/window/w1/results.json" "$out/window/w2/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
try:
    docs = [json.load(open(p)) for p in sys.argv[1:3]]
except Exception as e:
    ok(False, "window results: %s" % e)
    sys.exit(0)
def miss(doc):
    return {r["name"]: r.get("counters", {}).get("iotlb_miss", {}).get("value")
            for r in doc["results"] if r.get("run_type") != "derived"}
a, b = miss(docs[0]), miss(docs[1])
ok(len(a) == 6 and a == b and all(v is not None for v in a.values()),
   "window: identical iotlb_miss counts in two boots: %s" % a)
for n, doc in enumerate(docs, 1):
    rows = [r for r in doc["results"] if r["name"] == "iotlb_reach/page_size:4k"]
    r = rows[0] if rows else {}
    e = r.get("metrics", {}).get("iotlb_entries", {})
    p = r.get("params", {})
    ok(len(rows) == 1 and r.get("run_type") == "derived" and r.get("status") == "ok"
       and 512 <= e.get("median", 0) <= 2048 and e.get("unit") == "entries"
       and e.get("ci95_low", 0) <= e.get("median", 0) <= e.get("ci95_high", 0)
       and p.get("knee_window", 0) > 0 and "method" in p,
       "boot %d: derived iotlb_reach/page_size:4k = %s entries [%s, %s], knee_window %s (QEMU 7.2 VTD_IOTLB_MAX_SIZE 1024)"
       % (n, e.get("median"), e.get("ci95_low"), e.get("ci95_high"), p.get("knee_window")))
PY

# ---- 3. compare on the two lab runs ----
if [[ -f $out/window/w1/results.json && -f $out/window/w2/results.json ]]; then
	build/iommubench compare "$out/window/w1" "$out/window/w2" -o "$out/compare.csv" >"$out/compare.txt" 2>&1
	rc=$?
	if ((rc == 0)) && grep -qiE 'ratio' "$out/compare.txt" && grep -q 'window-4k/window:4m' "$out/compare.txt"; then
		ok "compare on two lab runs exits 0 with a ratio table"
	else
		nok "compare on two lab runs: exit $rc: $(head -n3 "$out/compare.txt" | tr '\n' ' ')"
	fi
else
	nok "compare on two lab runs: window runs missing"
fi

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
PY
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
