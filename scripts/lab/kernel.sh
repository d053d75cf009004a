#!/usr/bin/env bash
# The lab kernel: the one rule that the Makefile (module-lab), lab.py, the
# tests and deps.sh use to decide which kernel the QEMU lab boots and builds
# for, and the only code that fetches one.
#
#   kernel.sh release [K]    the release, e.g. 6.1.0-57-amd64
#   kernel.sh dir [K]        where its unpacked tree is (or will be):
#                            build/lab/kernels/<release>
#   kernel.sh fetch [K..]    apt-get download the image, headers, headers-common
#                            and kbuild packages and unpack them (dpkg-deb -x)
#                            into that directory; nothing is installed, nothing
#                            under /boot, /lib/modules or /usr/src changes, no
#                            maintainer script or boot-loader hook runs
#   kernel.sh check          the release, after checking that its unpacked tree
#                            is complete; records the default in $BUILD/lab-kernel
#   kernel.sh tree-packages [K]  the packages fetch downloads for it
#   kernel.sh packages [K..] the Debian packages the unpacked trees need on
#                            this machine to build modules (the compiler and
#                            tools the headers packages depend on), for make deps
#
# LAB_KERNEL (or K) is one of:
#   (unset)      the release Debian's linux-headers-amd64 metapackage depends
#                on (apt's candidate): on bookworm the 6.1 ABI (6.1.0-57-amd64);
#   a series     e.g. 6.12: the release linux-headers-6.12-amd64 depends on;
#   a release    e.g. 6.12.118+deb12-amd64, exactly that.
# What is installed on this machine never changes the choice.
# The tree holds boot/vmlinuz-<release>, lib/modules/<release> (with the
# modules.dep that depmod -b made) and usr/src/linux-headers-<release>, whose
# Makefile includes ../linux-headers-<...>-common/Makefile (relative, so the
# tree can move), and usr/lib/linux-kbuild-<...>.  docs/lab.md, "Lab kernels".
# Exit codes: 1 bad LAB_KERNEL, 3 not fetched / not resolvable / fetch failed.
set -uo pipefail

PROG="lab kernel"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${IOMMUBENCH_BUILD:-$TOP/build}
CACHE=$BUILD/lab/kernels
want=${LAB_KERNEL:-}

die() { # code msg
	echo "$PROG: $2" >&2
	exit "$1"
}

# Releases whose trees are complete in the cache.
fetched() {
	local d out=()
	for d in "$CACHE"/*/.complete; do
		[[ -f $d ]] && out+=("$(basename "$(dirname "$d")")")
	done
	echo "${out[*]:-none}"
}

# A field of apt's candidate version of a package (empty when apt does not
# know it).
apt_field() { # package field
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p" | head -n1
}

# The package names a Depends field lists: the first of each alternative,
# without version constraints.
dep_names() { # Depends text
	tr ',' '\n' <<<"$1" | sed 's/|.*//; s/(.*)//; s/^ *//; s/ *$//; s/:any$//' | awk NF
}

valid() { # LAB_KERNEL value
	[[ -z $1 || $1 =~ ^[0-9]+\.[0-9]+$ || $1 =~ ^[0-9]+\.[0-9]+[A-Za-z0-9.+_~-]*$ ]]
}

