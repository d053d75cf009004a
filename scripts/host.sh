#!/usr/bin/env bash
# The running host and its kernel: the one place that decides what `make
# module`, `make deps`, `make dkms-install` and scripts/run.sh (TARGET=host)
# need from this machine, and says in one line what is missing.
#
#   host.sh kdir          the running kernel's build dir (KDIR for make module);
#                         else one line: what is missing and how to get it (exit 3)
#   host.sh headers-pkg   for make deps: prints linux-headers-<release> when it
#                         is missing and apt knows it; nothing when present; one
#                         line on stderr (exit 0) when apt does not know it
#   host.sh reason        why TARGET=host cannot run here: empty and exit 0 when
#                         it can; else one line, exit 4 (not supported here:
#                         not root, no IOMMU, module loading disabled) or 3 (a
#                         resource is missing: no module built for this kernel,
#                         or an unsigned one under lockdown / Secure Boot)
#   host.sh ko            the module file TARGET=host loads (exit 3: none)
#   host.sh load-check KO the Secure Boot / lockdown check alone, for KO
#
# What these read can be pointed elsewhere, for tests (tests/host/test_host_sh.sh
# with the recorded trees in tests/fixtures/host/):
#   IB_HOST_ROOT   prefix of /sys, /proc, /dev and /lib/modules (default: /)
#   IB_UNAME_R     the kernel release (default: uname -r)
#   IB_APT_CACHE   the apt-cache program (default: apt-cache; a missing one = no apt)
#   IB_MOKUTIL     the mokutil program (default: mokutil when installed)
#   IB_MODULE      the module to load (default: kernels/iommubench/iommubench.ko
#                  when built for this kernel, else the installed one, e.g. DKMS's)
#   IB_PROG        the name that starts kdir's line (default: module)
#   IB_HOST_CACHE  where headers-pkg remembers "apt has no such package"
#                  (default: build/host-headers; refreshed when apt's lists change)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
root=${IB_HOST_ROOT:-}
apt_cache=${IB_APT_CACHE:-apt-cache}

rel=${IB_UNAME_R:-$(uname -r)}
if [[ ! $rel =~ ^[A-Za-z0-9][A-Za-z0-9._+~-]*$ ]]; then
	echo "host: IB_UNAME_R=$rel: expected a kernel release such as 6.1.0-57-amd64 (letters, digits, . _ + ~ -)" >&2
	exit 1
fi
kdir=/lib/modules/$rel/build
hpkg=linux-headers-$rel

# The candidate version apt would install for a package; empty when apt does
# not know it (or there is no apt).
apt_candidate() { # package
	local c
	command -v "$apt_cache" >/dev/null 2>&1 || return 0
	c=$("$apt_cache" policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n1)
	[[ $c == "(none)" ]] || echo "$c"
}

# What to do when the running kernel has no build dir: one line.
headers_hint() {
	if ! command -v "$apt_cache" >/dev/null 2>&1; then
		echo "install the kernel headers for $rel from your distribution (Fedora/RHEL: kernel-devel-$rel; SUSE: kernel-default-devel) or point KDIR at its build dir: make module KDIR=/path/to/build"
	elif [[ -n $(apt_candidate "$hpkg") ]]; then
		echo "install $hpkg (make deps does, as root: apt-get install $hpkg), or make module KDIR=/path/to/build"
	else
		echo "apt has no $hpkg (not a distribution kernel, or apt-get update needed): install the headers of the kernel you booted from where it came from and make module KDIR=/path/to/build, or boot a distribution kernel; make module-lab builds for the lab kernel instead"
	fi
}

cmd_kdir() {
	if [[ -d $root$kdir ]]; then
		echo "$kdir"
		return 0
	fi
	local which="the running kernel $rel"
	[[ $rel == "$(uname -r)" ]] || which="kernel $rel"
	echo "${IB_PROG:-module}: no headers for $which ($kdir missing): $(headers_hint)" >&2
	return 3
}

# make deps: the headers package to install, if any.  An apt query costs
# most of a second, so "apt has no such package" is remembered per release
# until apt's package lists change.
cmd_headers_pkg() {
	local cache=${IB_HOST_CACHE:-$TOP/build/host-headers} lists stamp
	[[ -d $root$kdir ]] && return 0
	[[ $(dpkg-query -W -f='${Status}' "$hpkg" 2>/dev/null) == "install ok installed" ]] && return 0
	lists=$(stat -c %Y "$root/var/lib/apt/lists" 2>/dev/null || echo 0)
	stamp="$rel $lists"
	if [[ $(cat "$cache" 2>/dev/null) != "$stamp" ]]; then
		if [[ -n $(apt_candidate "$hpkg") ]]; then
			echo "$hpkg"
			return 0
		fi
		mkdir -p "$(dirname "$cache")" 2>/dev/null && echo "$stamp" >"$cache" 2>/dev/null
	fi
	echo "deps: no $hpkg in apt for the running kernel (not a distribution kernel): make module needs KDIR=<its build dir>; the lab needs none" >&2
	return 0
}

