#!/usr/bin/env bash
# make test: unit tests (cmocka), host tests, report render test, then the
# lab integration tests.  Ends with "N passed, N failed, N skipped".
# TESTS=unit|golden|host|reliability|report|lab (comma list) limits what runs.
set -uo pipefail
cd "$(dirname "$0")/.."
want=${TESTS:-unit,golden,host,reliability,report,lab}
pass=0 fail=0 skip=0
failed_names=()
logdir=build/test-logs
mkdir -p "$logdir"

# Count TAP-ish lines: "ok - x", "not ok - x: why", "ok - x # SKIP why".
tally() { # file label [seconds]
	local f=$1 label=$2 p s n secs=${3:+ ($3 s)}
	p=$(grep -cE '^ok - ' "$f" | tr -d ' ')
	s=$(grep -cE '^ok - .*# SKIP' "$f" | tr -d ' ')
	n=$(grep -cE '^not ok - ' "$f" | tr -d ' ')
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + n))
	while IFS= read -r l; do failed_names+=("$label: ${l#not ok - }"); done < <(grep -E '^not ok - ' "$f")
	echo "$label: $((p - s)) passed, $n failed, $s skipped$secs"
}

# A script that printed no result lines but failed counts as one failure.
# run_log runs one script into its log (and its wall seconds into log.secs);
# tally counts it.  run_tap does both.
run_log() { # label cmd...
	local label=$1 rc t0=$SECONDS
	shift
	local log="$logdir/${label//\//_}.log"
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
	tally "$logdir/${1//\//_}.log" "$1"
}

if [[ ,$want, == *,unit,* ]]; then
	for t in build/tests/test_*; do
		[[ -x $t ]] || continue
		name=$(basename "$t")
		log="$logdir/$name.log"
		CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
		n=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
		p=${p:-0} n=${n:-0} s=${s:-0}
		if ((rc != 0 && n == 0)); then n=1; fi
		pass=$((pass + p)) fail=$((fail + n)) skip=$((skip + s))
		((n > 0)) && failed_names+=("unit/$name (see $log)")
		echo "unit/$name: $p passed, $n failed, $s skipped"
	done
fi

# Golden outputs of the fixtures: unchanged byte for byte (tests/golden).
if [[ ,$want, == *,golden,* ]]; then
	run_tap "golden" bash tests/golden/test_golden.sh
fi

if [[ ,$want, == *,host,* ]]; then
	for t in tests/host/*.sh; do
		[[ -f $t ]] || continue
		run_tap "host/$(basename "$t" .sh)" bash "$t"
	done
fi

# Reliability: hostile input, full disks, concurrency, signals, recovery
# (issue 8).  Each script prints TAP-ish lines like the host tests.
if [[ ,$want, == *,reliability,* ]]; then
	for t in tests/reliability/test_*.sh; do
		[[ -f $t ]] || continue
		run_tap "reliability/$(basename "$t" .sh)" bash "$t"
	done
fi

if [[ ,$want, == *,report,* ]]; then
	for t in tests/report/*.sh; do
		[[ -f $t ]] || continue
		run_tap "report/$(basename "$t" .sh)" bash "$t"
	done
fi

# The lab: every lab test boots its own QEMU (TCG, icount: one host thread
# each, and guest timings independent of host load), so they run LAB_JOBS at
# a time (default: the CPU count, at most 4), longest first by the seconds
# each took last time (build/test-logs/*.secs; a first run uses estimates),
# and are counted in this fixed order afterwards.  The guest tests
# run on the default lab kernel and on each of LAB_EXTRA_KERNELS (make test:
# 6.12) as lab/guest-<kernel>, skipped where its packages are missing
# (make deps LAB_KERNEL=<kernel>).
if [[ ,$want, == *,lab,* ]]; then
	lab_t0=$SECONDS
	labels=(lab/guest) cmds=("bash tests/lab/run-guest.sh")
	for k in ${LAB_EXTRA_KERNELS:-}; do
		[[ $k =~ ^[0-9A-Za-z.+_~-]+$ ]] || { echo "tests: LAB_EXTRA_KERNELS=$k: expected kernel series or releases such as 6.12" >&2; exit 1; }
		labels+=("lab/guest-$k")
		cmds+=("env LAB_KERNEL=$k bash tests/lab/guest-kernel.sh")
	done
	for t in tests/lab/host/*.sh; do
		[[ -f $t ]] || continue
		labels+=("lab/$(basename "$t" .sh)") cmds+=("bash $t")
	done
	jobs=${LAB_JOBS:-$(nproc 2>/dev/null || echo 1)}
	[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "tests: LAB_JOBS=$jobs: expected a positive integer" >&2; exit 1; }
	((jobs > 4 && ${LAB_JOBS:-0} == 0)) && jobs=4
	# longest first: last run's seconds, else these estimates (2-core host)
	declare -A est=([lab/test_suites]=600 [lab/guest]=170)
	mapfile -t order < <(for i in "${!labels[@]}"; do
		f="$logdir/${labels[i]//\//_}.log.secs"
		s=$(cat "$f" 2>/dev/null) && [[ $s =~ ^[0-9]+$ ]] ||
			s=${est[${labels[i]}]:-$([[ ${labels[i]} == lab/guest-* ]] && echo 160 || echo 60)}
		echo "$s $i"
	done | sort -s -k1,1nr | cut -d' ' -f2)
	echo "lab: ${#labels[@]} tests, $jobs at a time"
	running=0
	for i in "${order[@]}"; do
		if ((running >= jobs)); then
			wait -n
			running=$((running - 1))
		fi
		# shellcheck disable=SC2086 # cmds are ours: words, no input
		run_log "${labels[i]}" ${cmds[i]} &
		running=$((running + 1))
	done
	wait
	for i in "${!labels[@]}"; do
		f="$logdir/${labels[i]//\//_}.log"
		tally "$f" "${labels[i]}" "$(cat "$f.secs" 2>/dev/null)"
	done
	echo "lab tests: $((SECONDS - lab_t0)) s wall"
fi

if ((${#failed_names[@]})); then
	echo "failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
