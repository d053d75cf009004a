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
tally() { # file label
	local f=$1 label=$2 p s n
	p=$(grep -cE '^ok - ' "$f" | tr -d ' ')
	s=$(grep -cE '^ok - .*# SKIP' "$f" | tr -d ' ')
	n=$(grep -cE '^not ok - ' "$f" | tr -d ' ')
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + n))
	while IFS= read -r l; do failed_names+=("$label: ${l#not ok - }"); done < <(grep -E '^not ok - ' "$f")
	echo "$label: $((p - s)) passed, $n failed, $s skipped"
}

# A script that printed no result lines but failed counts as one failure.
run_tap() { # label cmd...
	local label=$1 rc
	shift
	local log="$logdir/${label//\//_}.log"
	"$@" >"$log" 2>&1
	rc=$?
	if ! grep -qE '^(not )?ok - ' "$log"; then
		if ((rc == 4)); then
			echo "ok - $label # SKIP $(tail -n1 "$log")" >>"$log"
		elif ((rc != 0)); then
			echo "not ok - $label: exited $rc: $(tail -n1 "$log")" >>"$log"
		fi
	elif ((rc != 0 && rc != 4)) && ! grep -qE '^not ok - ' "$log"; then
		echo "not ok - $label: exited $rc after its checks: $(tail -n1 "$log")" >>"$log"
	fi
	tally "$log" "$label"
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

if [[ ,$want, == *,lab,* ]]; then
	lab_t0=$SECONDS
	run_tap "lab/guest" bash tests/lab/run-guest.sh
	for t in tests/lab/host/*.sh; do
		[[ -f $t ]] || continue
		run_tap "lab/$(basename "$t" .sh)" bash "$t"
	done
	# More lab kernels (issue 11), e.g. LAB_EXTRA_KERNELS=6.12: their guest
	# tests as lab/guest-<kernel>, skipped where the packages are missing
	# (make deps LAB_KERNEL=<kernel>).  Not default: about as long as lab/guest.
	for k in ${LAB_EXTRA_KERNELS:-}; do
		run_tap "lab/guest-$k" env LAB_KERNEL="$k" bash -c 'bash scripts/lab/kernel.sh check >/dev/null 2>&1 ||
			{ echo "LAB_KERNEL=$LAB_KERNEL not installed (make deps LAB_KERNEL=$LAB_KERNEL)"; exit 4; }
			make -s module-lab >/dev/null || exit 2; bash tests/lab/run-guest.sh'
	done
	echo "lab tests: $((SECONDS - lab_t0)) s wall"
fi

if ((${#failed_names[@]})); then
	echo "failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
