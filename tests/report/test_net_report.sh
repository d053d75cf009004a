#!/usr/bin/env bash
# The net engine's finding and figure (issue 25), fast and without the lab
# or root: tests/fixtures/net/run (a qemu-lab net run: identity, strict and
# lazy rows at 64 B, 1472 B and 64 KiB, a strict row whose identity twin
# failed, an identity row alone) and its variants (tests/report/net_variant.py:
# a host run with the IOMMU PMU, counters=separate, the lab's marks around
# the counting pass, no identity row, no strict row) through `iommubench
# finish`.  The finding "strict: N invalidations per packet, X % fewer
# packets/s than identity" (findings_rules.c net_findings): which rows, its
# text, its numbers, "emulated" on qemu-lab only, none without a pair; the
# figure "IOMMU work per packet" (report_fig_perpkt.c): its data file holds
# each counter over the packets of the pass that counted it, and the report
# names it.  tests/report/check_net_report.py recomputes both from the rows;
# the checks here pin the numbers the fixture implies.  The lab version of
# this, on real rows: tests/lab/host/test_net.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
. tests/lib/report-test.sh
fix=tests/fixtures/net/run
[[ -x $bin ]] || { nok "net report: $bin missing (make build)"; exit 1; }
# without gnuplot the figures are "not drawn" (exit 3); findings and the
# figure's data file are written all the same
want_rc=0
command -v "${IOMMUBENCH_GNUPLOT:-gnuplot}" >/dev/null || want_rc=3

F=finding/net_strict_vs_identity
E="; emulated: guest instruction time, not hardware"
S64=net/threads:1/iommu_mode:dma-strict/msg_size:64 I64=net/threads:1/iommu_mode:identity/msg_size:64
S1472=net/threads:1/iommu_mode:dma-strict/msg_size:1472 I1472=net/threads:1/iommu_mode:identity/msg_size:1472

# --- the lab fixture: finish (derive + report) ---
cp -r "$fix" "$tmp/lab"
"$bin" finish "$tmp/lab" >"$tmp/lab.out" 2>"$tmp/lab.err"
rc=$?
check "lab: finish exits $want_rc (rc=$rc: $(tail -n1 "$tmp/lab.err"))" test "$rc" = "$want_rc"
python3 tests/report/check_net_report.py "$tmp/lab" lab

# the numbers the fixture implies: the vIOMMU's invalidations over the
# timing pass's packets (lab_marks "timing": 699 = 3 x 233, 219 = 3 x 73 at
# 64 KiB), even where the counting pass lost datagrams (1472 B: 689)
python3 - "$tmp/lab/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + "lab: " + m)
rows = json.load(open(sys.argv[1]))["results"]
f = {r["name"]: r for r in rows if r["name"].startswith("finding/")}
F = "finding/net_strict_vs_identity/"
E = "; emulated: guest instruction time, not hardware"
ok(list(f) == [F + "net/threads:1/msg_size:64", F + "net/threads:1/msg_size:1472", F + "net-64k"],
   "three findings, labelled by the row name without iommu_mode: %s" % list(f))
want = {
    F + "net/threads:1/msg_size:64": (1552 / 699, 19300, 41000, 100 * (1 - 19300 / 41000),
        "strict: 2.22 invalidations per packet, 52.9 % fewer packets/s than identity "
        "(net/threads:1/msg_size:64: 19300 vs 41000 pps)" + E),
    F + "net/threads:1/msg_size:1472": (1545 / 699, 17640, 36000, 51.0,
        "strict: 2.21 invalidations per packet, 51 % fewer packets/s than identity "
        "(net/threads:1/msg_size:1472: 17640 vs 36000 pps)" + E),
    F + "net-64k": (19601 / 219, 2860, 5200, 45.0,
        "strict: 89.5 invalidations per packet, 45 % fewer packets/s than identity "
        "(net-64k: 2860 vs 5200 pps)" + E),
}
for n, (inv, ps, pz, fewer, text) in want.items():
    r = f.get(n, {"params": {}, "metrics": {}})
    p, m = r["params"], r["metrics"].get("pps_fewer_percent", {})
    ok(r.get("finding") == text and abs(p.get("invalidations_per_packet", 0) - inv) < 1e-8 * inv
       and p.get("pps_strict") == ps and p.get("pps_identity") == pz
       and abs(m.get("median", 0) - fewer) < 1e-6 and m.get("ci95_low") is None,
       "%s: %.6g invalidations per packet, pps %d vs %d, %.4g %% fewer (no CI): %s"
       % (n[len(F):], inv, ps, pz, fewer, r.get("finding")))
