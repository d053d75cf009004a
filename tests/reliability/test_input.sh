#!/usr/bin/env bash
# Reliability: hostile input and unbounded work (issue 8, items 5, 6, 7).
# Runs the real binary: long suite lines, lists past 64 items and past the
# cap, NUL bytes, duplicate sections and keys, the 262,144-point plan, the
# cpu engine's memory over a 3 s run, and SIGINT before min_reps.  Each
# refusal must be exit 1 with one line naming the cause, before anything
# runs (no results directory).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-input-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

py() { python3 -c "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(open('$1')); $2"; }
# list N [BAD]: N window sizes (4k, 8k, ...), the last one BAD if given
list() { py "n=$1; v=[str(4*(i+1))+'k' for i in range(n)]; v[-1]='${2:-}' or v[-1]; print(','.join(v))"; }

# refused CASE RC OUT WANT: exit 1, exactly one line, containing WANT
refused() {
	local what=$1 rc=$2 out=$3 want=$4
	if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"$want"* ]]; then
		echo "ok - $what: exit 1: $out"
	else
		echo "not ok - $what: rc=$rc out=$(head -c 400 <<<"$out")"
	fi
}

# 1. a 60-value window list on one 700+ character line: 60 rows
#    (1 MiB .. 1.23 MiB in 4 KiB steps, then a comment, as people write them)
py "
w=', '.join(str(1048576 + 4096*i) for i in range(60))
c=' ; sixty windows from 1 MiB to 1.23 MiB in 4 KiB steps, one row each: inih (INI_MAX_LINE 200) cut this line at 199 characters, ran 24 of them and exited 0'
open('$tmp/long.suite','w').write('[global]\nengine=cpu\niterations=10\nwarmup=0\nmin_reps=1\nmax_reps=1\n[w]\nwindow = ' + w + c + '\n')"
len=$(awk 'length > m { m = length } END { print m }' "$tmp/long.suite")
out=$($bin run --suite "$tmp/long.suite" --results-dir "$tmp" --run-id long 2>"$tmp/long.err"); rc=$?
rows=$(jq_py "$tmp/long/long/results.json" "print(len(d['results']), len({r['params']['window'] for r in d['results']}))" 2>/dev/null)
if [[ $rc == 0 && $rows == "60 60" ]] && ((len > 700)); then
	echo "ok - suite line of $len characters: 60 windows, 60 rows"
else
	echo "not ok - suite line of $len characters: rc=$rc rows='$rows' $(tail -n1 "$tmp/long.err")"
fi

# 2. CLI lists: 65 items with a bad 65th; 4096 fine; 5000 over the cap
out=$($bin run --engine cpu --window "$(list 65 5q)" --dry-run 2>&1); rc=$?
refused "CLI list, bad item 65 of 65" "$rc" "$out" "--window: window=5q: expected bytes"
out=$($bin run --engine cpu --window "$(list 4096)" --iterations 10 --dry-run 2>&1); rc=$?
if [[ $rc == 0 && $(tail -n1 <<<"$out") == "4096 points" ]]; then
	echo "ok - CLI list of 4096 items (the cap): 4096 points"
else
	echo "not ok - CLI list of 4096 items: rc=$rc $(tail -n1 <<<"$out")"
fi
out=$($bin run --engine cpu --window "$(list 5000)" --dry-run 2>&1); rc=$?
refused "CLI list of 5000 items" "$rc" "$out" "--window: window: list of 5000 items; at most 4096"
# a key the engine does not take: one line naming key and engine (issue 9)
out=$($bin run --engine null --window 64k --dry-run 2>&1); rc=$?
refused "key the engine does not take" "$rc" "$out" "[null] window: engine null does not take this key"
# with an engine list a key applies to the engines that take it
out=$($bin run --engine null,cpu --window 64k --dry-run 2>&1); rc=$?
if [[ $rc == 0 && $(tail -n1 <<<"$out") == "2 points" ]]; then
	echo "ok - engine=null,cpu with window: taken by cpu, 2 points"
else
	echo "not ok - engine=null,cpu with window: rc=$rc $(tail -n1 <<<"$out")"
