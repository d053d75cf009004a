#!/usr/bin/env bash
# Host test: scripts/host.sh, the one place that decides what this machine's
# kernel needs, against the trees and outputs in tests/fixtures/host/ (a fake
# `uname -r`, apt-cache and mokutil; fake modules made here with objcopy and
# signed with the kernel's sign-file): `make module`'s KDIR and its one line
# when the headers are missing, `make deps`'s headers decision (dry run), the
# lockdown / Secure Boot check before loading, host_reason's order and exit
# codes, and scripts/run.sh TARGET=host failing with that one line.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
fx=$PWD/tests/fixtures/host
tmp=$(mktemp -d /tmp/ib-hostsh-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
R=6.1.0-99-amd64 # a release nothing here has installed
export IB_UNAME_R=$R IB_MOKUTIL=$tmp/no-mokutil IB_HOST_CACHE=$tmp/host-headers

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; }
check() { # label detail: ok when the command before it succeeded
	if (($? == 0)); then ok "$1"; else nok "$1: $2"; fi
}
lines() { if [[ -z $1 ]]; then echo 0; else wc -l <<<"$1"; fi; }

# fake apt-cache: logs each call, prints the recorded policy named by $FAKE_APT
mkdir -p "$tmp/bin"
cat >"$tmp/bin/apt-cache" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/apt-calls"
case \${FAKE_APT:-} in
known) cat "$fx/apt/policy-known.txt" ;;
virtual) cat "$fx/apt/policy-virtual.txt" ;;
esac
EOF
for m in enabled disabled unsupported no-efi; do
	printf '#!/bin/sh\n[ "$1" = --sb-state ] || exit 2\ncat "%s"\n' "$fx/mokutil/$m.txt" >"$tmp/bin/mokutil-$m"
