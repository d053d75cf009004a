# shellcheck shell=bash
# The test runner's parts (tests/run.sh; tested by tests/host/test_runner.sh).
# Needs $logdir.  Scripts print TAP (tests/lib/tap.sh numbers them: "ok 1 -
# x", "not ok 2 - x: why", "ok 3 - x # SKIP why", then the plan "1..3"); the
# unit tests print cmocka's ("not ok 4 # SKIP why").  Unnumbered lines are
# counted too.  Exit 4 means skipped, as everywhere in iommubench.
TAP_RESULT='^(not )?ok( [0-9]+)?( |$)'
TAP_NOT_OK='^not ok( [0-9]+)?( |$)'
TAP_SKIP='^(not )?ok( [0-9]+)?( [^#]*)?#[[:space:]]*[Ss][Kk][Ii][Pp]'

# Count one log's lines into pass/fail/skip/failed_names (the caller's).
tally() { # file label [seconds]
	local f=$1 label=$2 all n s p ns secs=${3:+ ($3 s)}
	all=$(grep -cE "$TAP_RESULT" "$f")
	n=$(grep -cE "$TAP_NOT_OK" "$f")
	s=$(grep -cE "$TAP_SKIP" "$f")
	ns=$(grep -E "$TAP_NOT_OK" "$f" | grep -cE "$TAP_SKIP")
	n=$((n - ns)) p=$((all - n - s))
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + n))
	while IFS= read -r l; do
		failed_names+=("$label: $(sed -E 's/^not ok( [0-9]+)?( - )?//' <<<"$l")")
	done < <(grep -E "$TAP_NOT_OK" "$f" | grep -vE "$TAP_SKIP")
	echo "$label: $p passed, $n failed, $s skipped$secs"
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
	if ! grep -qE "$TAP_RESULT" "$log"; then
		if ((rc == 4)); then
			echo "ok - $label # SKIP $(last_line "$log")" >>"$log"
		elif ((rc != 0)); then
			echo "not ok - $label: exited $rc: $(last_line "$log")" >>"$log"
		fi
	elif ((rc != 0 && rc != 4)) && ! grep -E "$TAP_NOT_OK" "$log" | grep -qvE "$TAP_SKIP"; then
		echo "not ok - $label: exited $rc after its checks: $(last_line "$log")" >>"$log"
	fi
	# a plan says how many results were due: fewer means it stopped early
	local plan ran
	plan=$(sed -nE 's/^1\.\.([0-9]+).*/\1/p' "$log" | tail -n1)
	ran=$(grep -cE "$TAP_RESULT" "$log")
	if [[ -n $plan ]] && ((plan > 0 && ran < plan)); then
		echo "not ok - $label: planned $plan results, printed $ran" >>"$log"
	fi
}

# The last line of a log that says something: not the plan.
last_line() { # file
	grep -vE '^1\.\.[0-9]+$' "$1" | tail -n1
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
# never input), $1 at a time in pool_order.  Each one's counts are printed
# as it ends, with a running count ("[3/7] lab/test_suites: 12 passed, 0
# failed, 0 skipped (351 s)"), so a long pool is never silent; then all are
# tallied in list order with their seconds.
pool_run() { # jobs
	local jobs=$1 running=0 ended=0 i f order
	local -A pool_idx=()
	mapfile -t order < <(pool_order)
	for i in "${order[@]}"; do
		while ((running >= jobs)); do pool_reap; done
		# shellcheck disable=SC2086
		run_log "${POOL_LABELS[i]}" ${POOL_CMDS[i]} &
		pool_idx[$!]=$i
		running=$((running + 1))
	done
	while ((running > 0)); do pool_reap; done
	for i in "${!POOL_LABELS[@]}"; do
		f=$(log_of "${POOL_LABELS[i]}")
		tally "$f" "${POOL_LABELS[i]}" "$(cat "$f.secs" 2>/dev/null)"
	done
}

# One pool job has ended: its line, counted in a subshell (the totals are
# pool_run's, in list order).  Uses pool_run's running, ended, pool_idx.
pool_reap() {
	local pid= i f
	if ! wait -n -p pid && [[ -z $pid ]]; then
		running=0 # no job left to wait for
		return
	fi
	[[ -n ${pool_idx[$pid]:-} ]] || return 0
	i=${pool_idx[$pid]}
	unset "pool_idx[$pid]"
	running=$((running - 1)) ended=$((ended + 1))
	f=$(log_of "${POOL_LABELS[i]}")
	echo "[$ended/${#POOL_LABELS[@]}] $(tally "$f" "${POOL_LABELS[i]}" "$(cat "$f.secs" 2>/dev/null)")"
}
