#!/usr/bin/env bash
# Lab integration tests that run inside the guest.  Scripts in
# tests/lab/guest/*.sh declare the boot they need with a "# lab: <options>"
# line (options of scripts/lab/lab.py exec), and any further boots they also
# run in with "# lab-also: <options>" lines; scripts with the same options
# share one boot.  After its scripts, every boot also checks that the guest
# kernel logged no BUG/WARNING/Oops and that no pinned page leaked.
# Output: TAP (tests/lib/tap.sh numbers the guest's ok - / not ok - lines).
set -uo pipefail
shopt -s extglob
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
python3 scripts/lab/lab.py build --quiet || { echo "not ok - lab initramfs: lab.py build failed"; exit 2; }
kver=$(bash scripts/lab/kernel.sh release)
echo "# lab kernel: $kver${LAB_KERNEL:+ (LAB_KERNEL=$LAB_KERNEL)}"
work=$(mktemp -d /tmp/iblab-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
declare -A groups=()
for s in tests/lab/guest/${LAB_GUEST:-*}.sh; do
	[[ -f $s ]] || continue
	opts=$(sed -n 's/^# lab: *//p' "$s" | head -n1)
	groups["$opts"]+="$(basename "$s") "
	# "# lab-also: <options>": the script runs in that boot too (e.g. on the
	# AMD vIOMMU); its lines carry that boot's options, so names stay unique
	while IFS= read -r also; do
		[[ -n $also && $also != "$opts" ]] && groups["$also"]+="$(basename "$s") "
	done < <(sed -n 's/^# lab-also: *//p' "$s")
done
i=0
for opts in "${!groups[@]}"; do
	i=$((i + 1))
	out=$work/boot$i
	mkdir -p "$out"
	cmd='for s in '"${groups[$opts]}"'; do echo "# $s"; IB=/opt/iommubench/bin/iommubench TOOLS=/opt/iommubench/labtools sh /opt/iommubench/tests/lab/guest/$s > /out/${s%.sh}.log 2>&1; echo "# $s exit $?" >> /out/${s%.sh}.log; done;'
	cmd+=' if dmesg | grep -E "BUG|WARNING|Oops|general protection" > /out/dmesg-bad.txt; then echo "not ok - guest dmesg clean: $(head -n1 /out/dmesg-bad.txt)"; else echo "ok - guest dmesg clean"; fi > /out/zz-boot.log;'
	cmd+=' echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null; a=$(sed -n "s/^nr_foll_pin_acquired //p" /proc/vmstat); r=$(sed -n "s/^nr_foll_pin_released //p" /proc/vmstat);'
	cmd+=' if [ "$a" = "$r" ]; then echo "ok - no pinned-page leak (acquired=$a released=$r)"; else echo "not ok - pinned-page leak: acquired=$a released=$r"; fi >> /out/zz-boot.log;'
	cmd+=' dmesg > /out/dmesg.txt'
	echo "# boot $i: ${opts:-defaults}: ${groups[$opts]}"
	# shellcheck disable=SC2086
	python3 scripts/lab/lab.py exec --quiet --timeout 900 $opts --out "$out" -- "$cmd" >"$out/host.log" 2>&1
	rc=$?
	if ((rc == 4)); then # this kernel cannot boot that lab (e.g. no virtio-iommu driver)
		echo "ok - lab boot (${opts:-defaults}): ${groups[$opts]}# SKIP $(tail -n1 "$out/host.log")"
		continue
	elif ((rc)); then
		echo "not ok - lab boot (${opts:-defaults}): $(tail -n1 "$out/host.log")"
		continue
	fi
	for l in "$out"/*.log; do
		case $(basename "$l") in console.log | host.log | qemu-trace.log) continue ;; esac
		sed "s/^\(not \)\{0,1\}ok - /&[${opts:-defaults}] /" "$l"
	done
	logs=build/test-logs/lab-boot$i
	[[ -z ${LAB_KERNEL:-} ]] || logs=build/test-logs/lab-$kver-boot$i
	mkdir -p "$logs" && find "$out" -maxdepth 1 -type f \( -name '*.log' -o -name '*.txt' \) ! -name qemu-trace.log -exec cp {} "$logs/" \;
done
