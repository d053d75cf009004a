#!/usr/bin/env bash
# Issue 22 §4: once lab-merge (or finish) has counted a lab run's QEMU
# trace, RUNDIR/qemu-trace.log becomes qemu-trace.log.zst (libzstd), and a
# later merge reads the .zst with the same counts and the same bounds
# (decompressed bytes).  --keep-trace keeps it raw.  The .zst is written
# under a temporary name, fsynced and renamed before the raw file goes: a
# signal mid-way leaves the raw trace and no temporary.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
bin=build/iommubench
fix=tests/fixtures/lab/run1
[[ -x $bin ]] || { nok "$bin missing (make build)"; exit 1; }
command -v zstd >/dev/null || { echo "zstd (the CLI, test set) missing: make deps"; exit 4; }
work=$(mktemp -d /tmp/ib-tracezst-XXXXXX)
trap 'rm -rf "$work"' EXIT
fresh() { rm -rf "$work/$1" && cp -r "$fix" "$work/$1"; }
one_line() { [[ $(grep -c . <<<"$1") == 1 ]]; }

# 1. lab-merge compresses; the .zst holds the raw trace byte for byte; the
#    counts equal those of a merge that kept the trace raw
fresh keep
out=$($bin lab-merge "$work/keep" --keep-trace 2>&1); rc=$?
[[ $rc == 0 && -f $work/keep/qemu-trace.log && ! -e $work/keep/qemu-trace.log.zst && $out != *compressed* ]]
check "lab-merge --keep-trace: exit 0, qemu-trace.log left raw, no .zst (rc=$rc)" [ $? = 0 ]
fresh z
out=$($bin lab-merge "$work/z" 2>&1); rc=$?
[[ $rc == 0 && ! -e $work/z/qemu-trace.log && -f $work/z/qemu-trace.log.zst &&
	$out == *"qemu-trace.log compressed into qemu-trace.log.zst (3696 -> "* ]]
check "lab-merge: exit 0, qemu-trace.log replaced by qemu-trace.log.zst, sizes said (rc=$rc: $(tail -n1 <<<"$out"))" [ $? = 0 ]
zstd -qdc "$work/z/qemu-trace.log.zst" | cmp -s - "$fix/qemu-trace.log"
check "the .zst decompresses to the raw trace byte for byte" [ $? = 0 ]
cmp -s "$work/z/results.json" "$work/keep/results.json" && cmp -s "$work/z/results.csv" "$work/keep/results.csv"
check "results.json and results.csv identical with and without --keep-trace" [ $? = 0 ]
ls -A "$work/z" | grep -q '\.tmp' && nok "a temporary left in the run directory: $(ls -A "$work/z")" ||
	ok "no temporary left in the run directory"

# 2. merging again reads the .zst: the same files, the .zst untouched
cp "$work/z/results.json" "$work/r1.json"
cp "$work/z/results.csv" "$work/r1.csv"
cp "$work/z/qemu-trace.log.zst" "$work/z1.zst"
out=$($bin lab-merge "$work/z" 2>&1); rc=$?
[[ $rc == 0 && $out == *"3 rows from 3 marked intervals merged"* ]] &&
	cmp -s "$work/z/results.json" "$work/r1.json" && cmp -s "$work/z/results.csv" "$work/r1.csv" &&
	cmp -s "$work/z/qemu-trace.log.zst" "$work/z1.zst"
check "merge again from the .zst: 3 rows merged, results.json/.csv byte-identical, .zst unchanged (rc=$rc)" [ $? = 0 ]
python3 - "$work/z/results.json" tests/golden/expected/lab-merge.results.json <<'PY'
import json, sys
cnt = lambda p: {r["name"]: {k: v["value"] for k, v in r.get("counters", {}).items()}
                 for r in json.load(open(p))["results"]}
got, want = cnt(sys.argv[1]), cnt(sys.argv[2])
print(("ok - " if got == want and want else "not ok - ") +
      "every count merged from the .zst equals the golden lab-merge's (%s)" % got["hugepage/page_size:4k/window:64k"])
PY

# 3. raw and .zst both there (an interruption between rename and unlink):
#    the raw trace is read, and compressed again over the old .zst
fresh both
: | zstd -q >"$work/both/qemu-trace.log.zst" # a stale .zst: empty, would not merge
out=$($bin lab-merge "$work/both" 2>&1); rc=$?
[[ $rc == 0 && ! -e $work/both/qemu-trace.log ]] && zstd -qdc "$work/both/qemu-trace.log.zst" | cmp -s - "$fix/qemu-trace.log" &&
	cmp -s "$work/both/results.json" "$work/r1.json"
check "raw trace beside a stale .zst: the raw one counted, then compressed over it (rc=$rc)" [ $? = 0 ]

