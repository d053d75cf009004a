#!/usr/bin/env bash
# make deps: installs the Debian packages a target needs, and only those.
# Idempotent: installs only what is missing.  Never installs a kernel image
# and never touches /boot: the lab kernels are fetched with apt-get download
# and unpacked into build/lab/kernels/<release>/ (scripts/lab/kernel.sh).
#
#   deps.sh host     measuring this machine (make run TARGET=host): compiler,
#                    hwloc, libnuma, PAPI, jansson, liburing, libzstd, gnuplot, and the
#                    running kernel's headers plus DKMS where apt has them
#   deps.sh lab      the QEMU lab on top of host: QEMU, busybox, cpio, what
#                    the lab kernels' headers need (gcc-12, pahole), and the
#                    lab kernel(s) fetched: LAB_KERNEL, plus LAB_EXTRA_KERNELS
#   deps.sh test     make test on top of lab: Chromium, cmocka, Open MPI,
#                    iproute2, openssl, zstd, dkms, mmdebstrap, linux-source
#   deps.sh all      the same as test (make deps)
#   deps.sh peer     only linux-source-<series> of the lab kernel (make peer-check)
#   deps.sh list SET the packages SET asks for, one a line (tests)
#   deps.sh resolve-check [SET]
#                    the package set a fresh machine gets resolves: apt-get -s
#                    against an empty dpkg status, and apt can download every
#                    lab kernel package; installs nothing (make test runs it)
#
# Not root, or no apt: one line with the exact command, exit 3.
# IB_DEPS_DRY_RUN=1: print what would be installed, install nothing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PROG=deps
set_name=${1:-all}
die() { # code msg
	echo "$PROG: $2" >&2
	exit "$1"
}

HOST_PKGS=(
	build-essential pkg-config file python3 kmod pciutils
	libhwloc-dev hwloc libnuma-dev numactl
	libpapi-dev papi-tools
	libjansson-dev liburing-dev libzstd-dev
	gnuplot-nox
)
LAB_PKGS=(qemu-system-x86 busybox-static cpio xz-utils zstd)
TEST_PKGS=(
	chromium libcmocka-dev openmpi-bin libopenmpi-dev
	iproute2 openssl zstd e2fsprogs dkms mmdebstrap
	python3-pandas man-db
)

lab_kernels() { # the LAB_KERNEL values a set needs
	printf '%s\n' "${LAB_KERNEL:-}"
	[[ $1 == lab ]] && return 0
	local k
	for k in ${LAB_EXTRA_KERNELS:-}; do printf '%s\n' "$k"; done
}

# kernel.sh VERB for each lab kernel of a set.  The first (LAB_KERNEL) must
# work; an extra one (LAB_EXTRA_KERNELS) apt cannot provide leaves its lab
# tests skipped (one line here), not make deps failed.
each_lab_kernel() { # set verb
	local k i=0
	while IFS= read -r k; do
		if ! LAB_KERNEL=$k bash "$HERE/lab/kernel.sh" "$2"; then
			((i == 0)) && return 3
			echo "$PROG: LAB_EXTRA_KERNELS=$k: not available here ($2), its lab tests will be skipped" >&2
		fi
		i=$((i + 1))
	done < <(lab_kernels "$1")
}

# linux-source-<series> of the lab kernel: its dma_map_benchmark (peer-check)
peer_pkg() {
	local kv
	kv=$(bash "$HERE/lab/kernel.sh" release) || return
	[[ $kv =~ ^([0-9]+\.[0-9]+) ]] || die 3 "lab kernel $kv: cannot tell its series"
	echo "linux-source-${BASH_REMATCH[1]}"
}

# The packages a set asks for (what apt resolves on top), one a line.
set_pkgs() { # set
	local s=$1 k
	case $s in
	host) printf '%s\n' "${HOST_PKGS[@]}" ;;
	lab | test)
		set_pkgs host
		printf '%s\n' "${LAB_PKGS[@]}"
		each_lab_kernel "$s" packages || return
		if [[ $s == test ]]; then
			printf '%s\n' "${TEST_PKGS[@]}"
			peer_pkg || return
		fi
		;;
	peer) peer_pkg ;;
	esac
}

case $set_name in
host | lab | test | peer) ;;
all) set_name=test ;;
list)
	[[ ${2:-} =~ ^(host|lab|test|all|peer)$ ]] || die 1 "list: expected host, lab, test, all or peer"
	s=${2/all/test}
	set_pkgs "$s" | awk 'NF && !seen[$0]++'
	exit
	;;
