#!/usr/bin/env bash
# The harness and its tests under AddressSanitizer + UndefinedBehaviorSanitizer
# (`make sanitize`, build/san): every unit test binary, then the host tests
# and the other reliability scripts with IB_BIN=build/san/iommubench.  Any
# ASan report, UBSan "runtime error" or leak fails the case.
# (The Makefile's SANITIZE=1 links libpciaccess so that hwloc's unloaded
# PCI plugin does not show up as a leak; see there.)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
san=build/san
logs=build/test-logs/sanitize
mkdir -p "$logs"

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }

if ! make -s --no-print-directory sanitize >"$logs/build.log" 2>&1; then
	nok "make sanitize: $(tail -n1 "$logs/build.log")"
	exit 1
fi
ok "make sanitize: harness and unit tests built with -fsanitize=address,undefined"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98
export IB_BIN=$san/iommubench IB_SANITIZED=1

# A sanitizer report in a log: the first line of it, or nothing.
report() { grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$1"; }

for t in "$san"/tests/test_*; do
	[[ -x $t ]] || continue
	name=$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$logs/$name.log" 2>&1
	rc=$?
	bad=$(report "$logs/$name.log")
	passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$logs/$name.log" | tail -n1)
	if [[ $rc == 0 && -z $bad ]]; then
		ok "sanitized unit/$name: ${passed:-0} tests, no sanitizer report"
	else
		nok "sanitized unit/$name: rc=$rc ${bad:-$(tail -n1 "$logs/$name.log")}"
	fi
done

# Scripts that take IB_BIN: the host tests and the other reliability tests.
for s in tests/host/test_*.sh tests/reliability/test_*.sh; do
	[[ $s == */test_sanitize.sh ]] && continue
	grep -q 'IB_BIN' "$s" || continue
	name=$(basename "$s" .sh)
	# Under mpirun Open MPI unloads its plugins before exit, so the
	# allocations it keeps on purpose show up as leaks of "<unknown
	# module>" that no suppression can name: leak checking is off there
	# (ASan's memory errors and UBSan still fail); the harness's own
	# allocations are leak-checked by every other script.
	case $name in
	test_mpi_ranks | test_fleet_sim) ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} bash "$s" >"$logs/$name.log" 2>&1 ;;
	*) bash "$s" >"$logs/$name.log" 2>&1 ;;
	esac
	rc=$?
	bad=$(report "$logs/$name.log")
	p=$(grep -cE '^ok - ' "$logs/$name.log")
	n=$(grep -cE '^not ok - ' "$logs/$name.log")
	if [[ -z $bad && $n == 0 && ($rc == 0 || $rc == 4) ]]; then
		ok "sanitized $name: $p checks passed, no sanitizer report"
	else
		nok "sanitized $name: rc=$rc, $n checks failed: ${bad:-$(grep -m1 -E '^not ok - ' "$logs/$name.log")}"
	fi
done
