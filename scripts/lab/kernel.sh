#!/usr/bin/env bash
# The lab kernel: the one rule that the Makefile (module-lab), lab.py and
# deps.sh use to decide which kernel the QEMU lab boots and builds for.
#
#   kernel.sh release        the release, e.g. 6.1.0-57-amd64
#   kernel.sh check          the same, after checking that its headers, image
#                            and modules are installed; records it in
#                            $BUILD/lab-kernel
#   kernel.sh packages [K..] the Debian packages that LAB_KERNEL (or each K)
#                            needs, for make deps
#
# LAB_KERNEL is one of:
#   (unset)      the release Debian's linux-headers-amd64 metapackage depends
#                on: on bookworm the 6.1 ABI (e.g. 6.1.0-57-amd64);
#   a series     e.g. 6.12: the release linux-headers-6.12-amd64 depends on;
#   a release    e.g. 6.12.117+deb12-amd64, exactly that.
# A metapackage is read from dpkg when installed (so only an explicit
# `apt-get upgrade` of it moves the lab, and check says so), else from
# apt-cache.  Installing another kernel package never changes the choice.
# Exit codes: 1 bad LAB_KERNEL, 3 not installed / not resolvable.
set -uo pipefail

PROG="lab kernel"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${IOMMUBENCH_BUILD:-$TOP/build}
want=${LAB_KERNEL:-}

die() { # code msg
	echo "$PROG: $2" >&2
	exit "$1"
}

# Releases with headers, image and modules all installed.
installed() {
	local d r out=()
	for d in /usr/src/linux-headers-*; do
		r=${d#/usr/src/linux-headers-}
		[[ -f $d/Makefile && -f /boot/vmlinuz-$r && -f /lib/modules/$r/modules.dep ]] && out+=("$r")
	done
	echo "${out[*]:-none}"
}

# The linux-headers-<release> a metapackage depends on.
from_meta() { # metapackage
	local deps
	deps=$(dpkg-query -W -f='${Status}|${Depends}' "$1" 2>/dev/null)
	if [[ $deps == "install ok installed|"* ]]; then
		deps=${deps#*|}
	else
		deps=$(apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: //p')
	fi
	grep -o 'linux-headers-[^ ,|()]*' <<<"$deps" | grep -v -- '-common$' | head -n1 |
		sed 's/^linux-headers-//'
}

resolve() { # LAB_KERNEL value -> release
	local k=$1 meta r
	if [[ -z $k ]]; then
		meta=linux-headers-amd64
	elif [[ $k =~ ^[0-9]+\.[0-9]+$ ]]; then
		meta=linux-headers-$k-amd64
	elif [[ $k =~ ^[0-9]+\.[0-9]+[A-Za-z0-9.+_~-]*$ ]]; then
		echo "$k"
		return
	else
		die 1 "LAB_KERNEL=$k: expected a release such as 6.1.0-57-amd64, a series such as 6.12, or unset (installed: $(installed))"
	fi
	r=$(from_meta "$meta")
	[[ -n $r ]] || die 3 "LAB_KERNEL=${k:-(default)}: $meta is neither installed nor known to apt (installed: $(installed)); run make deps, or set LAB_KERNEL to one of those"
	echo "$r"
}

case ${1:-release} in
release)
	resolve "$want"
	;;
check)
	r=$(resolve "$want") || exit $?
	for f in "/usr/src/linux-headers-$r/Makefile" "/boot/vmlinuz-$r" "/lib/modules/$r/modules.dep"; do
		[[ -f $f ]] || die 3 "LAB_KERNEL=${want:-(default: $r)}: $f missing (installed with headers and image: $(installed)); run make deps LAB_KERNEL=${want}"
	done
	mkdir -p "$BUILD"
	old=$(cat "$BUILD/lab-kernel" 2>/dev/null)
	if [[ -z $want && -n $old && $old != "$r" ]]; then
		echo "$PROG: default changed: $old -> $r (linux-headers-amd64 now points there; LAB_KERNEL=$old keeps the old one)" >&2
	fi
	[[ -n $want ]] || echo "$r" >"$BUILD/lab-kernel"
	echo "$r"
	;;
packages)
	shift
	(($#)) || set -- "$want"
	for k in "$@"; do
		r=$(resolve "$k") || exit $?
		if [[ -z $k ]]; then
			echo linux-image-amd64 linux-headers-amd64
		elif [[ $k =~ ^[0-9]+\.[0-9]+$ ]]; then
			echo "linux-headers-$k-amd64"
		fi
		echo "linux-headers-$r"
		# Debian's 6.12 for bookworm: the -unsigned image (docs/lab.md); its
		# signed twin satisfies the headers' dependency as well.
		if dpkg-query -W -f='${Status}' "linux-image-$r" 2>/dev/null | grep -q 'ok installed'; then
			echo "linux-image-$r"
		elif apt-cache show "linux-image-$r-unsigned" >/dev/null 2>&1; then
			echo "linux-image-$r-unsigned"
		else
			echo "linux-image-$r"
		fi
	done | tr ' ' '\n' | awk 'NF && !seen[$0]++'
	;;
*)
	die 1 "usage: kernel.sh release|check|packages [LAB_KERNEL...]"
	;;
esac
