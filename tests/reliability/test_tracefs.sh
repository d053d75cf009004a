#!/usr/bin/env bash
# Reliability (issue 20 §3): tracing left as found.  On a private mount of
# the real tracefs (IOMMUBENCH_TRACEFS; instances work without an IOMMU,
# the iommu events only need to be compiled in), with the cpu engine and a
# private state directory:
#  - a run counts in its own instance instances/iommubench-<pid>, recorded
#    in the ledger while it lives, removed at the end;
#  - the global instance (trace, tracing_on, buffer sizes, events, tracer)
#    and another user's instance (its events on, a line in its buffer) are
#    byte for byte as before, after every case below;
#  - SIGKILL leaves the instance and its record; `iommubench restore`
#    removes it and says so; a second restore has nothing to do;
#  - SIGKILL, then the next run removes it first;
#  - SIGTERM and SIGINT together, or 10 ms apart (a second signal during
#    the cleanup): killed by the second (10 ms apart the interrupted exit,
#    2, may come first), no instance left, nothing for
#    restore to remove.
# Needs root and tracefs with events/iommu; exit 4 otherwise.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-$PWD/build/iommubench}

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
if [[ $(id -u) != 0 ]]; then
	echo "tracefs: needs root"
	exit 4
fi
tmp=$(mktemp -d /tmp/ib-rel-tracefs-XXXXXX)
T=$tmp/tracefs
mkdir "$T"
if ! mount -t tracefs nodev "$T" 2>/dev/null; then
	rmdir "$T"
	rm -rf "$tmp"
	echo "tracefs: cannot mount tracefs here"
	exit 4
fi
pids=()
other=$T/instances/ib-test-other-$$
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	IOMMUBENCH_STATE_DIR=$tmp/state IOMMUBENCH_TRACEFS=$T "$bin" restore >/dev/null 2>&1
	[[ -d $other ]] && rmdir "$other"
	umount "$T"
	rm -rf "$tmp"
}
trap cleanup EXIT
if [[ ! -e $T/events/iommu/map/enable ]]; then
	echo "tracefs: no events/iommu in this kernel"
	exit 4
fi
export IOMMUBENCH_STATE_DIR=$tmp/state IOMMUBENCH_TRACEFS=$T

# Another user's instance: the iommu events on, a line of theirs in it.
mkdir "$other"
for e in map unmap; do echo 1 >"$other/events/iommu/$e/enable"; done
echo "another user's line" >"$other/trace_marker"

# snapshot: every file of the global instance we could have touched, and
# the other instance's, as text (not the list of instances: a test running
# beside this one has its own; each case checks its runs' instances)
snapshot() {
	local f
	for f in "$T"/{trace,tracing_on,buffer_size_kb,buffer_total_size_kb,current_tracer,set_event} \
		"$T"/events/enable "$T"/events/iommu/enable "$T"/events/iommu/*/enable \
		"$other"/{trace,tracing_on,buffer_size_kb,set_event} "$other"/events/iommu/*/enable; do
		echo "== ${f#"$T"/}"
		cat "$f"
	done
}
snapshot >"$tmp/before"
grep -q "another user's line" "$tmp/before" || echo "not ok - the other instance's line is not in its trace"

same() { # label
	snapshot >"$tmp/after"
	if cmp -s "$tmp/before" "$tmp/after"; then
		echo "ok - $1: global instance and the other user's instance byte for byte as before"
	else
		echo "not ok - $1: tracefs changed: $(diff "$tmp/before" "$tmp/after" | head -n 6 | tr '\n' ' ')"
	fi
}

# start_run ID SECONDS: a run whose point lasts about SECONDS; sets $pid
start_run() {
	"$bin" run --engine cpu --window 64k --iterations 2000 --min-reps 100000 \
		--max-reps 100000 --max-time "$2s" --results-dir "$tmp" --run-id "$1" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	pid=$!
	pids+=("$pid")
}

# wait_instance PID: until instances/iommubench-PID exists (60 s at most)
wait_instance() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ -d $T/instances/iommubench-$1 ]] && return 0
		sleep 0.1
	done
	return 1
}

