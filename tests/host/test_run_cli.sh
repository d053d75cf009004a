#!/usr/bin/env bash
# make run's front end on the host: suite/target validation and the host
# target's refusal on a machine without an IOMMU (exit 4 = skipped).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

out=$(bash scripts/run.sh no-such-suite host 2>&1); rc=$?
if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"SUITE=no-such-suite: unknown suite; available: "*smoke* ]]; then
	echo "ok - unknown suite: exit 1, one line listing the suites"
else
	echo "not ok - unknown suite: rc=$rc out=$out"
fi

out=$(bash scripts/run.sh smoke nowhere 2>&1); rc=$?
if [[ $rc == 1 && $out == *"TARGET=nowhere: expected auto, host or lab"* ]]; then
	echo "ok - bad TARGET: exit 1 naming the allowed values"
else
	echo "not ok - bad TARGET: rc=$rc out=$out"
fi

if [[ -z $(ls /sys/class/iommu 2>/dev/null) ]]; then
	out=$(bash scripts/run.sh smoke host 2>&1); rc=$?
	if [[ $rc == 4 && $(wc -l <<<"$out") == 1 && $out == *"no IOMMU"* ]]; then
		echo "ok - TARGET=host without an IOMMU: exit 4, one line"
	else
		echo "not ok - TARGET=host without an IOMMU: rc=$rc out=$out"
	fi
else
	echo "ok - TARGET=host without an IOMMU # SKIP this machine has an IOMMU"
fi

out=$(LAB_IOMMU=arm bash scripts/run.sh smoke lab 2>&1); rc=$?
if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "run: LAB_IOMMU=arm: expected intel, amd, virtio or none" ]]; then
	echo "ok - bad LAB_IOMMU: exit 1 naming the allowed values"
else
	echo "not ok - bad LAB_IOMMU: rc=$rc out=$(tail -n1 <<<"$out")"
fi

# The same through make: the one-line reason, and make's own line carrying
# the contract code (make itself exits 2).
if [[ -z $(ls /sys/class/iommu 2>/dev/null) ]]; then
	out=$(make -s --no-print-directory run SUITE=smoke TARGET=host 2>&1); rc=$?
	if [[ $rc == 2 && $out == *"run: TARGET=host: cannot run here: no IOMMU"* && $out == *"] Error 4"* ]]; then
		echo "ok - make run TARGET=host without an IOMMU: one-line reason, make reports Error 4"
	else
		echo "not ok - make run TARGET=host without an IOMMU: rc=$rc out=$out"
	fi
fi

# ARGS: options run.sh sets itself are refused in one line naming ARGS and
# the option, exit 1, before anything is built or created (a fresh RESULTS
# root stays absent).
for case in "--suite|--suite x" "--results-dir|--only map --results-dir=/tmp/elsewhere" "--run-id|--run-id r1" \
	"--claimed-run-id|--claimed-run-id r1" "--platform|--platform host" "--lab-ctl|--lab-ctl /dev/null"; do
	opt=${case%%|*} a=${case#*|}
	res=$(mktemp -u /tmp/ib-args-XXXXXX)
	out=$(ARGS=$a RESULTS=$res bash scripts/run.sh smoke lab 2>&1); rc=$?
	if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "run: ARGS: $opt is set by make run itself"* && ! -e $res ]]; then
		echo "ok - ARGS='$a': exit 1, one line naming ARGS and $opt, nothing created"
	else
		echo "not ok - ARGS='$a': rc=$rc out=$out (results root created: $([[ -e $res ]] && echo yes || echo no))"
	fi
	rm -rf "$res"
done
out=$(make -s --no-print-directory run SUITE=smoke TARGET=lab ARGS="--only map --platform=host" 2>&1); rc=$?
if [[ $rc == 2 && $out == *"run: ARGS: --platform is set by make run itself"* && $out == *"] Error 1"* ]]; then
	echo "ok - make run ARGS with a refused option: make reports Error 1"
else
	echo "not ok - make run ARGS with a refused option: rc=$rc out=$out"
fi
out=$(ARGS="--only 'map" bash scripts/run.sh smoke lab 2>&1); rc=$?
if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "run: ARGS=\"--only 'map\": No closing quotation" ]]; then
	echo "ok - ARGS with an unbalanced quote: exit 1, one line"
else
	echo "not ok - ARGS with an unbalanced quote: rc=$rc out=$out"
fi

# --help on every command: exit 0, its usage on stdout, nothing on stderr
# (issue 21 §5); `run --help` answered "--help: missing value" before.
for c in run rerun info help compare lab-merge report derive finish restore; do
	out=$(build/iommubench "$c" --help 2>/tmp/ib-help-err.$$); rc=$?
	if [[ $rc == 0 && $out == "usage:"*"  $c"* && ! -s /tmp/ib-help-err.$$ ]]; then
		echo "ok - iommubench $c --help: exit 0 with its usage"
	else
		echo "not ok - iommubench $c --help: rc=$rc out=$out err=$(cat /tmp/ib-help-err.$$)"
	fi
done
rm -f /tmp/ib-help-err.$$
out=$(build/iommubench run --suite smoke --dry-run -h 2>&1); rc=$?
if [[ $rc == 1 ]]; then
	echo "ok - -h is help only as a command's first argument"
else
	echo "not ok - -h after other arguments: rc=$rc out=$out"
fi
