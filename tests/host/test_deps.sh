#!/usr/bin/env bash
# Issue 19: set-up.  The package set a fresh Debian 12 gets resolves (apt-get
# -s against an empty dpkg status), and the old signed/unsigned kernel
# conflict would fail that check; each target's set holds only what it needs
# (no kernel image anywhere, no QEMU or Chromium for the host); the lab
# kernels are unpacked, self-contained trees, and none is installed.
# The full fresh-system run is tests/fresh/fresh.sh (CI, after make test).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
command -v apt-get >/dev/null || { echo "ok - deps # SKIP no apt here"; exit 0; }
tmp=$(mktemp -d /tmp/ib-deps-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for s in host test; do
	out=$(LAB_EXTRA_KERNELS=6.12 bash scripts/deps.sh resolve-check $s 2>&1)
	rc=$?
	[[ $rc == 0 && $out == "deps: the $s set resolves on an empty dpkg status: "* ]]
	check "the $s set resolves on a fresh system (apt-get -s, empty dpkg status): ${out#deps: }" [ $? = 0 ]
done
# the defect of 2026-12-06: the signed image (through linux-image-amd64) and
# its -unsigned twin asked for together
r=$(bash scripts/lab/kernel.sh release)
out=$(IB_DEPS_ADD="linux-image-amd64 linux-image-$r-unsigned" bash scripts/deps.sh resolve-check host 2>&1)
rc=$?
[[ $rc == 2 && $(wc -l <<<"$out") == 1 && $out == *"does not resolve on a fresh system"*"Conflicts"* ]]
check "a set with linux-image-amd64 and linux-image-$r-unsigned fails the check: exit 2, one line naming the conflict" [ $? = 0 ]

host=$(bash scripts/deps.sh list host)
lab=$(bash scripts/deps.sh list lab)
tst=$(LAB_EXTRA_KERNELS=6.12 bash scripts/deps.sh list test)
bad=$(grep -E '^(qemu|chromium|openmpi|libopenmpi|busybox|linux-image|linux-headers|linux-source|libinih|mmdebstrap)' <<<"$host")
[[ -z $bad && $(grep -c . <<<"$host") -ge 10 ]]
check "the host set has no lab or test packages ($(grep -c . <<<"$host") packages${bad:+; found: $bad})" [ $? = 0 ]
[[ -z $(grep -E '^(linux-image|linux-headers|libinih)' <<<"$lab"$'\n'"$tst") ]]
check "no set asks apt for a kernel image or headers (they are fetched and unpacked), nor for libinih-dev" [ $? = 0 ]
grep -qx qemu-system-x86 <<<"$lab" && grep -qx chromium <<<"$tst" && grep -qx libcmocka-dev <<<"$tst" &&
	grep -qx linux-source-6.1 <<<"$tst" && ! grep -qx chromium <<<"$lab"
check "the lab set has QEMU and no Chromium; the test set has Chromium, cmocka and linux-source-6.1" [ $? = 0 ]

out=$(LAB_KERNEL='6.1;x' bash scripts/lab/kernel.sh release 2>&1)
rc=$?
[[ $rc == 1 && $out == "lab kernel: LAB_KERNEL=6.1;x: expected a release"* ]]
check "kernel.sh: a malformed LAB_KERNEL: exit 1, one line" [ $? = 0 ]
out=$(IOMMUBENCH_BUILD=$tmp/b bash scripts/lab/kernel.sh check 2>&1)
rc=$?
[[ $rc == 3 && $(wc -l <<<"$out") == 1 && $out == *"not fetched"*"make deps"* ]]
check "kernel.sh check without a fetched tree: exit 3, one line naming make deps" [ $? = 0 ]

# the fetched trees (make deps ran before make test)
for k in "" 6.12; do
	r=$(LAB_KERNEL=$k bash scripts/lab/kernel.sh release 2>/dev/null) || continue
	d=$(LAB_KERNEL=$k bash scripts/lab/kernel.sh dir)
	if [[ ! -f $d/.complete ]]; then
		ok "lab kernel $r # SKIP not fetched here"
		continue
	fi
	inc=$(cat "$d/usr/src/linux-headers-$r/Makefile")
	abs=$(find "$d" -lname '/*' | head -n3)
	[[ $inc == "include ../linux-headers-"*"-common/Makefile" && -z $abs && -f $d/lib/modules/$r/modules.dep &&
		-f $d/boot/vmlinuz-$r && -e $d/lib/modules/$r/build/Makefile ]]
	check "lab kernel $r: a self-contained tree (relative include '$inc', no absolute links${abs:+: $abs}, modules.dep, vmlinuz)" [ $? = 0 ]
	inst=$(dpkg-query -W -f='${Package} ${Status}\n' "linux-image-$r*" "linux-headers-$r" 2>/dev/null | grep -c 'ok installed')
	[[ $inst == 0 && ! -e /boot/vmlinuz-$r && ! -e /lib/modules/$r ]]
	check "lab kernel $r: not installed (no package, no /boot/vmlinuz-$r, no /lib/modules/$r)" [ $? = 0 ]
done

# no apt: one line, exit 3
mkdir -p "$tmp/bin"
for t in bash env dirname cat sed awk grep id head tr find; do ln -s "$(command -v $t)" "$tmp/bin/$t"; done
out=$(PATH=$tmp/bin bash scripts/deps.sh host 2>&1)
rc=$?
[[ $rc == 3 && $(wc -l <<<"$out") == 1 && $out == "deps: no apt here"* ]]
check "deps without apt: exit 3, one line saying what to install" [ $? = 0 ]