counters_of() { # run-id -> "sources iommu_maps-source"
	python3 -c "
import json; d = json.load(open('$tmp/adhoc/$1/results.json'))
r = d['results'][0]
print(','.join(d['context']['counter_sources']), r['status'], r.get('counters', {}).get('iommu_maps', {}).get('source'))" 2>/dev/null
}

# ---- a whole run ----
start_run whole 1
seen=no rec=no
if wait_instance "$pid"; then
	seen=yes
	grep -q "^trace	$T	$pid	" "$tmp/state/state" && rec=yes
fi
wait "$pid"; rc=$?
left=no
[[ -d $T/instances/iommubench-$pid ]] && left=yes
c=$(counters_of whole)
if [[ $rc == 0 && $seen == yes && $rec == yes && $left == no && ! -e $tmp/state/state &&
	$c == "tracefs ok tracefs:iommu/map" ]]; then
	echo "ok - run: counted in instances/iommubench-$pid (recorded in the ledger while it ran), removed at the end, ledger empty; row '$c'"
else
	echo "not ok - run: rc=$rc, instance seen $seen, recorded $rec, instances left $left, state $(cat "$tmp/state/state" 2>/dev/null | tr '\n' ' '), row '$c': $(tail -n1 "$tmp/whole.err")"
fi
same "after a run"

# ---- SIGKILL, then `iommubench restore` ----
start_run kill1 30
if wait_instance "$pid"; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	still=no
	[[ -d $T/instances/iommubench-$pid ]] && still=yes
	out=$("$bin" restore 2>&1); rrc=$?
	again=$("$bin" restore 2>&1)
	if [[ $still == yes && $rrc == 0 && $out == "removed $T/instances/iommubench-$pid" &&
		! -d $T/instances/iommubench-$pid && $again == "nothing to restore"* ]]; then
		echo "ok - SIGKILL then 'iommubench restore': instance left, then '$out'; then '$again'"
	else
		echo "not ok - SIGKILL then restore: left $still, rc=$rrc, out '$out', again '$again'"
	fi
else
	echo "not ok - SIGKILL then restore: the run never created its instance"
fi
same "after SIGKILL and restore"

# ---- SIGKILL, then the next run ----
start_run kill2 30
if wait_instance "$pid"; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	dead=$pid
	start_run next 1
	wait "$pid"; rc=$?
	if [[ $rc == 0 && ! -d $T/instances/iommubench-$dead && ! -e $tmp/state/state ]] &&
		grep -q "left by a killed run: removed $T/instances/iommubench-$dead\$" "$tmp/next.err"; then
		echo "ok - SIGKILL then the next run: it removed instances/iommubench-$dead first, ledger empty after"
	else
		echo "not ok - SIGKILL then next run: rc=$rc, instances '$(ls "$T/instances" | tr '\n' ' ')', state '$(cat "$tmp/state/state" 2>/dev/null | tr '\n' ' ')': $(head -n1 "$tmp/next.err")"
	fi
else
	echo "not ok - SIGKILL then next run: the run never created its instance"
fi
same "after SIGKILL and the next run"

# ---- a second signal during the cleanup ----
for gap in 0 0.01; do
	start_run "twice-$gap" 30
	if wait_instance "$pid"; then
		sleep 0.3
		kill -TERM "$pid"
		[[ $gap != 0 ]] && sleep "$gap"
		kill -INT "$pid"
		wait "$pid"; rc=$?
		left=no
		[[ -d $T/instances/iommubench-$pid ]] && left=yes
		out=$("$bin" restore 2>&1); rrc=$?
		# 10 ms apart, the run may have finished its interrupted exit (2)
		# before the second signal: what must hold is that nothing is left
		if [[ ($rc == 130 || $rc == 143 || ($gap != 0 && $rc == 2)) && $left == no && $rrc == 0 &&
			$out == "nothing to restore"* ]]; then
			echo "ok - SIGTERM, ${gap}s, SIGINT: exit $rc, no instance left, restore: '$out'"
		else
			echo "not ok - SIGTERM, ${gap}s, SIGINT: rc=$rc, instances left $left, restore rc=$rrc '$out'"
		fi
	else
		echo "not ok - SIGTERM + SIGINT ($gap): the run never created its instance"
	fi
	same "after SIGTERM + SIGINT ($gap s apart)"
done
