#!/usr/bin/env bash
# Host test (no GPU): the gpu suite end to end through scripts/gpu-check.sh
# (run, derive, report).  1. The real bench/suites/gpu.suite without a
# driver: every row skipped with the reason, exit 4, a report all the same.
# 2. A small gpu-like suite on the fake driver (tests/fakes/, 32-entry
# translation cache): copy-engine and chase window sweeps on 4k and thp,
# sm_copy, register cost: exit 0, every row ok, the derived
# iotlb_reach/page_size:4k from timing within 10 % of 32 entries, and the
# chase figure drawn with the knee marked.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
fake=$PWD/${IB_CUDA_FAKE:-build/tests/libcuda_fake.so}
tmp=$(mktemp -d /tmp/ib-gpu-suite-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -f $fake ]] || { echo "not ok - $fake missing (make unit)"; exit 1; }
unset IOMMUBENCH_FAKE_CUDA_FAIL IOMMUBENCH_FAKE_CUDA_DEVICES IOMMUBENCH_FAKE_IOTLB_MISS_NS
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1" 2>&1; }

IOMMUBENCH_LIBCUDA=$tmp/no/libcuda.so.1 RESULTS=$tmp/r1 bash scripts/gpu-check.sh >"$tmp/1.out" 2>&1
rc=$?
f=$(ls "$tmp"/r1/gpu/*/results.json 2>/dev/null | head -n1)
got=$(py "$f" "rs=d['results']; print(len(rs), {r['status'] for r in rs}, {r['reason'] for r in rs})")
want="172 {'skipped'} {'unavailable: no $tmp/no/libcuda.so.1'}"
if [[ $rc == 4 && $got == "$want" && -f $(dirname "$f")/report.html && -L $tmp/r1/gpu/latest ]]; then
	echo "ok - gpu suite without a driver: 172 rows skipped with the reason, exit 4, report"
else
	echo "not ok - gpu suite without a driver: rc=$rc got '$got' ($(tail -n1 "$tmp/1.out"))"
fi

grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null && ps=4k,thp || ps=4k
windows=$(python3 -c "print(','.join(str(w) for w in sorted({int(65536 * 2 ** (k / 8)) // 4096 * 4096 for k in range(25)})))")
cat >"$tmp/gpu-small.suite" <<SUITE
[global]
engine=cuda
warmup=0
min_reps=2
max_reps=2
[copy]
op=bench
page_size=$ps
xfer_size=4k
iterations=300
window=$windows
[chase]
op=chase
page_size=$ps
pattern=rand
iterations=320
window=$windows
[sm_copy]
op=sm_copy
xfer_size=64k
iterations=20
window=1m
[register]
page_size=4k
xfer_size=4k
iterations=1
window=2m
SUITE
IOMMUBENCH_LIBCUDA=$fake IOMMUBENCH_FAKE_IOTLB_ENTRIES=32 GPU_CHECK_SUITE=$tmp/gpu-small.suite \
	RESULTS=$tmp/r2 bash scripts/gpu-check.sh >"$tmp/2.out" 2>&1
rc=$?
d=$(dirname "$(ls "$tmp"/r2/gpu-small/*/results.json 2>/dev/null | head -n1)")
# the plan's rows (the reach refinement's added rows, params.refined, aside)
got=$(py "$d/results.json" "rs=[r for r in d['results'] if r.get('run_type') != 'derived' and not r['params'].get('refined')]; print(len(rs), {r['status'] for r in rs}, all('register_ns' in r['metrics'] for r in rs))")
[[ $ps == 4k ]] && npts=52 || npts=102
check_rows="$npts {'ok'} True"
if [[ $rc == 0 && $got == "$check_rows" ]]; then
	echo "ok - gpu-like suite on the fake: $npts rows ok, each with register_ns"
else
	echo "not ok - gpu-like suite on the fake: rc=$rc got '$got', want '$check_rows' ($(tail -n1 "$tmp/2.out"))"
fi
got=$(py "$d/results.json" "r=[r for r in d['results'] if r['name']=='iotlb_reach/page_size:4k'][0]; e=r['metrics'].get('iotlb_entries', {}); print(r['status'], r['params'].get('source'), abs(e.get('median', 0) - 32) <= 3.2, e.get('median'))")
if [[ $got == "ok timing True "* ]]; then
	echo "ok - derived iotlb_reach/page_size:4k from timing: ${got##* } entries (fake: 32)"
else
	echo "not ok - derived reach: got '$got'"
fi
if grep -q "^gpu-check: iotlb_reach/page_size:4k: .* entries" "$tmp/2.out"; then
	echo "ok - gpu-check prints the derived reach"
else
	echo "not ok - gpu-check summary: $(grep '^gpu-check' "$tmp/2.out" | tr '\n' '|')"
fi
# rows from the fake driver are labelled wherever they are read
sim=$(python3 -c "import json,sys; d=json.load(open('$d/results.json')); r=[x for x in d['results'] if x.get('run_type') != 'derived' and x['status'] == 'ok']; print(len(r), sum(1 for x in r if x['params'].get('simulated')))")
if [[ ${sim% *} -gt 0 && ${sim% *} == "${sim#* }" ]] && grep -q '<b>Simulated device.</b> ' "$d/report.html" &&
	grep -q '<h1>iommubench report: .*, SIMULATED device</h1>' "$d/report.html"; then
	echo "ok - every ok row says simulated ($sim), the report's title and banner too"
else
	echo "not ok - simulated labels: rows '$sim', $(grep -o '<h1>[^<]*' "$d/report.html")"
fi
if ! command -v gnuplot >/dev/null; then
	echo "ok - chase figure # SKIP no gnuplot"
elif [[ -s $d/plots/chase_latency.svg && -s $d/plots/data/chase_latency.dat ]] &&
	grep -q '"4k"' "$d/plots/data/knees.dat" && grep -q 'Pointer-chase latency vs window' "$d/report.html"; then
	echo "ok - report: chase latency figure drawn, the 4k knee in knees.dat"
else
	echo "not ok - report: chase figure missing ($(ls "$d/plots" 2>&1 | tr '\n' ' '))"
fi