ok(not any("threads:2" in n for n in f),
   "threads 2: no finding (64 B: the identity row is an error row; 1472 B: no strict row)")
PY

# finish's output ends with the same findings and their rows
check "lab: finish prints the three findings with their rows" \
	bash -c "grep -qxF '  - strict: 2.22 invalidations per packet, 52.9 % fewer packets/s than identity (net/threads:1/msg_size:64: 19300 vs 41000 pps)$E [rows: $S64, $I64]' '$tmp/lab.out' && grep -qxF '  - strict: 2.21 invalidations per packet, 51 % fewer packets/s than identity (net/threads:1/msg_size:1472: 17640 vs 36000 pps)$E [rows: $S1472, $I1472]' '$tmp/lab.out' && grep -qxF '  - strict: 89.5 invalidations per packet, 45 % fewer packets/s than identity (net-64k: 2860 vs 5200 pps)$E [rows: net-64k/iommu_mode:dma-strict, net-64k/iommu_mode:identity]' '$tmp/lab.out'"

# the figure's data: tracefs maps over the counting pass (1472 B: 1490 / 689
# = 2.163), the vIOMMU's invalidations and misses over the timing pass
# (1545 / 699 = 2.21, 1702 / 699 = 2.435); identity all zero; no error row
dat=$tmp/lab/plots/data/iommu_per_packet.dat
check "lab: iommu_per_packet.dat: 10 bars, identity first, per-packet values of the fixture" \
	bash -c "[[ \$(grep -c '^\"' '$dat') == 10 ]] && [[ \$(sed -n 2p '$dat') == '\"identity job=net threads=1 1472B\" 0 0 0 0' ]] && grep -qxF '\"dma-strict job=net threads=1 1472B\" 2.163 2.163 2.21 2.435' '$dat' && grep -qxF '\"dma-strict job=net threads=1 64B\" 2.213 2.213 2.22 2.461' '$dat' && grep -qxF '\"dma-lazy job=net threads=1 64B\" 2.213 2.213 0.01717 2.361' '$dat' && grep -qxF '\"dma-strict job=net-64k threads=1 65507B\" 89.5 89.5 89.5 100.6' '$dat' && ! grep -q 'identity job=net threads=2 64B' '$dat'"
html=$tmp/lab/report.html
if [[ $want_rc == 0 ]]; then
	check "lab: report.html shows the figure 'IOMMU work per packet' (plots/iommu_per_packet.svg)" \
		bash -c "grep -q '<figure id=\"fig-iommu_per_packet\">' '$html' && grep -q '<img alt=\"IOMMU work per packet\"' '$html' && test -s '$tmp/lab/plots/iommu_per_packet.svg'"
	check "lab: the caption says per packet, net's datagrams, each counter over the pass that counted it" \
		grep -q 'IOMMU maps, unmaps, IOTLB invalidations and IOTLB misses per packet (net: UDP datagrams received, stream and ping-pong), grouped by the effective IOMMU mode; each counter divided by the packets of the pass that counted it' "$html"
else
	check "lab: report.html names 'IOMMU work per packet', not drawn (no gnuplot), its data file" \
		grep -q '<b>IOMMU work per packet</b>: not drawn: gnuplot unavailable.*plots/data/iommu_per_packet.dat' "$html"
fi
check "lab: the per-I/O figure takes no net row (not drawn: no I/O engine row)" \
	grep -q 'IOMMU work per I/O</b>: not drawn: no row of an I/O engine (nvme) with IOMMU counters and its I/O count' "$html"
python3 tests/report/check_findings.py "$html" "$tmp/lab/results.json" "lab (report.html)"
n1=$(grep -c "\"name\": \"$F/" "$tmp/lab/results.json")
"$bin" derive "$tmp/lab" >/dev/null 2>&1
n2=$(grep -c "\"name\": \"$F/" "$tmp/lab/results.json")
check "lab: derive again keeps the findings ($n1 then $n2 rows)" test "$n1" = 3 -a "$n2" = 3

