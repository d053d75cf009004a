#!/usr/bin/env bash
# Host test (issue 14): `mpirun --oversubscribe -np 2` with the cpu engine.
# Rank 0 writes one run directory holding both ranks' contexts and rows
# (names end in /rank:<N>; params rank, host, device); one process and
# `mpirun -np 1` give today's rows exactly (no suffix, no rank param); a
# rank killed mid-run comes back as error rows with the reason while the
# other rank's rows are kept; bad settings exit 1 or 3 with one line; rerun
# of a multi-rank run, in one process and as ranks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
shim=$(dirname "$bin")/libiommubench-mpi.so
tmp=$(mktemp -d /tmp/ib-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun missing (make deps: openmpi-bin)"; exit 4; }
[[ -f $shim ]] || { echo "$shim missing (libopenmpi-dev at build time)"; exit 4; }
# root: Open MPI refuses without these two (a test machine, not a cluster)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(timeout 120 mpirun --oversubscribe --mca btl self,vader,tcp)

cat >"$tmp/mpi2.suite" <<'S'
[global]
engine=cpu
window=64k
xfer_size=4k
iterations=200
min_reps=3
max_reps=3
[copy]
concurrency=together,alone
S
py() { python3 -c "import json,sys; d=json.load(open('$1')); $2"; }

# 1. two ranks: one run dir, both contexts, four rows
"${MPIRUN[@]}" -np 2 "$bin" run --suite "$tmp/mpi2.suite" --results-dir "$tmp/r" --run-id two \
	>"$tmp/out2" 2>&1
rc=$?
f=$tmp/r/mpi2/two/results.json
if [[ $rc == 0 && -f $f ]]; then
	got=$(py "$f" "
rows=d['results']; c=d['context']
print(' '.join(r['name'] for r in rows))
print(' '.join('%s:%s:%s:%s' % (r['status'], r['params']['rank'], r['params']['host']==c['host'], 'device' in r['params']) for r in rows))
print(c['rank_count'], len(c['ranks']), [x['rank'] for x in c['ranks']], all(k in x['context'] for x in c['ranks'] for k in ('host','kernel','cmdline','iommu','numa')), c['hosts'])
print(all(r['metrics']['bandwidth_bytes_per_s']['median'] > 0 for r in rows))
print(all(r['start_offset_ns'] == 0 for r in rows if r['params']['rank'] == 0), all(abs(r['start_offset_ns']) < 50e6 for r in rows))")
	want="copy/concurrency:together/rank:0 copy/concurrency:together/rank:1 copy/concurrency:alone/rank:0 copy/concurrency:alone/rank:1
ok:0:True:True ok:1:True:True ok:0:True:True ok:1:True:True
2 2 [0, 1] True ['$(hostname)']
True
True True"
	if [[ $got == "$want" ]]; then
		echo "ok - mpirun -np 2: one results.json, 2 contexts, rows .../rank:0 and .../rank:1 with rank, host, device; start spread $(py "$f" "print(max(r['start_offset_ns'] for r in d['results']))") ns"
	else
		echo "not ok - mpirun -np 2: got: $(echo "$got" | tr '\n' '|')"
	fi
	[[ $(ls "$tmp/r/mpi2" | tr '\n' ' ') == "latest two " ]] && echo "ok - mpirun -np 2: rank 0 alone wrote a run directory" ||
		echo "not ok - mpirun -np 2: run dirs: $(ls "$tmp/r/mpi2" | tr '\n' ' ')"
else
	echo "not ok - mpirun -np 2: rc=$rc: $(tail -n2 "$tmp/out2" | tr '\n' ' ')"
fi

# 1b. rerun of that multi-rank run: in one process, one row per point (no
# /rank, a note naming the ranks); under mpirun -np 2, the ranks again
# (names not doubled); --row with or without /rank:N picks the point
if [[ -f $f ]]; then
	"$bin" rerun "$f" --results-dir "$tmp/r" --run-id re1 >"$tmp/re1.out" 2>"$tmp/re1.err"
	rc=$?
	got=$(py "$tmp/r/mpi2/re1/results.json" "print(' '.join('%s:%s:%s' % (r['name'], r['status'], 'rank' in r['params']) for r in d['results']), 'ranks' in d['context'])" 2>&1)
	if [[ $rc == 0 && $got == "copy/concurrency:together:ok:False copy/concurrency:alone:ok:False False" &&
		$(cat "$tmp/re1.err") == *"rows of 2 ranks; rerunning each of its 2 point(s) once in this process"* ]]; then
		echo "ok - rerun of a 2-rank run in one process: one row per point, no /rank, one note line"
	else
		echo "not ok - rerun in one process: rc=$rc got '$got' err '$(cat "$tmp/re1.err")'"
	fi
	"${MPIRUN[@]}" -np 2 "$bin" rerun "$f" --results-dir "$tmp/r" --run-id re2 >"$tmp/re2.out" 2>&1
	rc=$?
	got=$(py "$tmp/r/mpi2/re2/results.json" "print(' '.join('%s:%s:%s' % (r['name'], r['status'], r['params'].get('rank')) for r in d['results']), d['context'].get('rank_count'))" 2>&1)
	if [[ $rc == 0 && $got == "copy/concurrency:together/rank:0:ok:0 copy/concurrency:together/rank:1:ok:1 copy/concurrency:alone/rank:0:ok:0 copy/concurrency:alone/rank:1:ok:1 2" ]]; then
		echo "ok - mpirun -np 2 rerun: the two ranks again, rows .../rank:0 and .../rank:1 (not doubled)"
	else
		echo "not ok - mpirun -np 2 rerun: rc=$rc got '$got': $(tail -n1 "$tmp/re2.out")"
	fi
	for sel in copy/concurrency:alone copy/concurrency:alone/rank:1; do
		"$bin" rerun "$f" --row "$sel" --results-dir "$tmp/r" --run-id "re3-${sel##*:}" >/dev/null 2>&1
		got=$(py "$tmp/r/mpi2/re3-${sel##*:}/results.json" "print(' '.join(r['name'] for r in d['results']))" 2>&1)
		[[ $got == "copy/concurrency:alone" ]] && echo "ok - rerun --row $sel: that point once" ||
			echo "not ok - rerun --row $sel: $got"
	done
fi

# the lab's 2-rank fixture: the ranks' rows differ in device and nodes
# (rank 1: 0000:11:00.0 on node 1); the rerun leaves those to be chosen
# again instead of pinning rank 0's or rank 1's (here: no module, no node 1)
"$bin" rerun tests/fixtures/lab/ranks/results.json --results-dir "$tmp/r" --run-id fx >/dev/null 2>&1
got=$(py "$tmp/r/c2/fx/results.json" "print(' '.join('%s:%s:%s' % (r['name'].split('/')[-1], r['params'].get('device'), r['reason'].split(':')[0]) for r in d['results']))" 2>&1)
[[ $got == "concurrency:alone:None:unavailable concurrency:together:None:unavailable" ]] &&
	echo "ok - rerun of the lab's 2-rank fixture: device and nodes the ranks differed on are chosen again" ||
	echo "not ok - rerun of the lab fixture: $got"

# 2. one process and mpirun -np 1: today's rows, no rank anywhere
names() { py "$1" "print(' '.join(r['name'] for r in d['results']), any('rank' in r['params'] or 'host' in r['params'] for r in d['results']), 'ranks' in d['context'])"; }
"$bin" run --suite "$tmp/mpi2.suite" --results-dir "$tmp/r" --run-id one >/dev/null 2>&1
"${MPIRUN[@]}" -np 1 "$bin" run --suite "$tmp/mpi2.suite" --results-dir "$tmp/r" --run-id np1 >/dev/null 2>&1
for id in one np1; do
	got=$(names "$tmp/r/mpi2/$id/results.json" 2>&1)
	if [[ $got == "copy/concurrency:together copy/concurrency:alone False False" ]]; then
		echo "ok - $id: rows unchanged by the ranks (no /rank suffix, no rank param)"
	else
		echo "not ok - $id: $got"
	fi
done

# 3. a rank killed after its first point: error rows with the reason
cat >"$tmp/kill.suite" <<'S'
[global]
engine=cpu
xfer_size=4k
iterations=200000
min_reps=5
max_reps=5
[copy]
window=64k,128k,256k,512k
S
cat >"$tmp/rank.sh" <<S
#!/bin/sh
# rank 1 dies (SIGKILL) once rank 0 has written its first row
"$bin" run --suite "$tmp/kill.suite" --results-dir "$tmp/r" --run-id killed &
pid=\$!
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then
	while ! grep -q 'rank:1' "$tmp/r/kill/killed/results.json" 2>/dev/null; do sleep 0.02; done
	kill -9 \$pid
fi
wait \$pid
S
t0=$SECONDS
# --enable-recovery: mpirun lets the other ranks go on (default: aborts all)
"${MPIRUN[@]}" --enable-recovery -np 2 sh "$tmp/rank.sh" >"$tmp/outk" 2>&1
f=$tmp/r/kill/killed/results.json
got=$(py "$f" "
for r in d['results']: print(r['name'], r['status'], r.get('reason','').split(' (pid')[0])
print(d['complete'])" 2>&1)
want="copy/window:64k/rank:0 ok 
copy/window:64k/rank:1 ok 
copy/window:128k/rank:0 ok 
copy/window:128k/rank:1 error rank 1 failed: rank 1
copy/window:256k/rank:0 ok 
copy/window:256k/rank:1 error rank 1 failed: rank 1
copy/window:512k/rank:0 ok 
copy/window:512k/rank:1 error rank 1 failed: rank 1
True"
if [[ $got == "$want" ]] && grep -q 'exited' "$f"; then
	echo "ok - a killed rank: its later rows are errors ('rank 1 failed: ... exited'), rank 0's kept ($((SECONDS - t0)) s)"
else
	echo "not ok - a killed rank: $(echo "$got" | tr '\n' '|') $(tail -n2 "$tmp/outk" | tr '\n' ' ')"
fi

# 4. bad settings: one line, exit 1 (a value) or 3 (the shim missing)
out=$(IOMMUBENCH_RANK_TIMEOUT=soon "${MPIRUN[@]}" -x IOMMUBENCH_RANK_TIMEOUT -np 1 "$bin" run --suite "$tmp/mpi2.suite" --results-dir "$tmp/r" 2>&1)
rc=$?
[[ $rc != 0 && $out == *"IOMMUBENCH_RANK_TIMEOUT=soon: expected seconds"* ]] &&
	echo "ok - IOMMUBENCH_RANK_TIMEOUT=soon: one line naming it" ||
	echo "not ok - IOMMUBENCH_RANK_TIMEOUT=soon: rc=$rc $out"
out=$(OMPI_COMM_WORLD_SIZE=2 IOMMUBENCH_MPI_SHIM=$tmp/none.so "$bin" run --suite "$tmp/mpi2.suite" --results-dir "$tmp/r" 2>&1)
rc=$?
[[ $rc == 3 && $(wc -l <<<"$out") == 1 && $out == *"cannot be loaded"* ]] &&
	echo "ok - launched with 2 ranks but no shim: exit 3, one line" ||
	echo "not ok - no shim: rc=$rc $out"
out=$("$bin" compare --by-rank "$tmp/r/mpi2/one" -o "$tmp/c.csv" 2>&1)
rc=$?
[[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"not a multi-rank run"* ]] &&
	echo "ok - compare --by-rank of a one-process run: exit 1, one line" ||
	echo "not ok - compare --by-rank of a one-process run: rc=$rc $out"
# no device bound: one rank per NUMA node with CPUs (4-node fixture)
out=$(IOMMUBENCH_TOPOLOGY_XML=tests/fixtures/topology/2pkg-4numa-gpu-nic.xml "${MPIRUN[@]}" -np 2 \
	sh -c 'exec "$0" run --engine cpu --dry-run | sed "s/^/rank $OMPI_COMM_WORLD_RANK: /"' "$bin" 2>&1 | grep -E '^rank [01]: cpu' | sort)
want="rank 0: cpu	cpu_node=0 mem_node=0 dev_node=-1 device=- distance=10
rank 1: cpu	cpu_node=1 mem_node=1 dev_node=-1 device=- distance=10"
[[ $out == "$want" ]] && echo "ok - no device: local ranks 0 and 1 anchor on NUMA nodes 0 and 1" ||
	echo "not ok - per-node ranks: $(echo "$out" | tr '\n' '|')"
out=$(RANKS=9 bash scripts/run.sh contention host 2>&1)
rc=$?
[[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"RANKS=9: expected 1..8"* ]] &&
	echo "ok - make run RANKS=9: exit 1, one line" || echo "not ok - RANKS=9: rc=$rc $out"
