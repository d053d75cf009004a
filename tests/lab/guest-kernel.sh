#!/usr/bin/env bash
# The lab's guest tests on LAB_KERNEL (tests/run.sh: lab/guest-<kernel> for
# each of LAB_EXTRA_KERNELS): exit 4 (skipped, one line) where that kernel's
# packages are not installed, else its module and then run-guest.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
if ! why=$(bash scripts/lab/kernel.sh check 2>&1 >/dev/null); then
	echo "LAB_KERNEL=$LAB_KERNEL not installed (make deps LAB_KERNEL=$LAB_KERNEL): ${why#lab kernel: }"
	exit 4
fi
make -s module-lab >/dev/null || { echo "make module-lab LAB_KERNEL=$LAB_KERNEL failed"; exit 2; }
exec bash tests/lab/run-guest.sh
