#!/usr/bin/env bash
# lab.py exec ergonomics (issue 10), one boot: --add carries a file and a
# directory to /opt/extra, debugfs is mounted, --no-trace leaves no
# qemu-trace.log, the icount line has sleep=off and the guest's
# CLOCK_MONOTONIC advances by the slept second.  Bad --add values are refused
# in one line (exit 1) before any boot.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
work=$(mktemp -d /tmp/ib-lab-exec-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/dir/sub" "$work/out"
echo file-one >"$work/src/one.txt"
echo file-two >"$work/src/dir/sub/two.txt"

for spec in "$work/src/one.txt:../x" "$work/src/one.txt:/etc/x" "$work/src/one.txt:a/../b" \
	"$work/nonexistent" ":x" "$work/src/one.txt:a b"; do
	out=$(python3 scripts/lab/lab.py exec --add "$spec" -- true 2>&1); rc=$?
	if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "lab: --add="* ]]; then
		echo "ok - --add '$spec' refused: exit 1, one line"
	else
		echo "not ok - --add '$spec': rc=$rc out=$out"
	fi
done

python3 scripts/lab/lab.py exec --quiet --no-trace --timeout 300 --out "$work/out" \
	--add "$work/src/one.txt" --add "$work/src/dir:d/e" -- \
	'{ cat /opt/extra/one.txt /opt/extra/d/e/sub/two.txt; grep -c " /sys/kernel/debug debugfs " /proc/mounts;
	 a=$(cut -d" " -f1 /proc/uptime); sleep 1; b=$(cut -d" " -f1 /proc/uptime); echo "slept $a $b"; } > /out/g.txt' \
	>"$work/host.log" 2>&1
rc=$?
o=$(cat "$work/out/g.txt" "$work/host.log" 2>&1)
[[ $rc == 0 && $o == *file-one*file-two* ]] && echo "ok - --add: a file and a directory under /opt/extra" ||
	echo "not ok - --add: rc=$rc: $(tail -n2 <<<"$o" | tr '\n' ' ')"
grep -qx 1 <<<"$o" && echo "ok - debugfs mounted at /sys/kernel/debug" || echo "not ok - debugfs not mounted"
if [[ ! -e $work/out/qemu-trace.log ]] && ! grep -q -- ' -trace ' "$work/out/qemu-cmdline.txt" &&
	grep -qx 'trace=off (--no-trace)' "$work/out/lab-run.txt"; then
	echo "ok - --no-trace: no -trace, no qemu-trace.log, lab-run.txt says trace=off"
else
	echo "not ok - --no-trace: $(ls "$work/out") $(grep trace "$work/out/lab-run.txt")"
fi
grep -q -- '-icount shift=0,sleep=off' "$work/out/qemu-cmdline.txt" && echo "ok - icount with sleep=off" ||
	echo "not ok - icount without sleep=off: $(grep -o -- '-icount [^ ]*' "$work/out/qemu-cmdline.txt")"
read -r _ a b < <(grep '^slept ' <<<"$o")
# /proc/uptime prints centiseconds; compare them as integers (4.22 - 3.22 is 0.99999... in floating point).
# Truncation cannot shrink a 1 s interval below 100 cs: floor(x + d) >= floor(x) + floor(d).
cs() { local v=${1:-x}; [[ $v =~ ^([0-9]+)\.([0-9]{2})$ ]] && echo $((10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]})); }
ca=$(cs "${a:-}") cb=$(cs "${b:-}")
if [[ -n $ca && -n $cb ]] && ((cb - ca >= 100 && cb - ca < 120)); then
	echo "ok - guest CLOCK_MONOTONIC: sleep 1 advanced uptime by $((cb - ca)) cs"
else
	echo "not ok - guest uptime around sleep 1: ${a:-?} -> ${b:-?}"
fi