# 4. a damaged .zst: one line naming the file, exit 1, results.json untouched
fresh trunc
zstd -q "$fix/qemu-trace.log" -o "$work/trunc/qemu-trace.log.zst" && rm "$work/trunc/qemu-trace.log"
truncate -s 200 "$work/trunc/qemu-trace.log.zst"
out=$($bin lab-merge "$work/trunc" 2>&1); rc=$?
[[ $rc == 1 ]] && one_line "$out" && [[ $out == *"qemu-trace.log.zst: truncated zstd stream"* ]] &&
	cmp -s "$work/trunc/results.json" "$fix/results.json"
check "a truncated .zst: exit 1, one line ($out)" [ $? = 0 ]
fresh bad
{ printf '\x28\xb5\x2f\xfd'; head -c 4000 /dev/zero | tr '\0' 'x'; } >"$work/bad/qemu-trace.log.zst"
rm "$work/bad/qemu-trace.log"
out=$($bin lab-merge "$work/bad" 2>&1); rc=$?
[[ $rc == 1 ]] && one_line "$out" && [[ $out == *"qemu-trace.log.zst: zstd: "* ]]
check "a corrupt .zst (zstd magic, then garbage): exit 1, one line ($out)" [ $? = 0 ]

# 5. the trace bound counts decompressed bytes: 64 MiB + 1 GiB for a 1-row
#    run.  A frame that records its size is refused before it is read; one
#    that does not, once past the bound, in bounded memory.
python3 tests/reliability/gen_lab_input.py "$work/bomb" 1 >/dev/null
rm "$work/bomb/qemu-trace.log"
head -c 1200M /dev/zero | zstd -q -1 --stream-size=1258291200 >"$work/bomb/qemu-trace.log.zst"
out=$($bin lab-merge "$work/bomb" 2>&1); rc=$?
[[ $rc == 1 ]] && one_line "$out" &&
	[[ $out == *"qemu-trace.log.zst: 1258291200 bytes decompressed, over the 1140850688 allowed for a QEMU trace of a 1-row run" ]]
check "a .zst of 1.2 GB (size in its header) for a 1-row run: refused before reading, one line ($out)" [ $? = 0 ]
head -c 1200M /dev/zero | zstd -q -1 >"$work/bomb/qemu-trace.log.zst"
res=$(python3 - "$bin" "$work/bomb" <<'PY'
import resource, subprocess, sys
p = subprocess.run([sys.argv[1], "lab-merge", sys.argv[2]], capture_output=True, text=True)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stderr.strip().replace("\n", "|"))
PY
)
read -r rc kb out <<<"$res"
[[ $rc == 1 && $out == *"qemu-trace.log.zst: over the 1140850688 bytes allowed for a QEMU trace of a 1-row run (decompressed)" && $out != *"|"* ]] && ((kb < 65536))
check "a .zst of 1.2 GB (no size in its header): refused past the bound, peak RSS $((kb / 1024)) MB (< 64), one line ($out)" [ $? = 0 ]

# 6. SIGTERM while the .zst is written: the temporary removed, the raw
#    trace intact, no .zst; the process dies of the signal
fresh sig
head -c 150M /dev/urandom | base64 -w 120 >>"$work/sig/qemu-trace.log"
sum=$(md5sum <"$work/sig/qemu-trace.log")
$bin lab-merge "$work/sig" >"$work/sig.out" 2>&1 &
pid=$!
for _ in $(seq 2000); do
	compgen -G "$work/sig/.qemu-trace.log.zst.tmp-*" >/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.005
done
seen=$(compgen -G "$work/sig/.qemu-trace.log.zst.tmp-*")
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [[ -z $seen ]]; then
	nok "SIGTERM mid-compression: the temporary never appeared (rc=$rc; $(tail -n1 "$work/sig.out"))"
else
	[[ $rc == 143 && -f $work/sig/qemu-trace.log && ! -e $work/sig/qemu-trace.log.zst ]] &&
		! compgen -G "$work/sig/.qemu-trace.log.zst.tmp-*" >/dev/null &&
		[[ $(md5sum <"$work/sig/qemu-trace.log") == "$sum" ]]
	check "SIGTERM mid-compression: exit 143, temporary removed, raw trace intact, no .zst" [ $? = 0 ]
fi

# 7. finish compresses too (after its merge), and reads the .zst again;
#    --keep-trace keeps it raw
fresh fin
$bin finish "$work/fin" >/dev/null 2>&1; rc1=$?
cp "$work/fin/results.json" "$work/fin1.json"
out=$($bin finish "$work/fin" 2>&1); rc2=$?
[[ $rc1 == 0 && $rc2 == 0 && ! -e $work/fin/qemu-trace.log && -f $work/fin/qemu-trace.log.zst &&
	$out != *"no QEMU trace"* ]] && cmp -s "$work/fin/results.json" "$work/fin1.json"
check "finish: compresses the merged trace; a second finish merges the .zst to the same results.json (rc $rc1, $rc2)" [ $? = 0 ]
fresh fink
$bin finish "$work/fink" --keep-trace >/dev/null 2>&1; rc=$?
[[ $rc == 0 && -f $work/fink/qemu-trace.log && ! -e $work/fink/qemu-trace.log.zst ]]
check "finish --keep-trace: qemu-trace.log left raw (rc=$rc)" [ $? = 0 ]
