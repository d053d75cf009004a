#!/usr/bin/env bash
# Host test (no module): the cpu engine on 4k, thp and 2m buffers on this
# machine.  Each row must be ok with the obtained page size verified in
# params.page_size_obtained; hugepage pools are reserved by the harness and
# must be back to their original counts afterwards.  Also: null engine,
# bad values (exit 1, one line), unsupported engines skipped (exit 4),
# SIGINT leaving a valid results.json with "complete": false, and rerun.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-host-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pool=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

jq_py() { python3 -c "import json,sys; d=json.load(open('$1')); $2"; }

declare -A want=([4k]=4096 [thp]=2097152 [2m]=2097152)
for pg in 4k thp 2m; do
	if [[ $pg == 2m && $(id -u) != 0 ]]; then
		echo "ok - cpu engine page_size=2m # SKIP needs root to reserve hugepages"
		continue
	fi
	if [[ $pg == thp ]] && ! grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
		echo "ok - cpu engine page_size=thp # SKIP THP disabled"
		continue
	fi
	before=$(cat $pool 2>/dev/null)
	out=$($bin run --engine cpu --page-size $pg --window 64m --iterations 2000 --max-reps 10 \
		--results-dir "$tmp" --run-id "cpu-$pg" 2>"$tmp/err-$pg"); rc=$?
	after=$(cat $pool 2>/dev/null)
	f=$tmp/adhoc/cpu-$pg/results.json
	if [[ $rc != 0 || ! -f $f ]]; then
		echo "not ok - cpu engine page_size=$pg: rc=$rc $(tail -n1 "$tmp/err-$pg")"
		continue
	fi
	got=$(jq_py "$f" "r=d['results'][0]; print(r['status'], r['params'].get('page_size_obtained'), r['params'].get('mem_node_obtained'), d['complete'], 'bandwidth_bytes_per_s' in r['metrics'], 'dma_latency_ns' in r['metrics'])")
	if [[ $got == "ok ${want[$pg]} 0 True True True" ]]; then
		echo "ok - cpu engine page_size=$pg: page_size_obtained=${want[$pg]}"
	else
		echo "not ok - cpu engine page_size=$pg: got '$got'"
	fi
	if [[ $before != "$after" ]]; then
		echo "not ok - page_size=$pg: 2 MiB pool was $before, is $after after the run"
	elif [[ $pg == 2m ]]; then
		echo "ok - page_size=2m: hugepage pool restored to $before"
	fi
done

# the run directory: csv header, sysinfo, latest link
d=$tmp/adhoc/cpu-4k
if [[ -f $d/results.csv && $(head -c 7 "$d/results.csv") == run_id, && -s $d/sysinfo/cmdline && -s $d/sysinfo/lstopo.xml && -L $tmp/adhoc/latest ]]; then
	echo "ok - run directory: results.csv, sysinfo/, latest"
else
	echo "not ok - run directory incomplete: $(ls "$d" 2>&1 | tr '\n' ' ')"
fi

out=$($bin run --engine null --results-dir "$tmp" --run-id null 2>/dev/null); rc=$?
med=$(jq_py "$tmp/adhoc/null/results.json" "print(d['results'][0]['metrics']['overhead_ns']['median'])" 2>/dev/null)
if [[ $rc == 0 && -n $med ]]; then
	echo "ok - null engine: harness overhead median ${med} ns per sample"
else
	echo "not ok - null engine: rc=$rc"
fi

out=$($bin run --engine cpu --page-size 3m 2>&1); rc=$?
if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"page_size=3m: expected 4k, 2m, 1g or thp"* ]]; then
	echo "ok - bad value: exit 1, one line naming the field"
else
	echo "not ok - bad value: rc=$rc out=$out"
fi
printf '[global]\nengine=cpu\n[a]\nwindow=4m\n[b]\nthreads=1,x\n' >"$tmp/bad.suite"
out=$($bin run --suite "$tmp/bad.suite" --results-dir "$tmp" 2>&1); rc=$?
if [[ $rc == 1 && $out == "iommubench: bad.suite:6: threads=x: expected an integer 1..1024" && ! -d $tmp/bad ]]; then
	echo "ok - bad suite: exit 1 with file:line before anything runs"
else
	echo "not ok - bad suite: rc=$rc out=$out"
fi
out=$($bin run --suite no-such-suite 2>&1); rc=$?
if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"no such suite file; available:"* ]]; then
	echo "ok - unknown suite: exit 1 listing the available suites"
else
	echo "not ok - unknown suite: rc=$rc out=$out"
fi

if [[ ! -e /dev/iommubench ]]; then
	out=$($bin run --engine map --results-dir "$tmp" --run-id map 2>/dev/null); rc=$?
	st=$(jq_py "$tmp/adhoc/map/results.json" "r=d['results'][0]; print(r['status'], r['reason'])" 2>/dev/null)
	if [[ $rc == 4 && $st == "skipped unavailable: /dev/iommubench"* ]]; then
		echo "ok - map engine without the module: skipped row with the reason, exit 4"
	else
		echo "not ok - map engine without the module: rc=$rc row='$st'"
	fi
	out=$($bin info 2>&1); rc=$?
	if [[ $rc == 4 && $(wc -l <<<"$out") == 1 ]]; then
		echo "ok - info without the module: exit 4, one line"
	else
		echo "not ok - info without the module: rc=$rc out=$out"
	fi
fi

# SIGINT in the middle of a suite: valid results.json, complete false
printf '[global]\nengine=cpu\nwindow=16m\nmin_reps=50\nmax_reps=50\n[slow]\nxfer_size=4k,8k,16k,32k,64k,128k,256k,512k\n' >"$tmp/slow.suite"
$bin run --suite "$tmp/slow.suite" --results-dir "$tmp" --run-id int >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
	[[ -f $tmp/slow/int/results.json ]] && jq_py "$tmp/slow/int/results.json" "sys.exit(0 if d['results'] else 1)" 2>/dev/null && break
	sleep 0.1
done
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
got=$(jq_py "$tmp/slow/int/results.json" "print(d['complete'], len(d['results']) < 8)" 2>/dev/null)
if [[ $rc != 0 && $got == "False True" ]]; then
	echo "ok - SIGINT: exit $rc, results.json valid with complete=false"
else
	echo "not ok - SIGINT: rc=$rc got='$got'"
fi

out=$($bin rerun "$tmp/adhoc/cpu-4k/results.json" --results-dir "$tmp" --run-id again 2>/dev/null); rc=$?
got=$(jq_py "$tmp/adhoc/again/results.json" "r=d['results'][0]; print(r['name'], r['status'], r['params']['window'], r['params']['page_size'])" 2>/dev/null)
if [[ $rc == 0 && $got == "cpu/page_size:4k/window:64m ok 67108864 4k" ]]; then
	echo "ok - rerun: same row, same parameters, new run directory"
else
	echo "not ok - rerun: rc=$rc got='$got'"
fi
