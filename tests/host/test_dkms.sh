#!/usr/bin/env bash
# Host test: `make dkms-install` / `make dkms-remove` for kernels that are
# not running (the lab kernel, and 6.12 when DKMS_TEST_KERNELS names it;
# their trees unpacked by make deps join the overlays), in a throwaway root: a private mount namespace where /usr/src,
# /var/lib/dkms and /lib/modules are overlays on a temporary directory, so
# what DKMS adds, builds, signs, installs and depmods there vanishes with the
# namespace.  Checks per kernel: the installed .ko is found by modinfo -k
# (depmod ran), its vermagic names that kernel, the conftest step ran,
# DKMS signed it; host.sh picks it as the module to load; dkms-remove takes
# it all away; and the real /usr/src, /var/lib/dkms and /lib/modules are
# unchanged afterwards.
#   DKMS_TEST_KERNELS="<release|series> ..."  (LAB_KERNEL values; default: the
#   lab kernel and 6.12, each skipped when not installed; about 20 s per
#   kernel on 2 cores)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

if [[ ${1:-} != --in-namespace ]]; then
	[[ $(id -u) -eq 0 ]] || { echo "ok - dkms # SKIP needs root (mount namespace)"; exit 0; }
	command -v dkms >/dev/null || { echo "ok - dkms # SKIP dkms not installed (make deps)"; exit 0; }
	command -v unshare >/dev/null || { echo "ok - dkms # SKIP no unshare"; exit 0; }
	kernels=() want=()
	read -r -a want <<<"${DKMS_TEST_KERNELS:-}"
	((${#want[@]})) || want=("" 6.12) # the lab kernel (LAB_KERNEL unset), and 6.12
	for k in "${want[@]}"; do
		r=$(LAB_KERNEL=$k bash scripts/lab/kernel.sh check 2>&1) || { echo "ok - dkms $k # SKIP $r"; continue; }
		kernels+=("$r")
	done
	((${#kernels[@]})) || exit 0
	# what DKMS would write there (not the whole trees: others may install packages meanwhile)
	snap() {
		ls -d /usr/src/iommubench* /var/lib/dkms/iommubench /var/lib/dkms/mok.* 2>/dev/null
		for k in "${kernels[@]}"; do
			ls -d "/lib/modules/$k/updates/dkms/iommubench"* 2>/dev/null
			stat -c '%n %s %Y' "/lib/modules/$k/modules.dep"
		done
	}
	before=$(snap 2>&1)
	tmp=$(mktemp -d /tmp/ib-dkms-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	unshare -m --propagation private bash "$0" --in-namespace "$tmp" "${kernels[@]}"
	rc=$?
	after=$(snap 2>&1)
	if [[ $before == "$after" ]]; then
		echo "ok - dkms: the real /usr/src, /var/lib/dkms and /lib/modules/<kernel> are unchanged (no iommubench, no DKMS key, modules.dep as before)"
	else
		echo "not ok - dkms: the real trees changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
	fi
	exit "$rc"
fi

# --- inside the namespace ---
tmp=$2
shift 2
kernels=("$@")
# The lab kernels are unpacked in build/lab/kernels/<release>, never
# installed: here their usr/src, lib/modules and usr/lib (kbuild) join the
# overlays as further lower layers, so DKMS sees them where a user's
# installed kernel would be.
for d in /usr/lib /usr/src /var/lib/dkms /lib/modules; do
	o=$tmp/ovl/${d//\//_}
	lower=$d
	if [[ $d != /var/lib/dkms ]]; then
		for k in "${kernels[@]}"; do
			[[ -d build/lab/kernels/$k$d ]] && lower+=":$PWD/build/lab/kernels/$k$d"
		done
	fi
	mkdir -p "$o/u" "$o/w" "$d"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$o/u,workdir=$o/w" "$d" ||
		{ echo "not ok - dkms: cannot mount an overlay on $d"; exit 1; }
done
# the unpacked tree's build link is relative to its own lib/modules; where
# /lib is a link to usr/lib it would miss: point it as the package does
for k in "${kernels[@]}"; do
	[[ -e /lib/modules/$k/build ]] || ln -sfn "/usr/src/linux-headers-$k" "/lib/modules/$k/build"
done
ver=$(cat VERSION)
log=$tmp/install.log
t0=$SECONDS
make -s --no-print-directory dkms-install DKMS_KERNEL="${kernels[*]}" >"$log" 2>&1
rc=$?
secs=$((SECONDS - t0))
if ((rc == 0)); then
	echo "ok - make dkms-install for ${kernels[*]}: exit 0 in ${secs} s"
else
	echo "not ok - make dkms-install for ${kernels[*]}: exit $rc: $(tail -n 3 "$log" | tr '\n' ' ')"
fi
conf=/usr/src/iommubench-$ver/dkms.conf
if [[ -f /usr/src/iommubench-$ver/include/uapi/iommubench.h && $(grep -c '^PACKAGE_VERSION="'"$ver"'"$' "$conf") == 1 &&
	$(dkms status -m iommubench -v "$ver" 2>/dev/null | grep -c ': installed') == "${#kernels[@]}" ]]; then
	echo "ok - DKMS source tree /usr/src/iommubench-$ver (uapi header, PACKAGE_VERSION=$ver); dkms status: installed for ${#kernels[@]} kernel(s)"
else
	echo "not ok - DKMS source tree or status: $(dkms status 2>&1 | tr '\n' ' ')"
fi
for k in "${kernels[@]}"; do
	f=$(modinfo -k "$k" -n iommubench 2>/dev/null)
	vm=$(modinfo -F vermagic "$f" 2>/dev/null)
	if [[ $f == /lib/modules/$k/updates/dkms/iommubench.ko* && ${vm%% *} == "$k" ]]; then
		echo "ok - $k: $f, vermagic '${vm% }'"
	else
		echo "not ok - $k: installed module '$f' vermagic '$vm'"
	fi
	mlog=/var/lib/dkms/iommubench/$ver/$k/x86_64/log/make.log
	if grep -q 'CONFTEST' "$mlog" 2>/dev/null; then
		echo "ok - $k: the conftest step ran ($(grep -c CONFTEST "$mlog") line in make.log)"
	else
		echo "not ok - $k: no CONFTEST in $mlog"
	fi
	signer=$(modinfo -F signer "$f" 2>/dev/null)
	if [[ -n $(modinfo -F sig_id "$f" 2>/dev/null) && $signer == "DKMS module signing key" ]]; then
		echo "ok - $k: DKMS signed it (signer '$signer', key /var/lib/dkms/mok.pub)"
	else
		echo "not ok - $k: not signed by DKMS (signer '$signer')"
	fi
	# an in-tree build for the same kernel comes first (make module)
	want=$f what="the DKMS module"
	intree=$PWD/kernels/iommubench/iommubench.ko
	if [[ -f $intree ]] && [[ $(modinfo -F vermagic "$intree" 2>/dev/null) == "$k "* ]]; then
		want=$intree what="the in-tree build for $k before the DKMS module"
	fi
	got=$(IB_UNAME_R=$k bash scripts/host.sh ko)
	if [[ $got == "$want" ]]; then
		echo "ok - $k: host.sh ko picks $what"
	else
		echo "not ok - $k: host.sh ko gave '$got', expected $want"
	fi
done

make -s --no-print-directory dkms-remove >"$tmp/remove.log" 2>&1
rc=$?
left=0
for k in "${kernels[@]}"; do modinfo -k "$k" -n iommubench >/dev/null 2>&1 && left=$((left + 1)); done
if ((rc == 0 && left == 0)) && [[ ! -e /usr/src/iommubench-$ver && -z $(dkms status -m iommubench 2>/dev/null) ]]; then
	echo "ok - make dkms-remove: gone from DKMS, /usr/src and modules.dep of ${#kernels[@]} kernel(s)"
else
	echo "not ok - make dkms-remove: rc=$rc, still installed for $left kernel(s): $(tail -n 2 "$tmp/remove.log" | tr '\n' ' ')"
fi
out=$(make -s --no-print-directory dkms-remove 2>&1)
if [[ $? == 0 && $out == "dkms-remove: iommubench/$ver is not in DKMS; nothing to remove there" ]]; then
	echo "ok - make dkms-remove again: nothing to do, exit 0"
else
	echo "not ok - make dkms-remove again: $out"
fi
