# shellcheck shell=bash
# The test runner's parts (tests/run.sh; tested by tests/host/test_runner.sh).
# Needs $logdir.  Scripts print TAP-ish lines: "ok - x", "not ok - x: why",
# "ok - x # SKIP why"; exit 4 means skipped, as everywhere in iommubench.

# Count one log's lines into pass/fail/skip/failed_names (the caller's).
tally() { # file label [seconds]
	local f=$1 label=$2 p s n secs=${3:+ ($3 s)}
	p=$(grep -cE '^ok - ' "$f" | tr -d ' ')
	s=$(grep -cE '^ok - .*# SKIP' "$f" | tr -d ' ')
	n=$(grep -cE '^not ok - ' "$f" | tr -d ' ')
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + n))
	while IFS= read -r l; do failed_names+=("$label: ${l#not ok - }"); done < <(grep -E '^not ok - ' "$f")
	echo "$label: $((p - s)) passed, $n failed, $s skipped$secs"
}

log_of() { # label -> its log file
	echo "$logdir/${1//\//_}.log"
}

# Run one script into its log, and its wall seconds into <log>.secs.  A
# script that printed no result lines but failed counts as one failure; one
# that exited 4 without any as one skip.
run_log() { # label cmd...
	local label=$1 rc t0=$SECONDS log
	shift
	log=$(log_of "$label")
	"$@" >"$log" 2>&1
	rc=$?
	echo $((SECONDS - t0)) >"$log.secs"
	if ! grep -qE '^(not )?ok - ' "$log"; then
		if ((rc == 4)); then
			echo "ok - $label # SKIP $(tail -n1 "$log")" >>"$log"
		elif ((rc != 0)); then
			echo "not ok - $label: exited $rc: $(tail -n1 "$log")" >>"$log"
		fi
	elif ((rc != 0 && rc != 4)) && ! grep -qE '^not ok - ' "$log"; then
		echo "not ok - $label: exited $rc after its checks: $(tail -n1 "$log")" >>"$log"
	fi
}

run_tap() { # label cmd...
	run_log "$@"
	tally "$(log_of "$1")" "$1"
}

# The indexes of POOL_LABELS, longest first: the seconds each took last time
# (<log>.secs), else POOL_EST[label], else $POOL_EST_DEFAULT (60); ties keep
# list order.
pool_order() {
	local i s f
	for i in "${!POOL_LABELS[@]}"; do
		f="$(log_of "${POOL_LABELS[i]}").secs"
		s=$(cat "$f" 2>/dev/null) && [[ $s =~ ^[0-9]+$ ]] || s=${POOL_EST[${POOL_LABELS[i]}]:-${POOL_EST_DEFAULT:-60}}
		echo "$s $i"
	done | sort -s -k1,1nr | cut -d' ' -f2
}

# Run POOL_LABELS[i] as POOL_CMDS[i] (words, split here: our own commands,
# never input), $1 at a time in pool_order, then tally them in list order
# with their seconds.
pool_run() { # jobs
	local jobs=$1 running=0 i f order
	mapfile -t order < <(pool_order)
	for i in "${order[@]}"; do
		if ((running >= jobs)); then
			wait -n
			running=$((running - 1))
		fi
		# shellcheck disable=SC2086
		run_log "${POOL_LABELS[i]}" ${POOL_CMDS[i]} &
		running=$((running + 1))
	done
	wait
	for i in "${!POOL_LABELS[@]}"; do
		f=$(log_of "${POOL_LABELS[i]}")
		tally "$f" "${POOL_LABELS[i]}" "$(cat "$f.secs" 2>/dev/null)"
	done
}
