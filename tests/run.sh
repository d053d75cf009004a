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

# tally, run_log, run_tap, pool_run
. tests/lib/runner.sh

# cmocka's TAP (CMOCKA_MESSAGE_OUTPUT=TAP): "ok N - test", the plan first;
# a crash before the plan's count is one failure (runner.sh run_log).
if [[ ,$want, == *,unit,* ]]; then
	for t in build/tests/test_*; do
		[[ -x $t ]] || continue
		run_tap "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
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
# (issue 8).  Each script prints TAP (tests/lib/tap.sh) like the host tests.
if [[ ,$want, == *,reliability,* ]]; then
	for t in tests/reliability/test_*.sh; do
		[[ -f $t ]] || continue
		# with the lab tier, the sanitizer pass (15 minutes of one CPU)
		# runs in the lab pool beside the QEMUs, as one of its jobs
		[[ $t == */test_sanitize.sh && ,$want, == *,lab,* ]] && continue
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
	POOL_LABELS=(lab/guest) POOL_CMDS=("bash tests/lab/run-guest.sh")
	main_kver=$(bash scripts/lab/kernel.sh release 2>/dev/null)
	for k in ${LAB_EXTRA_KERNELS:-}; do
		[[ $k =~ ^[0-9A-Za-z.+_~-]+$ ]] || { echo "tests: LAB_EXTRA_KERNELS=$k: expected kernel series or releases such as 6.12" >&2; exit 1; }
		# LAB_KERNEL=6.12 make test: lab/guest is 6.12 already
		[[ $(LAB_KERNEL=$k bash scripts/lab/kernel.sh release 2>/dev/null) == "${main_kver:-none}" ]] && continue
		POOL_LABELS+=("lab/guest-$k") POOL_CMDS+=("env LAB_KERNEL=$k bash tests/lab/guest-kernel.sh")
	done
	for t in tests/lab/host/*.sh; do
		[[ -f $t ]] || continue
		POOL_LABELS+=("lab/$(basename "$t" .sh)") POOL_CMDS+=("bash $t")
	done
	# one CPU-bound job like a QEMU: make test's wall (docs/reliability.md)
	if [[ ,$want, == *,reliability,* && -f tests/reliability/test_sanitize.sh ]]; then
		POOL_LABELS+=(reliability/test_sanitize) POOL_CMDS+=("bash tests/reliability/test_sanitize.sh")
	fi
	jobs=${LAB_JOBS:-$(nproc 2>/dev/null || echo 1)}
	[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "tests: LAB_JOBS=$jobs: expected a positive integer" >&2; exit 1; }
	[[ -z ${LAB_JOBS:-} ]] && ((jobs > 4)) && jobs=4
	# first-run estimates, wall seconds on the 2-core CI machine
	declare -A POOL_EST=([lab/test_suite_hugepage]=160 [lab/guest]=330 [lab/test_suites]=100
		[reliability/test_sanitize]=900)
	for k in ${LAB_EXTRA_KERNELS:-}; do POOL_EST[lab/guest-$k]=310; done
	echo "lab pool: ${#POOL_LABELS[@]} tests, $jobs at a time"
	pool_run "$jobs"
	echo "lab tests: $((SECONDS - lab_t0)) s wall"
fi

if ((${#failed_names[@]})); then
	echo "failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