done
chmod +x "$tmp/bin"/*
export IB_APT_CACHE=$tmp/bin/apt-cache
calls() { if [[ -f $tmp/apt-calls ]]; then wc -l <"$tmp/apt-calls"; else echo 0; fi; }

# --- make module: KDIR -------------------------------------------------------
mkdir -p "$tmp/root/lib/modules/$R/build"
out=$(IB_HOST_ROOT=$tmp/root bash scripts/host.sh kdir 2>&1); rc=$?
[[ $rc == 0 && $out == "/lib/modules/$R/build" ]]
check "kdir: the running kernel's build dir" "rc=$rc out=$out"

out=$(FAKE_APT=known bash scripts/host.sh kdir 2>&1); rc=$?
[[ $rc == 3 && $(lines "$out") == 1 && $out == "module: no headers for kernel $R (/lib/modules/$R/build missing): install linux-headers-$R (make deps does, as root: apt-get install linux-headers-$R), or make module KDIR=/path/to/build" ]]
check "kdir, no headers, apt has them: exit 3, one line naming linux-headers-$R" "rc=$rc out=$out"
for a in none virtual; do
	out=$(FAKE_APT=$a bash scripts/host.sh kdir 2>&1); rc=$?
	[[ $rc == 3 && $(lines "$out") == 1 && $out == *"apt has no linux-headers-$R (not a distribution kernel"*"make module KDIR=/path/to/build"* ]]
	check "kdir, no headers, apt policy ${a/none/prints nothing}: exit 3, one line: apt has no linux-headers-$R" "rc=$rc out=$out"
done
out=$(IB_APT_CACHE=$tmp/none bash scripts/host.sh kdir 2>&1); rc=$?
[[ $rc == 3 && $(lines "$out") == 1 && $out == *"kernel-devel-$R"* ]]
check "kdir, no headers, no apt: exit 3, one line naming kernel-devel-$R" "rc=$rc out=$out"
out=$(IB_UNAME_R=../../etc bash scripts/host.sh kdir 2>&1); rc=$?
[[ $rc == 1 && $(lines "$out") == 1 && $out == "host: IB_UNAME_R=../../etc: expected a kernel release"* ]]
check "kdir, bad release: exit 1, one line naming IB_UNAME_R" "rc=$rc out=$out"
out=$(FAKE_APT=known make -s --no-print-directory module 2>&1); rc=$?
[[ $rc == 2 && $(grep -c '^module: no headers' <<<"$out") == 1 && $out == *"install linux-headers-$R"* && $out == *"] Error 3"* ]]
check "make module without headers: the one line, make reports Error 3" "rc=$rc out=$out"

# --- make deps: the headers package -------------------------------------------
rm -f "$tmp/apt-calls"
out=$(FAKE_APT=known bash scripts/host.sh headers-pkg 2>&1); rc=$?
[[ $rc == 0 && $out == "linux-headers-$R" ]]
check "headers-pkg, apt has them: prints linux-headers-$R" "rc=$rc out=$out"
mkdir -p "$tmp/apt/var/lib/apt/lists"
touch -d '2026-01-01 00:00' "$tmp/apt/var/lib/apt/lists"
rm -f "$tmp/apt-calls"
out=$(IB_HOST_ROOT=$tmp/apt bash scripts/host.sh headers-pkg 2>"$tmp/err"); rc=$?
err=$(cat "$tmp/err")
[[ $rc == 0 && -z $out && $(lines "$err") == 1 && $err == "deps: no linux-headers-$R in apt for the running kernel"* ]]
check "headers-pkg, apt does not know it: nothing on stdout, one line on stderr, exit 0" "rc=$rc out=$out err=$err"
IB_HOST_ROOT=$tmp/apt bash scripts/host.sh headers-pkg 2>/dev/null
c1=$(calls)
touch -d '2026-02-01 00:00' "$tmp/apt/var/lib/apt/lists"
IB_HOST_ROOT=$tmp/apt bash scripts/host.sh headers-pkg 2>/dev/null
c2=$(calls)
[[ $c1 == 1 && $c2 == 2 ]]
check "headers-pkg remembers 'apt has none' until apt's lists change (apt queried 1, then 2 times)" "apt queried $c1 then $c2 times"
rm -f "$tmp/apt-calls"
out=$(IB_HOST_ROOT=$tmp/root FAKE_APT=known bash scripts/host.sh headers-pkg 2>&1); rc=$?
[[ $rc == 0 && -z $out && $(calls) == 0 ]]
check "headers-pkg with headers present: nothing, apt not asked" "rc=$rc out=$out calls=$(calls)"

rm -f "$IB_HOST_CACHE"
out=$(FAKE_APT=known IB_DEPS_DRY_RUN=1 bash scripts/deps.sh 2>&1); rc=$?
[[ $rc == 0 && $out == "deps: would install: "*"linux-headers-$R" ]]
check "make deps (dry run), apt has the headers: would install linux-headers-$R" "rc=$rc out=$out"
out=$(FAKE_APT=none IB_DEPS_DRY_RUN=1 bash scripts/deps.sh 2>"$tmp/err"); rc=$?
err=$(cat "$tmp/err")
if [[ $out == "deps: would install: "* ]]; then
	ok "make deps (dry run), apt lacks the headers # SKIP other packages are missing here: $out"
else
	[[ $rc == 0 && $out =~ ^deps:\ test\ set:\ all\ [0-9]+\ packages\ present$ && $err == "deps: no linux-headers-$R in apt"* && $(lines "$err") == 1 ]]
	check "make deps (dry run), apt lacks the headers: all present, plus one line why not" "rc=$rc out=$out err=$err"
fi

# --- the lockdown / Secure Boot check -----------------------------------------
mi() { printf 'vermagic=%s SMP preempt mod_unload modversions \0name=iommubench\0license=GPL\0' "$1" >"$tmp/mi.bin"; }
mi "$R"
echo 'int ib_fake;' | cc -c -x c - -o "$tmp/e.o" &&
	objcopy --add-section .modinfo="$tmp/mi.bin" --set-section-flags .modinfo=alloc,readonly "$tmp/e.o" "$tmp/unsigned.ko"
mi 6.12.117+deb12-amd64
objcopy --add-section .modinfo="$tmp/mi.bin" --set-section-flags .modinfo=alloc,readonly "$tmp/e.o" "$tmp/other.ko"
signfile=$(ls /lib/modules/*/build/scripts/sign-file /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | head -n1)
signed=
if [[ -n $signfile ]] && openssl req -new -x509 -nodes -days 2 -subj /CN=ib-test-MOK -newkey rsa:2048 \
	-keyout "$tmp/MOK.priv" -outform DER -out "$tmp/MOK.der" >/dev/null 2>&1; then
	cp "$tmp/unsigned.ko" "$tmp/signed.ko" && "$signfile" sha256 "$tmp/MOK.priv" "$tmp/MOK.der" "$tmp/signed.ko" &&
		[[ $(modinfo -F signer "$tmp/signed.ko") == ib-test-MOK ]] && signed=$tmp/signed.ko
fi