# The lockdown mode in brackets: "none [integrity] confidentiality" -> integrity.
lockdown_mode() {
	local f=$root/sys/kernel/security/lockdown
	[[ -r $f ]] || return 0
	sed -n 's/.*\[\([a-z]*\)\].*/\1/p' "$f" | head -n1
}

# Secure Boot: on, off or empty (unknown).  mokutil --sb-state when mokutil
# exists, else the SecureBoot EFI variable (4 attribute bytes, then 1 = on).
secureboot_state() {
	local mok=${IB_MOKUTIL:-mokutil} out v
	if command -v "$mok" >/dev/null 2>&1; then
		out=$("$mok" --sb-state 2>&1)
		case $out in
		*"SecureBoot enabled"*) echo on ;;
		*"SecureBoot disabled"* | *"doesn't support Secure Boot"* | *"not supported on this system"*) echo off ;;
		esac
		return 0
	fi
	v=$root/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e0e4b5c5f9a5
	[[ -r $v ]] || return 0
	case $(od -An -j4 -N1 -tu1 "$v" 2>/dev/null | tr -d ' ') in
	1) echo on ;;
	0) echo off ;;
	esac
}

# One line when this kernel will refuse KO for want of a signature; empty
# when it will not (or nothing says so).
cmd_load_check() { # ko
	local ko=$1 why=() mode sb
	mode=$(lockdown_mode)
	case $mode in integrity | confidentiality) why+=("kernel lockdown is '$mode'") ;; esac
	sb=$(secureboot_state)
	[[ $sb == on ]] && why+=("Secure Boot is on")
	[[ $(cat "$root/sys/module/module/parameters/sig_enforce" 2>/dev/null) == Y ]] && why+=("module.sig_enforce=1")
	((${#why[@]})) || return 0
	[[ -z $(modinfo -F sig_id "$ko" 2>/dev/null) ]] || return 0
	local joined=${why[0]} w
	for w in "${why[@]:1}"; do joined+=" and $w"; done
	echo "$joined, and $ko is unsigned: the kernel will refuse it; sign it with a MOK key ($kdir/scripts/sign-file sha256 MOK.priv MOK.der $ko, or kmodsign sha512 MOK.priv MOK.der $ko; a new key: openssl req -new -x509 -nodes -days 36500 -subj /CN=iommubench -newkey rsa:2048 -keyout MOK.priv -outform DER -out MOK.der), enroll it (mokutil --import MOK.der, reboot, enroll in MokManager), or use make dkms-install, which signs with DKMS's key (docs/module.md)"
	return 3
}

# vermagic's first word is the release the module was built for.
built_for() { # ko
	local v
	v=$(modinfo -F vermagic "$1" 2>/dev/null) || return 1
	[[ ${v%% *} == "$rel" ]]
}

cmd_ko() {
	local ko=${IB_MODULE:-} inst
	if [[ -n $ko ]]; then
		[[ -f $ko ]] && built_for "$ko" && { echo "$ko"; return 0; }
		return 3
	fi
	ko=$TOP/kernels/iommubench/iommubench.ko
	if [[ -f $ko ]] && built_for "$ko"; then
		echo "$ko"
		return 0
	fi
	# installed (make dkms-install), found through modules.dep
	local base=()
	[[ -z $root ]] || base=(-b "$root")
	inst=$(modinfo "${base[@]}" -k "$rel" -n iommubench 2>/dev/null) || return 3
	[[ -f $inst ]] && built_for "$inst" && { echo "$inst"; return 0; }
	return 3
}

cmd_reason() {
	local ko line
	if [[ $(id -u) -ne 0 ]]; then echo "not root"; return 4; fi
	if [[ -z $(ls "$root/sys/class/iommu" 2>/dev/null) ]]; then echo "no IOMMU (/sys/class/iommu is empty)"; return 4; fi
	[[ -e $root/dev/iommubench ]] && return 0
	if [[ $(cat "$root/proc/sys/kernel/modules_disabled" 2>/dev/null) == 1 ]] || grep -qw nomodule "$root/proc/cmdline" 2>/dev/null; then
		echo "module loading is disabled on this kernel"
		return 4
	fi
	if ! ko=$(cmd_ko); then
		echo "no iommubench.ko built for $rel (make module, or make dkms-install)"
		return 3
	fi
	line=$(cmd_load_check "$ko") || { echo "$line"; return 3; }
	return 0
}

case ${1:-} in
kdir) cmd_kdir ;;
headers-pkg) cmd_headers_pkg ;;
reason) cmd_reason ;;
ko) cmd_ko ;;
load-check)
	[[ -n ${2:-} ]] || { echo "host: load-check: expected a module file" >&2; exit 1; }
	cmd_load_check "$2"
	;;
*)
	echo "host: usage: host.sh kdir|headers-pkg|reason|ko|load-check KO" >&2
	exit 1
	;;
esac
