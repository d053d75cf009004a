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

# Scripts that take IB_BIN (themselves, or through tests/lib/cuda-host.sh):
# the host tests and the other reliability tests,
# but these (make test's 30-minute budget; each runs unsanitized in its own
# tier, and the harness code they reach is reached by the others too):
#  test_report_scale  a scale test: 100 s plain, about 5 min under ASan,
#                     and the same report code runs on every fixture here;
#  test_mpi_ranks, test_fleet_sim  under mpirun (Open MPI's own leaks can
#                     not be told apart: leak checking would be off anyway);
#  test_device_first  run.sh's decision and make run on the fake host: the
#                     cuda engine and planner it reaches run sanitized in
#                     test_cuda_engine and test_run paths.
not_sanitized=" test_report_scale test_mpi_ranks test_fleet_sim test_device_first "
for s in tests/host/test_*.sh tests/reliability/test_*.sh; do
	[[ $s == */test_sanitize.sh ]] && continue
	grep -qE 'IB_BIN|cuda_host_prepare' "$s" || continue
	name=$(basename "$s" .sh)
	[[ $not_sanitized == *" $name "* ]] && continue
	bash "$s" >"$logs/$name.log" 2>&1
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