resolve-check)
	s=${2:-test}
	[[ $s =~ ^(host|lab|test|all)$ ]] || die 1 "resolve-check: expected host, lab, test or all"
	s=${s/all/test}
	mapfile -t want < <(set_pkgs "$s" | awk 'NF && !seen[$0]++')
	# IB_DEPS_ADD: more packages, for the test that shows a conflict fails here
	read -r -a add <<<"${IB_DEPS_ADD:-}"
	want+=("${add[@]}")
	# the host set's DKMS and headers for a distribution kernel, as on a fresh
	# Debian 12 host: the metapackage's headers stand in for uname -r's
	[[ $s == host ]] || want+=(dkms)
	out=$(apt-get -s -q -o Dir::State::status=/dev/null install --no-install-recommends "${want[@]}" 2>&1) ||
		die 2 "the $s set does not resolve on a fresh system: $(grep -m3 -E '^ |^E:' <<<"$out" | tr '\n' ' ')"
	n=$(grep -c '^Inst ' <<<"$out" || true)
	nk=0
	if [[ $s != host ]]; then
		while IFS= read -r k; do
			r=$(LAB_KERNEL=$k bash "$HERE/lab/kernel.sh" release) || exit 2
			# shellcheck disable=SC2046
			apt-get download --print-uris -q $(LAB_KERNEL=$k bash "$HERE/lab/kernel.sh" tree-packages) >/dev/null 2>&1 ||
				die 2 "the lab kernel $r cannot be downloaded: apt-get download --print-uris failed"
			nk=$((nk + 1))
		done < <(lab_kernels "$s")
	fi
	echo "$PROG: the $s set resolves on an empty dpkg status: ${#want[@]} packages asked, $n to install; $nk lab kernel(s) downloadable"
	exit 0
	;;
*) die 1 "$set_name: unknown set; expected host, lab, test, all, peer, list or resolve-check" ;;
esac

need_apt_update() { [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n1) ]]; }
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
	die 3 "no apt here (iommubench installs with Debian's apt): install a C compiler, make, pkg-config, hwloc, libnuma, PAPI, jansson, liburing and gnuplot development packages (and QEMU for the lab), then make build"
fi
is_root() { [[ $(id -u) -eq 0 ]]; }
# a fresh machine has no package lists to resolve names from yet
if need_apt_update && is_root; then
	echo "$PROG: apt-get update (no package lists yet)"
	apt-get update -q
fi

mapfile -t PKGS < <(set_pkgs "$set_name" | awk 'NF && !seen[$0]++')
((${#PKGS[@]})) || die 3 "cannot tell the packages of the $set_name set (apt-get update?)"
# the running kernel's headers (make module; DKMS builds against them): the
# package name when missing and apt has it; dkms only where headers can be had
hdr=
if [[ $set_name != peer ]]; then
	hdr=$(bash "$HERE/host.sh" headers-pkg)
	if [[ -n $hdr || -d /lib/modules/$(uname -r)/build ]]; then
		PKGS+=(dkms)
	fi
fi

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
[[ -n $hdr ]] && missing+=("$hdr")

fetch_kernels() {
	[[ $set_name == lab || $set_name == test ]] || return 0
	each_lab_kernel "$set_name" fetch
}

if ((${#missing[@]} == 0)); then
	echo "$PROG: $set_name set: all ${#PKGS[@]} packages present"
	[[ -n ${IB_DEPS_DRY_RUN:-} ]] || fetch_kernels
	exit
fi

what="${missing[*]}"
if [[ -n ${IB_DEPS_DRY_RUN:-} ]]; then
	echo "$PROG: would install: $what"
	exit 0
fi
# What apt will add (the missing packages and their dependencies) and its
# size, from a simulation, before it starts.
sim=$(apt-get -s -q install --no-install-recommends "${missing[@]}" 2>&1) || {
	grep -E '^ |^E:' <<<"$sim" | head -n5 >&2
	die 3 "apt cannot install the $set_name set: ${missing[*]}"
}
mapfile -t new < <(sed -n 's/^Inst \([^ ]*\) .*/\1/p' <<<"$sim")
size=$( ((${#new[@]})) && apt-cache show --no-all-versions "${new[@]}" 2>/dev/null |
	awk '/^Size:/ {d += $2} /^Installed-Size:/ {i += $2} END {printf "%.0f MB download, %.0f MB on disk", d / 1e6, i / 1e3}')

cmd="apt-get update && apt-get install -y --no-install-recommends $what"
if ! is_root; then
	if [[ ${missing[*]} == "$hdr" ]]; then
		echo "$PROG: $set_name set: all ${#PKGS[@]} packages present; $hdr (make module on this host) is not: as root, apt-get install $hdr"
		fetch_kernels
		exit 0
	fi
	die 3 "missing ${missing[*]}; run as root: $cmd"
fi

echo "$PROG: $set_name set: installing ${#missing[@]} packages ($what), ${#new[@]} with dependencies: ${size:-size unknown}"
export DEBIAN_FRONTEND=noninteractive
if ! need_apt_update; then apt-get update -q || die 3 "apt-get update failed"; fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	die 3 "apt-get failed installing: $what (try: $cmd)"
fi
echo "$PROG: installed ${#missing[@]} packages"
fetch_kernels
