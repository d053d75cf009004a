#!/usr/bin/env bash
# Issue 22 §5: the console shows what is real.  A run on platform qemu-lab
# marks every timing "(emulated)", on the progress line and in the table; a
# host run prints them as before.  After finish merges a lab run, the rows
# whose DMA timing is flat by construction (the edu's fixed timer: the
# console printed no timing for them) get one line of counts each.  The
# flat progress line itself needs an ok edu row, which only the lab gives:
# tests/unit/test_console.c checks it on crafted rows.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
bin=build/iommubench
[[ -x $bin ]] || { nok "$bin missing (make build)"; exit 1; }
work=$(mktemp -d /tmp/ib-console-XXXXXX)
trap 'rm -rf "$work"' EXIT
run() { # platform id
	$bin run --engine cpu --platform "$1" --window 64k --min-reps 3 --max-reps 3 \
		--iterations 200 --results-dir "$work" --run-id "$2" >"$work/$2.out" 2>"$work/$2.err"
}
num='[0-9]+(\.[0-9]+)? [a-zA-Z/]+'

run qemu-lab lab; rc=$?
line=$(grep '^\[1/1\] ' "$work/lab.err")
[[ $rc == 0 && $line =~ ^\[1/1\]\ cpu/window:64k:\ ok:\ dma_latency_ns\ median\ $num\ \(emulated\;\ n=[0-9]+,\ ci95\ \+-[0-9.]+%\),\ bandwidth\ $num\ \(emulated\)\ \(ETA ]]
check "qemu-lab progress line: each timing marked emulated ($line)" [ $? = 0 ]
grep -Eq "^    dma_latency_ns +median $num \(emulated; 95% CI $num \.\. $num, n=[0-9]+\)$" "$work/lab.out" &&
	grep -Eq "^    bandwidth_bytes_per_s +median $num \(emulated; 95% CI" "$work/lab.out"
check "qemu-lab results table: both metrics marked emulated ($(grep -m1 median "$work/lab.out"))" [ $? = 0 ]

run host host; rc=$?
line=$(grep '^\[1/1\] ' "$work/host.err")
[[ $rc == 0 && $line =~ ^\[1/1\]\ cpu/window:64k:\ ok:\ dma_latency_ns\ median\ $num\ \(n=[0-9]+,\ ci95\ \+-[0-9.]+%\),\ bandwidth\ $num\ \(ETA ]]
check "host progress line: timing as before, nothing marked ($line)" [ $? = 0 ]
grep -Eq "^    dma_latency_ns +median $num \(95% CI $num \.\. $num, n=[0-9]+\)$" "$work/host.out" &&
	! grep -q emulated "$work/host.out" "$work/host.err"
check "host results table: as before, no 'emulated'" [ $? = 0 ]

# finish on the lab fixture: two edu rows (dma_latency_ns 100 ms, n=10,
# warm-up counted too) get their counts; the isolation row (no timing) and
# the skipped map row do not
cp -r tests/fixtures/lab/run1 "$work/fin"
$bin finish "$work/fin" >"$work/fin.out" 2>"$work/fin.err"; rc=$?
got=$(sed -n '/^lab counts/,/^[^ ]/p' "$work/fin.out" | grep '^  ')
want="  hugepage/page_size:4k/window:64k: 0.3 IOTLB misses per DMA (3 in 10 DMAs), 2 invalidations
  hugepage/page_size:2m/window:64k: 0.1 IOTLB misses per DMA (1 in 10 DMAs), 1 invalidations"
[[ $rc == 0 && $got == "$want" ]] && grep -q '^lab counts (exact; these rows.* DMA timing is flat by construction):$' "$work/fin.out" &&
	[[ $(tail -n +1 "$work/fin.out" | grep -n '^findings:' | cut -d: -f1) -gt $(grep -n '^lab counts' "$work/fin.out" | cut -d: -f1) ]]
check "finish on a lab run: one line of counts per flat edu row, before the findings (rc=$rc: $(tr '\n' '|' <<<"$got"))" [ $? = 0 ]
# a host run (the report fixture has no marks.tsv): no merge, no lab counts
cp -r tests/fixtures/report/run "$work/rep"
$bin finish "$work/rep" >"$work/rep.out" 2>&1
! grep -q '^lab counts' "$work/rep.out"
check "finish without a lab merge: no lab counts" [ $? = 0 ]
