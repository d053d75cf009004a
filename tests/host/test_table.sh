#!/usr/bin/env bash
# Host test (no lab): the fleet table (issue 23 §4; docs/report.md, "The
# fleet table") over three runs -- the two lab fixtures
# (tests/fixtures/report/run, tests/fixtures/lab/run1) and a fake GPU VM
# (tests/fixtures/table/gpu-vm, SIMULATED on the built EC2 tree) -- in
# HTML, CSV and LaTeX with exact values, and a multi-rank run split into a
# column per rank; bad input: one line, exit 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-table-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { nok "$bin missing (make build)"; exit 1; }

runs=(tests/fixtures/report/run tests/fixtures/lab/run1 tests/fixtures/table/gpu-vm)
"$bin" table "${runs[@]}" -o "$tmp/fleet" >"$tmp/out" 2>&1
rc=$?
check "table over three runs -o: exit 0, three files named ($(tr '\n' ' ' <"$tmp/out"))" \
	bash -c "test $rc = 0 && test -s '$tmp/fleet.html' -a -s '$tmp/fleet.csv' -a -s '$tmp/fleet.tex' && grep -c '^table: ' '$tmp/out' | grep -qx 3"
python3 - "$tmp/fleet.csv" <<'PY'
import csv, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
rows = list(csv.reader(open(sys.argv[1])))
head, ids, body = rows[0], rows[1], {r[0]: r for r in rows[2:]}
ok(head[:3] == ["finding", "unit", "lab (emulated)"] and
   head[10:14] == ["p4d.24xlarge (aws, us-east-1c)", "p4d.24xlarge (aws, us-east-1c) ci95_low",
                   "p4d.24xlarge (aws, us-east-1c) ci95_high", "p4d.24xlarge (aws, us-east-1c) vs_first"]
   and len(head) == 14, "CSV: 3 columns of 4 fields, headed by instance (EC2 type from cloud-init): %s" % head)
ok(ids[2] == "qemu-lab-20261124T070000Z" and ids[6] == "lab-20261124T070000Z" and
   ids[10] == "vm-20261207T041035Z", "CSV: the run ids under their columns: %s" % ids)
ok(body["IOTLB reach, 4k"] == ["IOTLB reach, 4k", "entries", "64", "64", "256", "", "", "", "", "",
                               "80", "79", "81", "same"],
   "reach 4k: lab 64 [64, 256], GPU VM 80 [79, 81], brackets overlap -> same: %s" % body.get("IOTLB reach, 4k"))
ok(body["map, dma-strict"][2:6] == ["1411", "1406", "1416", ""] and
   body["unmap, dma-strict"][2:5] == ["2807", "2798", "2816"] and
   body["map, dma-lazy"][2:5] == ["911", "906", "916"] and
   body["unmap, dma-lazy"][2:5] == ["1807", "1798", "1816"],
   "map/unmap strict and lazy (lab, ns): %s" % [body[k][2] for k in ("map, dma-strict", "unmap, dma-strict", "map, dma-lazy", "unmap, dma-lazy")])
g = body["4k -> 2m gain, IOTLB misses per DMA"]
ok(g[1] == "x fewer" and g[2] == "1000" and g[3].startswith("378.57") and g[4].startswith("3834.07"),
   "4k->2m gain 1000x [378.6, 3834.1]: %s" % g[2:5])
ok(body["H2D copy, 4k"][1:3] == ["GB/s", ""] and body["H2D copy, 4k"][10].startswith("6.2290") and
   body["H2D copy, 2m"][10].startswith("15.890") and body["D2H copy, 2m"][10].startswith("15.890"),
   "H2D/D2H GB/s per page size on the GPU VM: 4k %s, 2m %s" % (body["H2D copy, 4k"][10], body["H2D copy, 2m"][10]))
ok("NVMe IOPS, dma-strict" not in body and "IOTLB reach, 1g" not in body,
   "rows no column has are left out (NVMe IOPS, reach 1g)")
PY
check "HTML: a table with the instance heading, the run id, and the cells with CI and mark" \
	bash -c "grep -q '<th>p4d.24xlarge (aws, us-east-1c)<br><span class=\"id\">vm-20261207T041035Z</span></th>' '$tmp/fleet.html' && grep -q '<tr><td class=\"f\">IOTLB reach, 4k (entries)</td><td>64 \[64, 256\]</td><td>-</td><td>80 \[79, 81\]=</td></tr>' '$tmp/fleet.html' && grep -q '<td class=\"f\">H2D copy, 2m (GB/s)</td><td>-</td><td>-</td><td>15.9 \[15.9, 15.9\]</td>' '$tmp/fleet.html'"
check "LaTeX: tabular l + 3 columns, the reach line, % escaped" \
	bash -c "grep -qx '\\\\begin{tabular}{lrrr}' '$tmp/fleet.tex' && grep -qxF 'IOTLB reach, 4k (entries) & 64 [64, 256] & - & 80 [79, 81]= \\\\' '$tmp/fleet.tex' && grep -qxF 'map, dma-strict (ns) & 1411 [1406, 1416] & - & - \\\\' '$tmp/fleet.tex' && grep -q '95 \\\\% CI' '$tmp/fleet.tex'"
"$bin" table "${runs[@]}" >"$tmp/text" 2>&1
check "no -o: the text table on stdout (unmap, dma-lazy: 1807 [1798, 1816])" \
	grep -q '^unmap, dma-lazy (ns) *| 1807 \[1798, 1816\] | - | -$' "$tmp/text"

# significance against the first column: a run with a disjoint CI
python3 - tests/fixtures/report/run/results.json "$tmp/slow.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    m = r.get("metrics", {}).get("map_ns")
    if m and r["params"].get("iommu_mode_effective") == "dma-strict":
        for k in ("median", "ci95_low", "ci95_high"):
            m[k] = m[k] * 2
d["context"]["run_id"] = "slow"
json.dump(d, open(sys.argv[2], "w"))
PY
"$bin" table tests/fixtures/report/run "$tmp/slow.json" >"$tmp/sig" 2>&1
check "disjoint CIs (map strict 2822 vs 1411 ns) are marked significant, equal ones '='" \
	bash -c "grep -q '^map, dma-strict (ns) *| 1411 \[1406, 1416\] | 2822 \[2812, 2832\]\*$' '$tmp/sig' && grep -q '^map, dma-lazy (ns) *| 911 \[906, 916\] | 911 \[906, 916\]=$' '$tmp/sig'"

"$bin" table tests/fixtures/lab/ranks >"$tmp/ranks" 2>&1
check "a multi-rank run: a column per rank ($(head -n2 "$tmp/ranks" | tr -s ' ' | tr '\n' ' '))" \
	bash -c "head -n1 '$tmp/ranks' | grep -q '| qemu-lab (emulated) | qemu-lab (emulated)$' && sed -n 2p '$tmp/ranks' | grep -q '| c1 rank:0 | c1 rank:1$'"

# bad input: one line, exit 1
for a in "" "-o" "--bogus x" "/nonexistent/run"; do
	# shellcheck disable=SC2086 # the words are the test
	"$bin" table $a tests/fixtures/lab/run1 >"$tmp/bad" 2>&1
	rc=$?
	[[ -z $a ]] && { "$bin" table >"$tmp/bad" 2>&1; rc=$?; }
	check "table ${a:-(no runs)}: exit 1, one line ($(head -n1 "$tmp/bad"))" \
		bash -c "test $rc = 1 && test \$(wc -l <'$tmp/bad') = 1 && grep -q '^iommubench: table: ' '$tmp/bad'"
done
