#!/usr/bin/env bash
# Issue 20 §1: make variables are data.  Every payload that once ran its
# `touch` through make (pasted into recipe text, or evaluated by make when
# exported) is refused with one line and exit 1 (make: "Error 1", make's own
# exit 2), and creates no file; a `$(shell ...)` in ARGS or a LAB_* knob is
# never evaluated; the report's Reproduce lines are shell-quoted.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
tmp=$(mktemp -d /tmp/ib-inject-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
P=$tmp/P
# run as make itself would be from a shell, not as a sub-make of make test
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# payload: make's exit, its "Error N", no $P, and one line from our script
try() { # name expected-line-prefix make-args...
	local name=$1 want=$2 out rc
	shift 2
	rm -f "$P"
	out=$(make -s --no-print-directory "$@" 2>&1 </dev/null)
	rc=$?
	local mine
	mine=$(grep -v -E -e '^make(\[[0-9]+\])?: \*\*\*' -e '^deps: ' <<<"$out")
	if [[ ! -e $P && $rc == 2 && $out == *"Error 1"* && $(grep -c . <<<"$mine") == 1 && $mine == "$want"* ]]; then
		ok "$name: refused (Error 1), one line, no file"
	else
		nok "$name: rc=$rc file=$([[ -e $P ]] && echo CREATED || echo none) out=$(tr '\n' '|' <<<"$out" | cut -c1-300)"
	fi
}
try "SUITE with quotes and ;" "run: SUITE=" run SUITE="x\";touch $P;\""
try "SUITE with backquotes" "run: SUITE=" run SUITE="\`touch $P\`"
try "SUITE with \$\$(...)" "run: SUITE=" run SUITE="\$\$(touch $P)"
try "SUITE with \$(shell ...)" "run: SUITE=" run SUITE="\$(shell touch $P)"
try "SUITE as a path" "run: SUITE=" run SUITE=../../../../tmp/x/evil
try "TARGET with backquotes" "run: TARGET=" run TARGET="\`touch $P\`"
try "RUN with quotes and ;" "plots: RUN=" plots RUN="x\";touch $P;\""
try "A with quotes and ;" "compare: " compare A="a\";touch $P;\"" B=b
try "KDIR with quotes and ;" "module: KDIR=" module KDIR="x';touch $P;'"
try "DKMS_KERNEL with quotes and ;" "dkms-install: DKMS_KERNEL=" dkms-install DKMS_KERNEL="x';touch $P;'"
try "LAB_EDU_DMA_MASK with a QEMU property" "run: LAB_EDU_DMA_MASK=" run SUITE=smoke LAB_EDU_DMA_MASK='0xff,romfile=/etc/shadow'
try "LAB_MEM with \$(shell ...)" "run: LAB_MEM=" run SUITE=smoke LAB_MEM="\$(shell touch $P)"
try "LAB_KEEP_TRACE with \$(shell ...)" "run: LAB_KEEP_TRACE=" run SUITE=smoke LAB_KEEP_TRACE="\$(shell touch $P)"
try "LAB_KEEP_TRACE=yes (0 or 1)" "run: LAB_KEEP_TRACE=yes: expected 0 or 1" run SUITE=smoke LAB_KEEP_TRACE=yes
# the same from the environment (make imports it as a variable too)
rm -f "$P"
out=$(LAB_SMP="\$(shell touch $P)" make -s --no-print-directory run SUITE=smoke 2>&1)
[[ ! -e $P && $out == *"run: LAB_SMP="*"expected a number"* ]]
check "LAB_SMP='\$(shell ...)' from the environment: not evaluated, refused" [ $? = 0 ]
# ARGS is never evaluated by make: the run gets as far as the host check
# (no IOMMU here: exit 4) or the harness's own option parsing
rm -f "$P"
out=$(make -s --no-print-directory run SUITE=smoke TARGET=host ARGS="\$(shell touch $P)" 2>&1)
[[ ! -e $P ]]
check "ARGS='\$(shell touch P)': make does not evaluate it (no file)" [ $? = 0 ]

# lab.py itself: the mask must be a number (it lands in -device edu,...)
out=$(python3 scripts/lab/lab.py exec --edu-dma-mask '0xff,romfile=/etc/shadow' -- true 2>&1)
rc=$?
[[ $rc == 1 && $(grep -c . <<<"$out") == 1 && $out == *"LAB_EDU_DMA_MASK"* ]]
check "lab.py --edu-dma-mask '0xff,romfile=...': exit 1, one line" [ $? = 0 ]
python3 - <<'PY' && ok "lab.py: a ',' in a path inside a QEMU option is doubled (one property, not two)" || nok "lab.py qopt"
import argparse, importlib.util
spec = importlib.util.spec_from_file_location("lab", "scripts/lab/lab.py")
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)
a = argparse.Namespace(mem=2048, smp=1, caching_mode="on", iommu="intel", mode="strict",
                       edu_dma_mask="", icount=True, icount_shift="0", trace=True,
                       panic_on_oops=False, hugepages=0, hugepages_1g=0, append="", nvme=0, nics=0)
c = lab.qemu_cmdline(a, "K", "initrd", "/c", "/o,romfile=/etc/shadow", "/t.log", "/s")
assert "local,id=out,path=/o,,romfile=/etc/shadow,security_model=none" in c, c
PY

# the report's Reproduce lines, from a results.json whose suite is hostile
bin=build/iommubench
if [[ -x $bin ]]; then
	cp -r tests/fixtures/report/run "$tmp/rep"
	python3 - "$tmp/rep/results.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["context"]["suite"] = 'x";touch P;"'
json.dump(d, open(p, "w"))
PY
	"$bin" report "$tmp/rep" >/dev/null 2>&1
	html=$(cat "$tmp/rep/report.html" 2>/dev/null)
	[[ $html == *"make run &#39;SUITE=x&quot;;touch P;&quot;&#39; TARGET="* || $html == *"make run 'SUITE=x&quot;;touch P;&quot;' TARGET="* ]] &&
		[[ $html == *"make plots RUN="* ]]
	check "report: Reproduce prints make run 'SUITE=...' shell-quoted" [ $? = 0 ]
fi