# a report of the fixture itself (no finding rows): computed, results.json untouched
cp -r "$fix" "$tmp/plain"
"$bin" report "$tmp/plain" >/dev/null 2>&1
check "report without finding rows computes the three and leaves results.json as it was" \
	bash -c "[[ \$(grep -c '<li data-name=\"$F/' '$tmp/plain/report.html') == 3 ]] && grep -q 'class=\"computed\"' '$tmp/plain/report.html' && cmp -s '$fix/results.json' '$tmp/plain/results.json'"

# --- variants ---
for v in host separate labcount noident nostrict; do
	mkdir -p "$tmp/$v"
	python3 tests/report/net_variant.py "$fix/results.json" "$tmp/$v/results.json" "$v"
	"$bin" finish "$tmp/$v" >"$tmp/$v.out" 2>"$tmp/$v.err"
	rc=$?
	check "$v: finish exits $want_rc (rc=$rc: $(tail -n1 "$tmp/$v.err"))" test "$rc" = "$want_rc"
	python3 tests/report/check_net_report.py "$tmp/$v" "$v"
done

# host: perf counts invalidations in the timing pass (1552 / 699), tracefs
# maps in the counting pass that lost 99 datagrams (1547 / 600 = 2.578);
# strict faster than identity says "more"; nothing emulated
check "host: 64 B: '2.22 invalidations per packet, 2.44 % more packets/s than identity', no 'emulated'" \
	bash -c "grep -qxF '  - strict: 2.22 invalidations per packet, 2.44 % more packets/s than identity (net/threads:1/msg_size:64: 42000 vs 41000 pps) [rows: $S64, $I64]' '$tmp/host.out' && ! grep -q emulated '$tmp/host.out'"
python3 - "$tmp/host/results.json" <<'PY'
import json, sys
r = {r["name"]: r for r in json.load(open(sys.argv[1]))["results"]}
m = r["finding/net_strict_vs_identity/net/threads:1/msg_size:64"]["metrics"]["pps_fewer_percent"]
print(("ok - " if abs(m["median"] - 100 * (1 - 42000 / 41000)) < 1e-6 else "not ok - ")
      + "host: pps_fewer_percent is negative when strict is faster (%s)" % m["median"])
PY
check "host: figure: maps over the counting pass (2.578), invalidations over the timing pass (2.22)" \
	grep -qxF '"dma-strict job=net threads=1 64B" 2.578 2.578 2.22 2.461' "$tmp/host/plots/data/iommu_per_packet.dat"
# counters=separate: perf counted in the counting pass: 1552 / 600
check "separate: 64 B: 2.59 invalidations per packet (the counting pass's 600 packets)" \
	grep -qF -- '- strict: 2.59 invalidations per packet, 2.44 % more packets/s than identity (net/threads:1/msg_size:64' "$tmp/separate.out"
check "separate: figure: every counter over the counting pass (1552 / 600 = 2.587, 1720 / 600 = 2.867)" \
	grep -qxF '"dma-strict job=net threads=1 64B" 2.578 2.578 2.587 2.867' "$tmp/separate/plots/data/iommu_per_packet.dat"
# the lab's marks around the counting pass: its counts over counting_pass.ios
check "labcount: 64 B: 2.59 invalidations per packet, emulated (lab_marks counting: 1552 / 600)" \
	grep -qxF "  - strict: 2.59 invalidations per packet, 52.9 % fewer packets/s than identity (net/threads:1/msg_size:64: 19300 vs 41000 pps)$E [rows: $S64, $I64]" "$tmp/labcount.out"
check "labcount: figure: the vIOMMU's counts over the counting pass (2.587, 2.867)" \
	grep -qxF '"dma-strict job=net threads=1 64B" 2.578 2.578 2.587 2.867' "$tmp/labcount/plots/data/iommu_per_packet.dat"
# no pair: no finding, and the "none" line names the net pair among the kinds
for v in noident nostrict; do
	check "$v: no finding; finish and the report say none, naming the net strict/identity pair" \
		bash -c "! grep -q '\"name\": \"finding/' '$tmp/$v/results.json' && grep -qF '  none: this run has no reach knee, page-size pair with iotlb_miss, strict/lazy pair, net strict/identity pair, NUMA placements or isolation verdicts' '$tmp/$v.out' && grep -qF '<p class=\"none\">None: this run has no reach knee, page-size pair with iotlb_miss, strict/lazy pair, net strict/identity pair,' '$tmp/$v/report.html'"
done
check "noident: the figure still has the 6 lazy and strict bars" \
	test "$(grep -c '^"dma-' "$tmp/noident/plots/data/iommu_per_packet.dat")" = 6
