#!/usr/bin/env bash
# make reproduce RUN=results/<suite>/<run-id>: reruns RUN's exact
# configuration on the same kind of target (scripts/run.sh with
# REPRODUCE_FROM: `iommubench rerun` of RUN's results.json, on the host or
# in a lab booted as make run boots it, with RUN's lab settings from its
# lab-run.txt), then `iommubench reproduce RUN --against <the new run>`:
# a verdict per row.  Exit 0 when every row reproduced, 2 when one differs,
# 4 when some are not comparable, 1 on bad input (docs/harness.md,
# "Reproduce").
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/iommubench
run=${1:-}
res=${RESULTS:-results}

[[ -n $run ]] || { echo "reproduce: set RUN=results/<suite>/<run-id>" >&2; exit 1; }
[[ -f $run/results.json ]] || { echo "reproduce: RUN=${run@Q}: no results.json there" >&2; exit 1; }
t0=$(date +%s.%N)
# suite and platform from the results file; checked here (names only)
mapfile -t ctx < <(python3 - "$run/results.json" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1])).get("context", {})
except (OSError, ValueError) as e:
    sys.exit(f"reproduce: {sys.argv[1]}: {e}")
print(c.get("suite", "") if isinstance(c.get("suite"), str) else "")
print(c.get("platform", "") if isinstance(c.get("platform"), str) else "")
PY
) || exit 1
suite=${ctx[0]:-} platform=${ctx[1]:-}
[[ $suite =~ ^[a-z0-9_-]+$ ]] || { echo "reproduce: $run: context.suite=${suite@Q}: expected a suite name" >&2; exit 1; }
case $platform in
host) target=host ;;
qemu-lab) target=lab ;;
*) echo "reproduce: $run: context.platform=${platform@Q}: expected host or qemu-lab" >&2; exit 1 ;;
esac

# a host run of no suite file (run --engine ...): the harness reruns it itself
if [[ $target == host && ! -f bench/suites/$suite.suite ]]; then
	"$bin" reproduce "$run" --results-dir "$res"
	exit $?
fi

# the lab as RUN's lab-run.txt says it was booted (run.sh checks each value)
if [[ $target == lab && -f $run/lab-run.txt ]]; then
	while IFS='=' read -r k v; do
		case $k in
		iommu) export LAB_IOMMU=$v ;;
		mode) export LAB_MODE=$v ;;
		caching_mode) export LAB_CACHING_MODE=$v ;;
		smp) export LAB_SMP=$v ;;
		mem_mb) export LAB_MEM=$v ;;
		kernel) export LAB_KERNEL=$v ;;
		esac
	done <"$run/lab-run.txt"
fi
out=$(mktemp /tmp/ib-reproduce-XXXXXX) || exit 3
trap 'rm -f "$out"' EXIT
echo "reproduce: rerunning $run (suite $suite, TARGET=$target)"
REPRODUCE_FROM=$run/results.json REPRODUCE_DIR_OUT=$out ARGS= bash scripts/run.sh "$suite" "$target"
rc=$?
again=$(head -n1 "$out")
if [[ -z $again || ! -f $again/results.json ]]; then
	echo "reproduce: the rerun of $run left no results (run.sh exit $rc)" >&2
	exit $((rc ? rc : 2))
fi
"$bin" reproduce "$run" --against "$again"
rc=$?
echo "reproduce: $(python3 -c "import sys; print('%.0f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)") s wall, rerun and verdicts (exit $rc)"
exit $rc