lc() { # label root mokutil ko want-rc want-substring
	local out rc
	local mok=$tmp/no-mokutil
	[[ -z $3 ]] || mok=$tmp/bin/mokutil-$3
	out=$(IB_HOST_ROOT=${2:+$fx/$2} IB_MOKUTIL=$mok bash scripts/host.sh load-check "$4" 2>&1)
	rc=$?
	if [[ -z $6 ]]; then
		[[ $rc == "$5" && -z $out ]]
		check "load-check: $1: loads (exit 0, no output)" "rc=$rc out=$out"
	else
		[[ $rc == "$5" && $(lines "$out") == 1 && $out == *"$6, and $4 is unsigned: the kernel will refuse it"* &&
				$out == *"/lib/modules/$R/build/scripts/sign-file sha256 MOK.priv MOK.der $4"* &&
				$out == *"mokutil --import MOK.der, reboot"* ]]
		check "load-check: $1: exit $5, one line: $6" "rc=$rc out=$out"
	fi
}
lc "lockdown none, unsigned" lockdown-none "" "$tmp/unsigned.ko" 0 ""
lc "lockdown integrity, unsigned" lockdown-integrity "" "$tmp/unsigned.ko" 3 "kernel lockdown is 'integrity'"
lc "lockdown confidentiality, unsigned" lockdown-confidentiality "" "$tmp/unsigned.ko" 3 "kernel lockdown is 'confidentiality'"
lc "mokutil: SecureBoot enabled, unsigned" lockdown-none enabled "$tmp/unsigned.ko" 3 "Secure Boot is on"
lc "mokutil: SecureBoot disabled" lockdown-none disabled "$tmp/unsigned.ko" 0 ""
lc "mokutil: no Secure Boot support" lockdown-none unsupported "$tmp/unsigned.ko" 0 ""
lc "mokutil: no EFI variables" "" no-efi "$tmp/unsigned.ko" 0 ""
lc "no mokutil, EFI SecureBoot=1, unsigned" efi-sb-on "" "$tmp/unsigned.ko" 3 "Secure Boot is on"
lc "no mokutil, EFI SecureBoot=0" efi-sb-off "" "$tmp/unsigned.ko" 0 ""
lc "module.sig_enforce=1, unsigned" sig-enforce "" "$tmp/unsigned.ko" 3 "module.sig_enforce=1"
lc "Secure Boot and lockdown, unsigned" debian-sb "" "$tmp/unsigned.ko" 3 "kernel lockdown is 'integrity' and Secure Boot is on"
lc "no securityfs, no EFI, no mokutil" "" "" "$tmp/unsigned.ko" 0 ""
if [[ -n $signed ]]; then
	lc "lockdown integrity, signed (MOK)" lockdown-integrity "" "$signed" 0 ""
	lc "Secure Boot and lockdown, signed (MOK)" debian-sb enabled "$signed" 0 ""
else
	ok "load-check of a signed module # SKIP no sign-file or openssl here"
fi

# --- host_reason: order and exit codes ----------------------------------------
hr() { # label root module want-rc want-out(glob)
	local out rc
	out=$(IB_HOST_ROOT=$fx/$2 IB_MODULE=$3 bash scripts/host.sh reason 2>&1)
	rc=$?
	# shellcheck disable=SC2053 # $5 is a glob
	[[ $rc == "$4" && $(lines "$out") == "$(lines "$5")" && $out == $5 ]]
	check "reason: $1: exit $4" "rc=$rc out=$out"
}
hr "Secure Boot host, unsigned module" debian-sb "$tmp/unsigned.ko" 3 "kernel lockdown is 'integrity' and Secure Boot is on, and $tmp/unsigned.ko is unsigned:*"
[[ -n $signed ]] && hr "Secure Boot host, signed module" debian-sb "$signed" 0 ""
hr "module built for another kernel" debian-sb "$tmp/other.ko" 3 "no iommubench.ko built for $R (make module, or make dkms-install)"
hr "booted with nomodule" nomodule "$tmp/unsigned.ko" 4 "module loading is disabled on this kernel"
hr "no IOMMU" lockdown-none "$tmp/unsigned.ko" 4 "no IOMMU (/sys/class/iommu is empty)"

# --- scripts/run.sh TARGET=host: the one line, before anything loads ----------
out=$(IB_HOST_ROOT=$fx/debian-sb IB_MODULE=$tmp/unsigned.ko bash scripts/run.sh smoke host 2>&1); rc=$?
[[ $rc == 3 && $(lines "$out") == 1 && $out == "run: TARGET=host: cannot run here: kernel lockdown is 'integrity' and Secure Boot is on, and $tmp/unsigned.ko is unsigned: the kernel will refuse it; sign it with a MOK key"*"docs/module.md)" ]]
check "run.sh TARGET=host on a Secure Boot host with an unsigned module: exit 3, one line" "rc=$rc out=$out"
out=$(IB_HOST_ROOT=$fx/debian-sb IB_MODULE=$tmp/unsigned.ko make -s --no-print-directory run SUITE=smoke TARGET=host 2>&1); rc=$?
[[ $rc == 2 && $(grep -c 'is unsigned: the kernel will refuse it' <<<"$out") == 1 && $out == *"] Error 3"* ]]
check "make run TARGET=host there: the line, make reports Error 3" "rc=$rc out=$out"