fi
out=$($bin run --engine null,cpu --granule 4 --dry-run 2>&1); rc=$?
refused "key no engine of a list takes" "$rc" "$out" "granule: no engine of engine=null,cpu takes this key"
# the same in a suite, with file:line
printf '[global]\nengine=cpu\n[a]\nthreads=1\nwindow=%s\n' "$(list 65 5q)" >"$tmp/l65.suite"
out=$($bin run --suite "$tmp/l65.suite" --results-dir "$tmp" 2>&1); rc=$?
refused "suite list, bad item 65 of 65" "$rc" "$out" "l65.suite:5: window=5q: expected bytes"

# 3. a NUL byte no longer hides the rest of its line
printf '[global]\nengine=cpu\n[a]\nwindow=4k\0\nthreads=2\n' >"$tmp/nul.suite"
out=$($bin run --suite "$tmp/nul.suite" --results-dir "$tmp" 2>&1); rc=$?
refused "NUL byte" "$rc" "$out" "nul.suite:4: NUL byte at column 10"

# 4. duplicate sections and keys
printf '[global]\nengine=cpu\n[a]\nthreads=1\n[b]\nthreads=2\n[a]\nwindow=4m\n' >"$tmp/dsec.suite"
out=$($bin run --suite "$tmp/dsec.suite" --results-dir "$tmp" 2>&1); rc=$?
refused "duplicate section" "$rc" "$out" "dsec.suite:7: [a]: duplicate section (first at line 3)"
printf '[global]\nengine=cpu\n[a]\nwindow=4m\nthreads=1\nwindow=8m\n' >"$tmp/dkey.suite"
out=$($bin run --suite "$tmp/dkey.suite" --results-dir "$tmp" 2>&1); rc=$?
refused "duplicate key" "$rc" "$out" "dkey.suite:6: [a] window: duplicate key (first at line 4)"

# 5. the 262,144-point plan (64 x 64 x 64): refused before it is allocated,
#    nothing run.  Asserted by what happens, not by wall time (6.4 s under
#    ASan on a loaded machine, issue 20): the message, exit 1, no results
#    directory, and the refusal's peak RSS no larger than a one-point dry
#    run's plus 32 MiB (the expanded plan is 2.6 GiB: ~2.7 GB RSS when
#    allowed with --max-points; the sanitizers inflate both runs alike).
py "
l=lambda f: ','.join(f(i) for i in range(64))
open('$tmp/big.suite','w').write('[global]\nengine=cpu\n[big]\nwindow=' + l(lambda i: str(4*(i+1))+'k') +
  '\nxfer_size=' + l(lambda i: str(i+1)) + '\nthreads=' + l(lambda i: str(i+1)) + '\n')"
