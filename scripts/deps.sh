#!/usr/bin/env bash
# Installs the Debian packages iommubench needs (make deps).  Idempotent:
# installs only what is missing.  Not root / no apt: prints the exact command
# and exits 3 (resource missing).  Also the running kernel's headers
# (linux-headers-$(uname -r), for make module) when apt has them: optional,
# so without root their absence is one line, not a failure; a kernel apt does
# not know (not a distribution kernel) is one line too (scripts/host.sh).
# IB_DEPS_DRY_RUN=1: print what would be installed, install nothing.
#   deps.sh         everything make build/test/run need; the lab kernel's
#                   packages for LAB_KERNEL and each of LAB_EXTRA_KERNELS
#   deps.sh peer    only the optional peer-check source: linux-source-<series>
#                   of the lab kernel (the kernel's dma_map_benchmark,
#                   docs/peer-check.md); make peer-check calls it
set -euo pipefail
component=${1:-}
case $component in "" | peer) ;; *)
	echo "deps: $component: unknown component; expected peer (or none)" >&2
	exit 1
	;;
esac

PKGS=(
	build-essential pkg-config file
	libhwloc-dev hwloc libnuma-dev numactl
	libpapi-dev papi-tools
	libjansson-dev libinih-dev libcmocka-dev liburing-dev
	gnuplot-nox openmpi-bin libopenmpi-dev
	qemu-system-x86 busybox-static cpio kmod xz-utils pciutils python3
	dwarves
	chromium
	dkms
)
# The lab kernel's image and headers (LAB_KERNEL, default: the 6.1 ABI
# linux-headers-amd64 points to); scripts/lab/kernel.sh names the packages.
# dwarves: pahole, which Kbuild runs when the headers ship vmlinux (6.12).
# dkms: make dkms-install, and tests/host/test_dkms.sh.
kernel_pkgs() {
	if [[ $component == peer ]]; then
		# the series of the lab kernel: 6.1.0-57-amd64 -> linux-source-6.1
		local kv
		kv=$(bash "$(dirname "$0")/lab/kernel.sh" release) || return
		[[ $kv =~ ^([0-9]+\.[0-9]+) ]] || { echo "deps: lab kernel $kv: cannot tell its series" >&2; return 1; }
		echo "linux-source-${BASH_REMATCH[1]}"
		return
	fi
	bash "$(dirname "$0")/lab/kernel.sh" packages
}
[[ $component == peer ]] && PKGS=()
rc=0
kpkgs=$(kernel_pkgs 2>/dev/null) || rc=$?
if ((rc == 3)) && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
	# a fresh machine: apt has no package lists to resolve the kernel from yet
	apt-get update -q >/dev/null 2>&1
	rc=0
fi
if ((rc != 0)) || [[ -z $kpkgs ]]; then
	rc=0
	kpkgs=$(kernel_pkgs) || rc=$?
	((rc == 0)) || exit "$rc"
fi
# LAB_EXTRA_KERNELS (make test: 6.12): further lab kernels.  One apt cannot
# resolve leaves its lab tests skipped (one line here), not make deps failed.
if [[ $component != peer ]]; then
	for k in ${LAB_EXTRA_KERNELS:-}; do
		rc=0
		x=$(LAB_KERNEL=$k bash "$(dirname "$0")/lab/kernel.sh" packages 2>&1) || rc=$?
		if ((rc == 0)); then
			kpkgs+=$'\n'$x
		elif ((rc == 1)); then
			echo "deps: LAB_EXTRA_KERNELS: ${x#lab kernel: }" >&2
			exit 1
		else
			echo "deps: LAB_EXTRA_KERNELS=$k: not installable here, its lab tests will be skipped: ${x#lab kernel: }" >&2
		fi
	done
fi
mapfile -t -O ${#PKGS[@]} PKGS < <(awk 'NF && !seen[$0]++' <<<"$kpkgs")

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
# the running kernel's headers: a package name only when missing and in apt
hdr=
[[ $component == peer ]] || hdr=$(bash "$(dirname "$0")/host.sh" headers-pkg)

if ((${#missing[@]} == 0)) && [[ -z $hdr ]]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
[[ -n $hdr ]] && missing+=("$hdr")
if [[ -n ${IB_DEPS_DRY_RUN:-} ]]; then
	echo "deps: would install: ${missing[*]}"
	exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
	if [[ ${missing[*]} == "$hdr" ]]; then
		echo "deps: all ${#PKGS[@]} packages present; $hdr (make module on this host) is not: as root, apt-get install $hdr"
		exit 0
	fi
	echo "deps: missing ${missing[*]}; run as root: $cmd" >&2
	exit 3
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "deps: apt-get failed installing: ${missing[*]}" >&2
	exit 3
fi
echo "deps: installed ${#missing[@]} packages"
