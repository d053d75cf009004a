#!/usr/bin/env bash
# Reliability (issue 8, item 4): the machine is put back under every ending.
# On this host's real 2 MiB hugepage pool, with the cpu engine and
# --page-size 2m --window 64m (32 pages per run):
#  - two overlapping runs (the overlap forced through --lab-ctl FIFOs),
#    ending in either order -> pool back to the original
#  - SIGHUP / SIGQUIT mid-run -> prompt exit 2, pool restored, complete:false
#  - SIGTERM then SIGINT -> killed by the second, pool restored, nothing left over
#  - SIGKILL mid-run -> pool left raised; `iommubench restore` undoes it, and
#    (separately) the next run does
#  - `report` (a non-run command) dies of SIGTERM / SIGINT at once, without
#    "results marked incomplete"
# Needs root.  The original nr_hugepages is written back on exit, whatever.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-$PWD/build/iommubench}
pool=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
freep=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
need=32 # 64 MiB of 2 MiB pages

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
if [[ $(id -u) != 0 || ! -w $pool ]]; then
	echo "state restore: needs root and $pool"
	exit 4
fi
orig=$(cat $pool)
if (($(cat $freep) >= need)); then
	echo "state restore: the 2 MiB pool already has $(cat $freep) free pages; runs would not raise it"
	exit 4