resolve() { # LAB_KERNEL value -> release
	local k=$1 meta r
	if [[ -z $k ]]; then
		meta=linux-headers-amd64
	elif [[ $k =~ ^[0-9]+\.[0-9]+$ ]]; then
		meta=linux-headers-$k-amd64
	elif valid "$k"; then
		echo "$k"
		return
	else
		die 1 "LAB_KERNEL=$k: expected a release such as 6.1.0-57-amd64, a series such as 6.12, or unset (fetched: $(fetched))"
	fi
	r=$(dep_names "$(apt_field "$meta" Depends)" | grep '^linux-headers-' | grep -v -- '-common$' | head -n1)
	r=${r#linux-headers-}
	[[ -n $r ]] || die 3 "LAB_KERNEL=${k:-(default)}: apt does not know $meta (run apt-get update, or make deps; fetched: $(fetched))"
	echo "$r"
}

# The packages that make up release r's tree: image (the -unsigned one where
# Debian has it: the same kernel without the Secure Boot signature, which a
# QEMU boot does not need), headers, and what the headers depend on from the
# same source (headers-common, kbuild).
tree_pkgs() { # release
	local r=$1 d
	if [[ -n $(apt_field "linux-image-$r-unsigned" Version) ]]; then
		echo "linux-image-$r-unsigned"
	elif [[ -n $(apt_field "linux-image-$r" Version) ]]; then
		echo "linux-image-$r"
	else
		die 3 "apt knows no linux-image-$r (run apt-get update; an old ABI leaves the archive when Debian updates the kernel: LAB_KERNEL unset follows linux-headers-amd64)"
	fi
	[[ -n $(apt_field "linux-headers-$r" Version) ]] || die 3 "apt knows no linux-headers-$r"
	echo "linux-headers-$r"
	for d in $(dep_names "$(apt_field "linux-headers-$r" Depends)"); do
		[[ $d == linux-headers-* || $d == linux-kbuild-* ]] && echo "$d"
	done
	return 0
}

# What the trees need from this machine: the headers' and kbuild's
# dependencies that are not part of the tree (gcc-12, pahole, ...).
host_pkgs() { # release
	local p pk
	pk=$(tree_pkgs "$1") || exit $?
	for p in $pk; do
		[[ $p == linux-image-* ]] && continue
		dep_names "$(apt_field "$p" Depends)"
	done | grep -v -E '^(linux-headers-|linux-kbuild-|linux-image-|linux-base$)'
	echo kmod # depmod -b, modprobe -d
}

fetch_one() { # release
	local r=$1 dir=$CACHE/$1 tmp p pkgs f l t
	[[ -f $dir/.complete ]] && return 0
	mkdir -p "$CACHE" || die 3 "cannot create $CACHE"
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		die 3 "fetching $r needs apt-get and dpkg-deb (Debian); no lab kernel without them"
	command -v depmod >/dev/null || die 3 "fetching $r needs depmod (apt-get install kmod)"
	exec 9>"$CACHE/.lock-$r" && flock 9
	[[ -f $dir/.complete ]] && return 0
	pkgs=$(tree_pkgs "$r") || exit $?
	tmp=$(mktemp -d "$CACHE/.fetch-XXXXXX") || die 3 "cannot create a directory under $CACHE"
	# the .debs go to a directory of their own under /tmp: apt, as root,
	# downloads as its _apt user, who cannot reach a checkout under /root
	debs=$(mktemp -d "${TMPDIR:-/tmp}/ib-kernel-debs-XXXXXX") || die 3 "cannot create a temporary directory"
	trap 'rm -rf "$tmp" "$debs"' EXIT
	mkdir "$tmp/root"
	id _apt >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && chmod 755 "$debs" && chown _apt "$debs"
	echo "$PROG: fetching $r: $(echo $pkgs) (apt-get download; unpacked into $(realpath --relative-to="$TOP" "$dir" 2>/dev/null || echo "$dir"), not installed)"
	# shellcheck disable=SC2086 # package names: [a-z0-9.+-], from apt
	if ! (cd "$debs" && apt-get download -q $pkgs); then
		# stale package lists name versions the archive no longer has
		[[ $(id -u) == 0 ]] && apt-get update -q >/dev/null 2>&1 && (cd "$debs" && apt-get download -q $pkgs) ||
			die 3 "apt-get download $(echo $pkgs) failed"
	fi
	for f in "$debs"/*.deb; do
		dpkg-deb -x "$f" "$tmp/root" || die 3 "dpkg-deb -x $(basename "$f") failed"
	done
	# The -amd64 headers' Makefile includes the -common one by its absolute
	# /usr/src path: make it relative to the headers directory (make -C runs
	# there), so the tree works wherever it is.
	f=$tmp/root/usr/src/linux-headers-$r/Makefile
	[[ -f $f ]] || die 3 "linux-headers-$r has no Makefile"
	sed -i 's#^include /usr/src/#include ../#' "$f"
	# Absolute symlinks (6.12's lib/modules/<r>/build and source) point into
	# the host's root: make them relative, inside the tree.
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$tmp/root$t")" "$l"
	done < <(find "$tmp/root" -type l -lname '/*' -print0)
	[[ -f $tmp/root/boot/vmlinuz-$r && -d $tmp/root/lib/modules/$r ]] || die 3 "the image package of $r has no boot/vmlinuz-$r or lib/modules/$r"
	depmod -b "$tmp/root" "$r" || die 3 "depmod -b for $r failed"
	(cd "$debs" && ls) >"$tmp/root/.packages"
	rm -rf "$dir"
	mv "$tmp/root" "$dir" || die 3 "cannot move the tree to $dir"
	touch "$dir/.complete"
	rm -rf "$tmp" "$debs"
	trap - EXIT
	echo "$PROG: $r ready ($(du -sm "$dir" | cut -f1) MB)"
}

case ${1:-release} in
release)
	resolve "${2-$want}"
	;;
dir)
	r=$(resolve "${2-$want}") || exit $?
	echo "$CACHE/$r"
	;;
fetch)
	shift
	(($#)) || set -- "$want"
	for k in "$@"; do
		r=$(resolve "$k") || exit $?
		(fetch_one "$r") || exit $?
	done
	;;
check)
	r=$(resolve "$want") || exit $?
	d=$CACHE/$r
	[[ -f $d/.complete ]] || die 3 "LAB_KERNEL=${want:-(default: $r)}: not fetched (fetched: $(fetched)); run make deps${want:+ LAB_KERNEL=$want} (it fetches the lab kernel into build/lab/kernels, installing nothing)"
	for f in "$d/usr/src/linux-headers-$r/Makefile" "$d/boot/vmlinuz-$r" "$d/lib/modules/$r/modules.dep"; do
		[[ -f $f ]] || die 3 "LAB_KERNEL=${want:-(default: $r)}: $f missing; remove $d and run make deps again"
	done
	mkdir -p "$BUILD"
	old=$(cat "$BUILD/lab-kernel" 2>/dev/null)
	if [[ -z $want && -n $old && $old != "$r" ]]; then
		echo "$PROG: default changed: $old -> $r (linux-headers-amd64 now points there; LAB_KERNEL=$old keeps the old one while it is fetched)" >&2
	fi
	[[ -n $want ]] || echo "$r" >"$BUILD/lab-kernel"
	echo "$r"
	;;
tree-packages)
	r=$(resolve "${2-$want}") || exit $?
	tree_pkgs "$r"
	;;
packages)
	shift
	(($#)) || set -- "$want"
	for k in "$@"; do
		r=$(resolve "$k") || exit $?
		host_pkgs "$r" || exit $?
	done | awk 'NF && !seen[$0]++'
	;;
*)
	die 1 "usage: kernel.sh release|dir|fetch|check|packages [LAB_KERNEL...]"
	;;
esac