printf '[global]\nengine=cpu\n[one]\nwindow=4k\n' >"$tmp/one.suite"
# maxrss CMD...: runs CMD (its output to $tmp/maxrss.out), prints "rc peak-RSS-kB"
maxrss() {
	python3 - "$@" <<'PY'
import os, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
open(os.environ["IB_MAXRSS_OUT"], "wb").write(p.stdout)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
export IB_MAXRSS_OUT=$tmp/maxrss.out
read -r rc1 kb1 < <(maxrss $bin run --suite "$tmp/one.suite" --dry-run)
read -r rc kb < <(maxrss $bin run --suite "$tmp/big.suite" --results-dir "$tmp")
out=$(cat "$tmp/maxrss.out")
if [[ $rc1 == 0 && -n $kb && -n $kb1 ]] && ((kb <= kb1 + 32768)) && [[ ! -e $tmp/big ]]; then
	refused "262144-point plan refused before allocation (peak RSS $((kb / 1024)) MB, one-point dry run $((kb1 / 1024)) MB)" \
		"$rc" "$out" "plan of 262144 points is more than --max-points 10000 (ETA up to 728:10:40"
else
	echo "not ok - 262144-point plan: rc=$rc peak RSS ${kb:-?} kB (one-point dry run: rc=$rc1 ${kb1:-?} kB), $(ls "$tmp")"
fi
# raising the cap lets a plan over the default through: 64 x 64 x 3
sed -i 's/^threads=.*/threads=1,2,3/' "$tmp/big.suite"
out=$($bin run --suite "$tmp/big.suite" --dry-run 2>&1); rc=$?
refused "12288-point plan" "$rc" "$out" "plan of 12288 points is more than --max-points 10000"
out=$($bin run --suite "$tmp/big.suite" --max-points 12288 --dry-run 2>&1 | tail -n1)
if [[ $out == "12288 points" ]]; then
	echo "ok - --max-points 12288 lets the same plan through (dry run)"
else
	echo "not ok - --max-points 12288: $out"
fi

# 6. the cpu engine's memory over a 3 s run (876 MB before issue 8)
if [[ -x /usr/bin/time ]]; then
	/usr/bin/time -v -o "$tmp/time.txt" $bin run --engine cpu --duration 1s --warmup 0 \
		--min-reps 3 --max-reps 3 --results-dir "$tmp" --run-id rss >/dev/null 2>&1; rc=$?
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
else
	$bin run --engine cpu --duration 1s --warmup 0 --min-reps 3 --max-reps 3 \
		--results-dir "$tmp" --run-id rss >/dev/null 2>&1 &
	pid=$! kb=0
	while kill -0 $pid 2>/dev/null; do
		k=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' /proc/$pid/status 2>/dev/null)
		[[ -n $k ]] && ((k > kb)) && kb=$k
		sleep 0.1
	done
	wait $pid; rc=$?
fi
got=$(jq_py "$tmp/adhoc/rss/results.json" "m=d['results'][0]['metrics']['dma_latency_ns']; print(d['results'][0]['status'], m['n'], m['exact'])" 2>/dev/null)
read -r st n exact <<<"$got"
# ASan's shadow memory and quarantine make RSS meaningless (IB_SANITIZED is
# set by test_sanitize.sh): there the bound is not checked.
if [[ -n ${IB_SANITIZED:-} && $rc == 0 && $st == ok ]]; then
	echo "ok - cpu engine 3 x 1 s: max RSS not checked under the sanitizers # SKIP ASan inflates RSS ($((kb / 1024)) MB)"
elif [[ $rc == 0 && $st == ok && ${kb:-0} -gt 0 && $kb -lt 102400 ]]; then
	echo "ok - cpu engine 3 x 1 s: max RSS $((kb / 1024)) MB (< 100 MB) for n=$n samples, exact=$exact"
else
	echo "not ok - cpu engine 3 x 1 s: rc=$rc max RSS ${kb:-?} kB row='$got'"
fi
if [[ -n ${n:-} ]] && ((n > 1000000)) && [[ $exact == False ]]; then
	echo "ok - over 1,000,000 samples the row says exact: false"
elif [[ -n ${n:-} ]] && ((n <= 1000000)) && [[ $exact == True ]]; then
	echo "ok - $n samples, all exact # SKIP this machine copies too slowly to pass the bound"
else
	echo "not ok - exact flag: n=${n:-?} exact=${exact:-?}"
fi

# 7. SIGINT before min_reps: an error row saying so, never ok
$bin run --engine cpu --window 16m --duration 200ms --warmup 0 --min-reps 50 --max-reps 50 \
	--results-dir "$tmp" --run-id int >/dev/null 2>&1 &
pid=$!
# waits for the run's first results.json (an event, bounded at 60 s: under
# ASan on a loaded machine it took 12.5 s, past the 5 s this used to allow)
for _ in $(seq 600); do
	[[ -f $tmp/adhoc/int/results.json ]] && break
	sleep 0.1
done
sleep 0.5
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
got=$(jq_py "$tmp/adhoc/int/results.json" "r=d['results'][0]; print(r['status'] + '|' + r.get('reason', '') + '|' + str(d['complete']))" 2>/dev/null)
if [[ $rc == 2 && $got =~ ^error\|interrupted\ after\ [0-9]+\ of\ min_reps\ 50\ repetitions\|False$ ]]; then
	echo "ok - SIGINT before min_reps: exit 2, row '${got%%|False}'"
else
	echo "not ok - SIGINT before min_reps: rc=$rc row='$got'"
fi

# 8. lab-merge at scale and with crafted input (issue 20 item 4): one pass
#    over each file, names grouped through a hash, sizes bounded by the plan
#    (tests/reliability/gen_lab_input.py writes the run directories).  The
#    80,000-interval merge was quadratic (26.5 s); its time is reported in
#    the ok line and in docs/reliability.md, not asserted.
gen() { python3 tests/reliability/gen_lab_input.py "$@"; }
# lab_counts DIR ROW...: "hit/miss/lookup" of each row, space-separated
lab_counts() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/results.json"))
by = {r["name"]: r.get("counters", {}) for r in d["results"]}
v = lambda c, k: str(c.get(k, {}).get("value", "-"))
print(" ".join("/".join(v(by.get(n, {}), k) for k in ("iotlb_hit", "iotlb_miss", "iotlb_lookup"))
               for n in sys.argv[2:]))
PY
}
gen "$tmp/lab80k" 20000 --per-row 4
t0=$(date +%s%N)
out=$($bin lab-merge "$tmp/lab80k" 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
# row i: 4 intervals of (i % 5) hits and 1 update each
got=$(lab_counts "$tmp/lab80k" gen/point:0 gen/point:1 gen/point:4 gen/point:19998 gen/point:19999)
if [[ $rc == 0 && $out == *"20000 rows from 80000 marked intervals merged"* &&
	$got == "0/4/4 4/4/8 16/4/20 12/4/16 16/4/20" ]]; then
	echo "ok - lab-merge of 80000 intervals (20000 rows x 4): exit 0, counts summed per row ($got), $ms ms"
else
	echo "not ok - lab-merge of 80000 intervals: rc=$rc counts '$got' $(tail -n1 <<<"$out")"
fi
# 80,000 intervals against a 100-row plan: more than 4 per row plus 4096
# for other runs of the same boot, refused at the first one over
gen "$tmp/labcraft" 100 --extra-intervals 80000
out=$($bin lab-merge "$tmp/labcraft" 2>&1); rc=$?
refused "80000 crafted intervals for a 100-row run" "$rc" "$out" \
	"more than 4496 intervals, the most for a 100-row run (4 per row, 4096 for other runs in the same lab boot)"
# 50 per row: over the bound too
gen "$tmp/labmany" 100 --per-row 50
out=$($bin lab-merge "$tmp/labmany" 2>&1); rc=$?
refused "5000 intervals for a 100-row run" "$rc" "$out" \
	"marks.tsv:8993: more than 4496 intervals"
# blank lines padding marks.tsv past its byte bound (4496 x 2 x 544 bytes),
# refused from its size before it is read
gen "$tmp/labpad" 100 --pad-marks 5000000
out=$($bin lab-merge "$tmp/labpad" 2>&1); rc=$?
refused "marks.tsv padded past its bound" "$rc" "$out" "allowed for marks of a 100-row run"
# a QEMU trace over 64 MiB + 1 GiB per row (sparse: no disk used)
gen "$tmp/labbig" 1
truncate -s 2G "$tmp/labbig/qemu-trace.log"
out=$($bin lab-merge "$tmp/labbig" 2>&1); rc=$?
refused "2 GiB QEMU trace for a 1-row run" "$rc" "$out" \
	"qemu-trace.log: 2147483648 bytes, over the 1140850688 allowed for a QEMU trace of a 1-row run"
# a 256 MiB trace "line" without a newline (zeros) inside the one row's
# interval: read with bounded memory (getline held it whole before)
gen "$tmp/lab1" 1
read -r rc1 kb1 < <(maxrss $bin lab-merge "$tmp/lab1")
gen "$tmp/labline" 1
: >"$tmp/labline/qemu-trace.log"
truncate -s 256M "$tmp/labline/qemu-trace.log"
printf 'BEGIN\tgen/point:0\t0\nEND\tgen/point:0\t268435456\n' >"$tmp/labline/marks.tsv"
read -r rc kb < <(maxrss $bin lab-merge "$tmp/labline")
got=$(lab_counts "$tmp/labline" gen/point:0)
if [[ $rc1 == 0 && $rc == 0 && $got == "0/0/0" ]] && ((kb < kb1 + 65536)); then
	echo "ok - a 256 MiB line without a newline: exit 0, counts $got, peak RSS $((kb / 1024)) MB (one-row merge $((kb1 / 1024)) MB)"
else
	echo "not ok - a 256 MiB line: rc=$rc (one-row rc=$rc1) counts '$got' peak RSS ${kb:-?} kB vs ${kb1:-?} kB: $(tail -n1 "$tmp/maxrss.out")"
fi