fi
tmp=$(mktemp -d /tmp/ib-rel-state-XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$bin" restore >/dev/null 2>&1
	echo "$orig" >$pool
	rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_run ID SECONDS [OPTION...]: a 2m run whose one point lasts about
# SECONDS; sets $pid.
start_run() {
	local id=$1 secs=$2
	shift 2
	# default signal dispositions whatever this test inherited (under
	# nohup SIGHUP is ignored, and the harness keeps an ignored one ignored)
	env --default-signal=INT,TERM,HUP,QUIT "$bin" run --engine cpu --page-size 2m --window 64m \
		--iterations 2000 --min-reps 100000 --max-reps 100000 --max-time "${secs}s" "$@" \
		--results-dir "$tmp" --run-id "$id" >"$tmp/$id.out" 2>"$tmp/$id.err" &
	pid=$!
	pids+=("$pid")
}

# wait_pool N: until nr_hugepages >= N (60 s at most: a bound on a run
# that never gets there, not a verdict on speed)
wait_pool() {
	local i
	for ((i = 0; i < 600; i++)); do
		(($(cat $pool) >= $1)) && return 0
		sleep 0.1
	done
	return 1
}

row_status() { # run-id -> "complete status"
	python3 -c "import json; d=json.load(open('$tmp/adhoc/$1/results.json')); print(d.get('complete'), ' '.join(r['status'] for r in d['results']))" 2>/dev/null
}

# ---- two overlapping runs, both orders ----
# The overlap is forced, not hoped for: each run gets a FIFO as its
# --lab-ctl port, so after reserving its pool it waits at its point's BEGIN
# (and again at END) for an "ACK" line from the test.  The first run holds
# its 32 pages until the second has raised the pool too; then the test lets
# them end in the order asked, one after the other.
# ack RUN: both acknowledgements for RUN's one point (opened read-write, so
# the write never blocks, whatever state the run is in)
ack() { printf 'ACK\nACK\n' 1<>"$tmp/$1.fifo"; }
overlap() { # label first-to-end(a|b)
	local a b rc rca rcb peak=-1 mid=-1 first second
	mkfifo "$tmp/$1-a.fifo" "$tmp/$1-b.fifo"
	start_run "$1-a" 1 --lab-ctl "$tmp/$1-a.fifo"
	a=$pid
	wait_pool $((orig + need)) || { echo "not ok - overlap $1: first run never raised the pool"; ack "$1-a"; return; }
	start_run "$1-b" 1 --lab-ctl "$tmp/$1-b.fifo"
	b=$pid
	wait_pool $((orig + 2 * need)) && peak=$(cat $pool)
	if [[ $2 == a ]]; then first=$a second=$b; else first=$b second=$a; fi
	ack "$1-$2"
	wait "$first"; rc=$?
	if [[ $2 == a ]]; then rca=$rc; else rcb=$rc; fi
	mid=$(cat $pool)
	ack "$1-$([[ $2 == a ]] && echo b || echo a)"
	wait "$second"; rc=$?
	if [[ $2 == a ]]; then rcb=$rc; else rca=$rc; fi
	local now
	now=$(cat $pool)
	if [[ $rca == 0 && $rcb == 0 && $now == "$orig" && $peak -ge $((orig + 2 * need)) &&
		$mid == $((orig + need)) &&
		$(row_status "$1-a") == "True ok" && $(row_status "$1-b") == "True ok" ]]; then
		echo "ok - overlapping 2m runs, $1: pool $orig -> $peak while both ran -> $mid after the first -> $now after both, both rows ok"
	else
		echo "not ok - overlapping 2m runs, $1: rc $rca/$rcb, peak $peak, after the first $mid, pool now $now (was $orig), rows '$(row_status "$1-a")' '$(row_status "$1-b")': $(tail -n1 "$tmp/$1-b.err")"
	fi
}
overlap "first-ends-first" a
overlap "second-ends-first" b

# ---- SIGHUP / SIGQUIT mid-run ----
for sig in HUP QUIT; do
	start_run "sig$sig" 20
	if ! wait_pool $((orig + need)); then
		echo "not ok - SIG$sig: the run never raised the pool"
		continue
	fi
	sleep 0.3
	t0=$(now_ms)
	kill -$sig "$pid"
	wait "$pid"; rc=$?
	ms=$(($(now_ms) - t0))
	now=$(cat $pool)
	st=$(row_status "sig$sig")
	if [[ $rc == 2 && $ms -lt 3000 && $now == "$orig" && $st == False* ]] &&
		grep -q "interrupted" "$tmp/sig$sig.err"; then
		echo "ok - SIG$sig mid-run: exit 2 after $ms ms, pool $((orig + need)) -> $now, results.json complete:false ($st)"
	else
		echo "not ok - SIG$sig mid-run: rc=$rc after $ms ms, pool $now (was $orig), results '$st': $(tail -n1 "$tmp/sig$sig.err")"
	fi
done

# ---- a second signal kills ----
# The first signal stops a run within tens of ms, so the second is sent
# right behind it; a different signal, so that the two cannot merge into
# one pending signal.  Killed by whichever is handled second (pending
# signals are delivered lowest number first): 130 or 143.  The handler
# restores the pool unless our own buffer still holds the pages (mapped,
# or reserved while it faults in: the kernel keeps them, and a killed
# process cannot lower the pool after it is gone).  Then the ledger has
# the share and `iommubench restore` (or the next run) must undo it.
start_run "twice" 20 --duration 3s
if wait_pool $((orig + need)); then
	sleep 0.3
	kill -TERM "$pid"
	kill -INT "$pid"
	wait "$pid"; rc=$?
	now=$(cat $pool)
	out=$("$bin" restore 2>&1); rrc=$?
	after=$(cat $pool)
	if [[ ($rc == 130 || $rc == 143) && $now == "$orig" && $rrc == 0 && $out == "nothing to restore"* ]]; then
		echo "ok - SIGTERM + SIGINT: exit $rc, pool $now, restore after it: '$out'"
	elif [[ ($rc == 130 || $rc == 143) && $now != "$orig" && $rrc == 0 && $after == "$orig" &&
		$out == "restored "*"nr_hugepages $now -> $orig"* ]]; then
		echo "ok - SIGTERM + SIGINT: exit $rc while our buffer still held the pages: pool $now, recorded in the ledger; '$out'"
	else
		echo "not ok - SIGTERM + SIGINT: rc=$rc, pool $now then $after (was $orig), restore rc=$rrc '$out'"
	fi
else
	echo "not ok - SIGTERM + SIGINT: the run never raised the pool"
fi

# ---- SIGKILL, then `iommubench restore` ----
start_run "kill1" 20
if wait_pool $((orig + need)); then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	left=$(cat $pool)
	out=$("$bin" restore 2>&1); rc=$?
	now=$(cat $pool)
	again=$("$bin" restore 2>&1)
	if [[ $left == $((orig + need)) && $rc == 0 && $now == "$orig" &&
		$out =~ ^restored\ /sys/.*/hugepages-2048kB/nr_hugepages\ $left\ -\>\ $orig$ &&
		$again == "nothing to restore"* ]]; then
		echo "ok - SIGKILL then 'iommubench restore': pool left at $left; '$out'; then '$again'"
	else
		echo "not ok - SIGKILL then restore: left $left, rc=$rc, pool now $now (was $orig), out '$out', again '$again'"
	fi
else
	echo "not ok - SIGKILL then restore: the run never raised the pool"
fi

# ---- SIGKILL, then the next run ----
start_run "kill2" 20
if wait_pool $((orig + need)); then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	left=$(cat $pool)
	start_run "after-kill" 1
	wait "$pid"; rc=$?
	now=$(cat $pool)
	if [[ $left == $((orig + need)) && $rc == 0 && $now == "$orig" ]] &&
		grep -q "left by a killed run: restored .*nr_hugepages $left -> $orig" "$tmp/after-kill.err"; then
		echo "ok - SIGKILL then the next 2m run: pool left at $left, the next run reaped it first and ended at $now"
	else
		echo "not ok - SIGKILL then next run: left $left, rc=$rc, pool now $now (was $orig): $(head -n1 "$tmp/after-kill.err")"
	fi
else
	echo "not ok - SIGKILL then next run: the run never raised the pool"
fi

# ---- a slow non-run command dies of the signal at once ----
# `report` made slow on purpose: a gnuplot stand-in that sleeps, so the
# signal lands while report waits for its child.
mkdir -p "$tmp/adhoc"
cp -r tests/fixtures/report/run "$tmp/adhoc/seed" # a run with every figure
printf '#!/bin/sh\nsleep 5\n' >"$tmp/slow-gnuplot"
chmod +x "$tmp/slow-gnuplot"
for sig in TERM INT; do
	IOMMUBENCH_GNUPLOT=$tmp/slow-gnuplot "$bin" report "$tmp/adhoc/seed" >"$tmp/report-$sig.out" 2>&1 &
	pid=$!
	pids+=("$pid")
	sleep 1
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		echo "not ok - report SIG$sig: report ended before the signal (exit $?): $(tail -n1 "$tmp/report-$sig.out")"
		continue
	fi
	t0=$(now_ms)
	kill -$sig "$pid"
	wait "$pid"; rc=$?
	ms=$(($(now_ms) - t0))
	want=$((128 + $(kill -l $sig)))
	if [[ $rc == "$want" && $ms -lt 1000 ]] && ! grep -q "incomplete\|interrupted" "$tmp/report-$sig.out"; then
		echo "ok - report waiting on gnuplot, SIG$sig: died of the signal (exit $rc) after $ms ms, no 'results marked incomplete'"
	else
		echo "not ok - report SIG$sig: rc=$rc (want $want) after $ms ms: $(tail -n1 "$tmp/report-$sig.out")"
	fi
done

out=$("$bin" restore 2>&1); rc=$?
if [[ $rc == 0 && $out == "nothing to restore"* && $(cat $pool) == "$orig" ]]; then
	echo "ok - at the end: '$out', pool $orig"
else
	echo "not ok - at the end: restore rc=$rc '$out', pool $(cat $pool) (was $orig)"
fi
