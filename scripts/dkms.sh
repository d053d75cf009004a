#!/usr/bin/env bash
# DKMS packaging of the module (make dkms-install / make dkms-remove).
#
#   dkms.sh stage DIR SRC...   write the self-contained DKMS source tree into DIR:
#                              the module sources SRC (from the Makefile's list),
#                              the uapi headers in include/uapi/ (iommubench.h, iommubench_edu.h) and
#                              kernels/iommubench/dkms.conf with the VERSION
#   dkms.sh install SRC...     as root: stage into /usr/src/iommubench-<VERSION>,
#                              then dkms add, build and install for each release
#                              in DKMS_KERNEL (default: the running kernel)
#   dkms.sh remove             as root: dkms remove --all, and the source tree
#
# DKMS rebuilds the module for each kernel installed later (AUTOINSTALL=yes)
# and, on Debian and Ubuntu, signs it with its MOK key (docs/module.md).
# Exit codes: 1 bad input, 2 the build failed, 3 something is missing
# (root, dkms, the kernel's headers).
set -uo pipefail

PROG=dkms
TOP=$(cd "$(dirname "$0")/.." && pwd)
NAME=iommubench

die() { # code msg
	echo "$PROG: $2" >&2
	exit "$1"
}

version() {
	local v
	v=$(cat "$TOP/VERSION" 2>/dev/null)
	[[ $v =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die 1 "VERSION=$v: expected a version such as 0.1.0 (digits, letters, . + ~)"
	echo "$v"
}

cmd_stage() { # dir src...
	local dir=$1 ver f
	shift
	ver=$(version) || exit $?
	(($#)) || die 1 "stage: no module sources given"
	mkdir -p "$dir/include/uapi" || die 3 "stage: cannot create $dir"
	for f in "$@"; do
		[[ $f =~ ^kernels/iommubench/[A-Za-z0-9_][A-Za-z0-9_.-]*$ && -f $TOP/$f ]] || die 1 "stage: $f: expected a file under kernels/iommubench/"
		cp -p "$TOP/$f" "$dir/" || die 3 "stage: cannot copy $f to $dir"
	done
	if ! { cp -p "$TOP"/kernels/include/uapi/*.h "$dir/include/uapi/" &&
		sed "s/^PACKAGE_VERSION=\"@VERSION@\"/PACKAGE_VERSION=\"$ver\"/" "$TOP/kernels/iommubench/dkms.conf" >"$dir/dkms.conf"; }; then
		die 3 "stage: cannot write $dir"
	fi
}

need_root_dkms() {
	[[ $(id -u) -eq 0 ]] || die 3 "needs root (it writes /usr/src, /var/lib/dkms and /lib/modules): sudo make dkms-$1"
	command -v dkms >/dev/null || die 3 "dkms is not installed: apt-get install dkms (make deps installs it)"
}

# dkms runs make itself: the caller's make flags (-s, a jobserver) stay out
dkms() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dkms "$@"
}

added() { # version
	[[ -n $(dkms status -m "$NAME" -v "$1" 2>/dev/null) ]]
}

cmd_install() { # src...
	local ver src k kernels=() log
	PROG=dkms-install
	need_root_dkms install
	ver=$(version) || exit $?
	read -r -a kernels <<<"${DKMS_KERNEL:-$(uname -r)}"
	for k in "${kernels[@]}"; do
		[[ $k =~ ^[A-Za-z0-9][A-Za-z0-9._+~-]*$ ]] ||
			die 1 "DKMS_KERNEL=$k: expected kernel releases such as 6.1.0-57-amd64, space-separated (default: the running kernel)"
		IB_UNAME_R=$k IB_PROG=$PROG bash "$TOP/scripts/host.sh" kdir >/dev/null || exit 3
	done
	src=/usr/src/$NAME-$ver
	# a fresh source tree each time: the same version may hold other sources
	if added "$ver"; then
		dkms remove -m "$NAME" -v "$ver" --all >/dev/null || die 2 "dkms remove $NAME/$ver failed (before reinstalling)"
	fi
	rm -rf "$src"
	cmd_stage "$src" "$@"
	dkms add -m "$NAME" -v "$ver" || die 2 "dkms add $NAME/$ver failed ($src)"
	for k in "${kernels[@]}"; do
		log=/var/lib/dkms/$NAME/$ver/build/make.log
		dkms build -m "$NAME" -v "$ver" -k "$k" || die 2 "dkms build for $k failed; see $log"
		dkms install -m "$NAME" -v "$ver" -k "$k" || die 2 "dkms install for $k failed"
		echo "$PROG: $NAME $ver installed for $k: $(modinfo -k "$k" -n "$NAME" 2>/dev/null)"
	done
}

cmd_remove() {
	local ver
	PROG=dkms-remove
	need_root_dkms remove
	ver=$(version) || exit $?
	if added "$ver"; then
		dkms remove -m "$NAME" -v "$ver" --all || die 2 "dkms remove $NAME/$ver failed"
	else
		echo "$PROG: $NAME/$ver is not in DKMS; nothing to remove there"
	fi
	# only a tree we staged (its dkms.conf names us)
	if grep -qs "^PACKAGE_NAME=\"$NAME\"" "/usr/src/$NAME-$ver/dkms.conf"; then
		rm -rf "/usr/src/$NAME-$ver"
		echo "$PROG: removed /usr/src/$NAME-$ver"
	fi
}

case ${1:-} in
stage)
	[[ -n ${2:-} ]] || die 1 "usage: dkms.sh stage DIR SRC..."
	shift
	cmd_stage "$@"
	;;
install)
	shift
	cmd_install "$@"
	;;
remove) cmd_remove ;;
*) die 1 "usage: dkms.sh stage DIR SRC... | install SRC... | remove" ;;
esac
