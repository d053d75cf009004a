#!/usr/bin/env bash
# The fresh-system test (issue 19, items 3 and 4; docs/fresh.md).  As root:
#
#   bash tests/fresh/fresh.sh [lab] [host] [viommu]     (default: all three)
#
# Each case starts from a new Debian 12 root filesystem (mmdebstrap
# --variant=apt plus git, make and ca-certificates, cached as a tarball and
# unpacked anew per case), clones the commit under test into /root/iommubench
# and runs the README's commands in a chroot, exactly as written:
#   lab     make run SUITE=smoke                 exit 0, ok rows, qemu-lab;
#           the root's /boot and /lib/modules stay empty, no linux-image-*
#   host    make run SUITE=smoke TARGET=host     make says "Error 4" (no IOMMU);
#           no QEMU, Chromium, Open MPI, busybox-static or kernel installed
#   viommu  that host root (or a new one, prepared the same way) gets its own
#           kernel, DKMS and headers, make dkms-install, a minimal init, and
#           boots under QEMU (TCG, q35, intel-iommu caching-mode=on, edu) as
#           a host with an IOMMU: make run SUITE=smoke TARGET=host exits 0,
#           ok rows, platform host, the module loaded from updates/dkms
# Output: per case its wall times and `ok - ...` / `not ok - ...` lines; at
# the end `N passed, N failed`.  Exit 0 only when every check passed.
#
# The commit under test: HEAD, or `git stash create` when tracked files have
# uncommitted changes (untracked files are not part of it; a line says so).
# Never touches the host's /boot or dpkg state: everything the cases install
# goes into their roots (chroot; a private mount namespace per command).
#
# Knobs (environment):
#   KEEP=1                  keep the roots, images and logs in IB_FRESH_WORK
#   IB_FRESH_WORK           work directory (default /var/tmp/iommubench-fresh)
#   IB_FRESH_CACHE          rootfs tarball cache (default /var/cache/iommubench-fresh)
#   IB_FRESH_MAX_AGE_DAYS   rebuild the cached tarball when older (default 7)
#   IB_FRESH_TIMEOUT        seconds for each command in a chroot (default 3600)
#   IB_FRESH_BOOT_TIMEOUT   seconds for the viommu boot (default 900)
#   IB_FRESH_COMMIT         test this commit instead of the working tree's
#   VERBOSE=1               stream the chroot commands' output (else: its
#                           tail on failure; the full log in IB_FRESH_WORK/logs)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${IB_FRESH_WORK:-/var/tmp/iommubench-fresh}
CACHE=${IB_FRESH_CACHE:-/var/cache/iommubench-fresh}
MAX_AGE_DAYS=${IB_FRESH_MAX_AGE_DAYS:-7}
CMD_TIMEOUT=${IB_FRESH_TIMEOUT:-3600}
BOOT_TIMEOUT=${IB_FRESH_BOOT_TIMEOUT:-900}
KEEP=${KEEP:-0}
VERBOSE=${VERBOSE:-0}
LOGS=$WORK/logs
SUITE_NAME=bookworm
# The root: what a minimal Debian 12 plus "git and make" is.  Part of the
# cache key, so changing it rebuilds the tarball.
# shellcheck disable=SC2054 # the commas belong to --include
MMDEB_OPTS=(--variant=apt --include=git,make,ca-certificates --components=main)
# What the chroot gives every command: a login-like environment, no tty.
CHROOT_ENV=(HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	DEBIAN_FRONTEND=noninteractive)

passed=0 failed=0
results=()
say() { echo "fresh: $*"; }
die() {
	echo "fresh: $*" >&2
	exit 2
}
ok() {
	passed=$((passed + 1))
	results+=("ok - $*")
	echo "ok - $*"
}
notok() {
	failed=$((failed + 1))
	results+=("not ok - $*")
	echo "not ok - $*"
}
check() { # description, command...: ok when the command succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

[[ $(id -u) -eq 0 ]] || die "run as root (it builds root filesystems and chroots into them)"

cases=("$@")
((${#cases[@]})) || cases=(lab host viommu)
for c in "${cases[@]}"; do
	case $c in lab | host | viommu) ;; *)
		echo "fresh: $c: unknown case; expected lab, host or viommu" >&2
		exit 1
		;;
	esac
done

mkdir -p "$WORK" "$LOGS" "$CACHE"
# one fresh.sh per work directory (taken before the trap that cleans it)
exec 8>"$WORK/.lock"
flock -n 8 || die "another fresh.sh is using $WORK (IB_FRESH_WORK= for another)"

# ---------------------------------------------------------------- clean-up
# Every chroot command runs in its own mount namespace (unshare -m, / made
# rprivate), so its mounts vanish with it and the host's mount table never
# sees them.  What can outlive a case is a process still running inside one
# of our roots (a command killed by its timeout leaves none: timeout kills its
# process group); the trap ends those by pid, then removes the work dirs.
roots=() cur_pid=
kill_in_roots() {
	local p r root
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		for root in "${roots[@]}"; do
			[[ $r == "$root" || $r == "$root"/* ]] && kill -KILL "${p#/proc/}" 2>/dev/null
		done
	done
	return 0
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# the running timeout first (it passes the signal on to its process group)
	[[ -z $cur_pid ]] || kill -TERM "$cur_pid" 2>/dev/null || true
	((${#roots[@]})) && kill_in_roots
	if [[ $KEEP == 1 ]]; then
		say "KEEP=1: roots, images and logs stay in $WORK"
	elif [[ -d $WORK ]]; then
		# the roots and images; the logs are small and say what happened
		find "$WORK" -mindepth 1 -maxdepth 1 ! -name logs ! -name .lock -exec rm -rf --one-file-system {} +
		say "logs in $LOGS"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
need_pkg() { # command package: apt-get install the package when the command is missing
	command -v "$1" >/dev/null 2>&1 && return 0
	say "installing $2 (for $1)"
	apt-get install -y -q "$2" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; } ||
		die "cannot install $2"
}
need_pkg mmdebstrap mmdebstrap
need_pkg python3 python3
need_pkg git git
if [[ " ${cases[*]} " == *" viommu "* ]]; then
	need_pkg qemu-system-x86_64 qemu-system-x86
	need_pkg mke2fs e2fsprogs
	need_pkg debugfs e2fsprogs
fi

now() { date +%s; }

# ---------------------------------------------------------------- sources
# The three sources of a Debian 12, from the Debian mirrors this machine's own
# apt uses (deb822 *.sources and one-line *.list; only URIs ending in /debian
# or /debian-security, nothing else), defaulting to deb.debian.org.
sources() {
	python3 - /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources <<'EOF'
import re, sys
main = sec = None
def take(types, uri, enabled=True):
    global main, sec
    if not enabled or "deb" not in types:
        return
    uri = uri.rstrip("/")
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*", uri):
        return
    if uri.endswith("/debian-security"):
        sec = sec or uri
    elif uri.endswith("/debian"):
        main = main or uri
for path in sys.argv[1:]:
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for para in re.split(r"\n\s*\n", text):
            f = {}
            for line in para.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                k, v = line.split(":", 1)
                f[k.strip().lower()] = v.strip()
            for uri in f.get("uris", "").split():
                take(f.get("types", "").split(), uri, f.get("enabled", "yes").lower() != "no")
    else:
        for line in text.splitlines():
            w = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
            if len(w) >= 2:
                take([w[0]], w[1])
main = main or "http://deb.debian.org/debian"
sec = sec or "http://deb.debian.org/debian-security"
print(f"deb {main} bookworm main")
print(f"deb {main} bookworm-updates main")
print(f"deb {sec} bookworm-security main")
EOF
}

# ---------------------------------------------------------------- the root
# One tarball per (mmdebstrap options, sources), rebuilt after MAX_AGE_DAYS.
rootfs_tar() {
	local srcs key tar t0 old
	mapfile -t srcs < <(sources)
	key=$(printf '%s\n' "${MMDEB_OPTS[@]}" "$SUITE_NAME" "${srcs[@]}" | sha256sum | cut -c1-16)
	tar=$CACHE/debian12-$key.tar
	exec 9>"$CACHE/.lock"
	flock 9
	if [[ -f $tar && -n $(find "$tar" -mmin -$((MAX_AGE_DAYS * 1440)) 2>/dev/null) ]]; then
		say "root filesystem: cached $tar ($(date -r "$tar" -u +%FT%TZ))" >&2
	else
		say "root filesystem: building $tar with mmdebstrap ${MMDEB_OPTS[*]} from: ${srcs[*]}" >&2
		t0=$(now)
		rm -f "$tar.tmp"
		if ! mmdebstrap -q "${MMDEB_OPTS[@]}" --format=tar "$SUITE_NAME" "$tar.tmp" "${srcs[@]}" >"$LOGS/mmdebstrap.log" 2>&1; then
			tail -n 30 "$LOGS/mmdebstrap.log" >&2
			die "mmdebstrap failed (log: $LOGS/mmdebstrap.log)"
		fi
		mv "$tar.tmp" "$tar"
		printf '%s\n' "built $(date -u +%FT%TZ)" "mmdebstrap ${MMDEB_OPTS[*]} $SUITE_NAME" "${srcs[@]}" >"${tar%.tar}.info"
		for old in "$CACHE"/debian12-*.tar; do [[ $old == "$tar" ]] || rm -f "$old" "${old%.tar}.info"; done
		say "root filesystem: built in $(($(now) - t0)) s, $(du -m "$tar" | cut -f1) MB" >&2
	fi
	flock -u 9
	exec 9>&-
	echo "$tar"
}

# The commit under test, made once: HEAD, or a stash commit of the tracked
# changes (git stash create changes no ref, no index, no file).
COMMIT=${IB_FRESH_COMMIT:-}
if [[ -z $COMMIT ]]; then
	COMMIT=$(git -C "$TOP" stash create 2>/dev/null || true)
	if [[ -n $COMMIT ]]; then
		say "testing the working tree's tracked changes on $(git -C "$TOP" rev-parse --short HEAD) (git stash create: ${COMMIT:0:12})"
	else
		COMMIT=$(git -C "$TOP" rev-parse HEAD)
		say "testing HEAD ${COMMIT:0:12}"
	fi
	n=$(git -C "$TOP" ls-files --others --exclude-standard | wc -l)
	((n == 0)) || say "note: $n untracked file(s) are not part of the commit under test: $(git -C "$TOP" ls-files --others --exclude-standard | head -n 5 | tr '\n' ' ')"
fi
COMMIT=$(git -C "$TOP" rev-parse --verify "$COMMIT^{commit}")

# in_root ROOT LOG [--src] CMD: runs CMD (bash -c) in a chroot into ROOT, in
# a private mount namespace with proc, /sys and /dev, the host's resolv.conf,
# and with --src the checkout read-only at /mnt/src.  Output goes to LOG (and
# to stdout with VERBOSE=1).  Returns CMD's exit code (124: timed out).
in_root() {
	local root=$1 log=$2 src=
	shift 2
	[[ $1 == --src ]] && { src=$TOP; shift; }
	local rc=0
	# timeout: its own process group, killed whole when it expires
	timeout --kill-after=30 "$CMD_TIMEOUT" unshare -m -- bash -c '
		set -e
		root=$1 src=$2 cmd=$3
		shift 3
		mount --make-rprivate /
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --make-rslave "$root/sys"
		mount --rbind /dev "$root/dev"
		mount --make-rslave "$root/dev"
		cp -L --remove-destination /etc/resolv.conf "$root/etc/resolv.conf"
		if [[ -n $src ]]; then
			mkdir -p "$root/mnt/src"
			mount --bind "$src" "$root/mnt/src"
			mount -o remount,bind,ro "$root/mnt/src"
		fi
		exec chroot "$root" /usr/bin/env -i "$@" /bin/bash -c "$cmd"
	' in_root "$root" "$src" "$*" "${CHROOT_ENV[@]}" </dev/null >"$log" 2>&1 &
	local pid=$!
	cur_pid=$pid
	if [[ $VERBOSE == 1 ]]; then
		tail -n +1 --pid="$pid" -f "$log" | sed 's/^/  | /' &
	fi
	wait "$pid" || rc=$?
	cur_pid=
	[[ $VERBOSE == 1 ]] && wait || true
	return "$rc"
}

show_tail() { # log
	echo "  --- last lines of $1:"
	tail -n "${2:-40}" "$1" | sed 's/^/  | /'
}

# new_root NAME: a new directory with the tarball unpacked, the repo cloned
# into /root/iommubench at the commit under test.  Prints the root's path.
new_root() {
	local name=$1 root=$WORK/$1 t0
	t0=$(now)
	rm -rf --one-file-system "$root"
	mkdir -p "$root"
	roots+=("$root")
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$TARBALL"
	# the README's first step, as a user does it; the checkout is the remote
	in_root "$root" "$LOGS/$name-clone.log" --src \
		"git clone -q /mnt/src /root/iommubench && cd /root/iommubench && git checkout -q --detach $COMMIT && git log -1 --format='cloned %h'" ||
		{ show_tail "$LOGS/$name-clone.log" >&2; return 1; }
	say "$name: fresh root in $(($(now) - t0)) s ($(tail -n1 "$LOGS/$name-clone.log"))" >&2
}

# What dpkg in ROOT has installed, one package a line (the host's dpkg-query
# reading the root's database: nothing of the host's changes).
root_pkgs() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package}\n' 2>/dev/null |
		awk '$1 ~ /^.i/ {print $2}'
}
# Kernel files in ROOT's /boot (vmlinuz, initrd, System.map, config)
boot_kernels() {
	find "$1/boot" -mindepth 1 \( -name 'vmlinuz*' -o -name 'vmlinux*' -o -name 'initrd*' -o -name 'System.map*' -o -name 'config-*' \) 2>/dev/null || true
}
modules_tree() { find "$1/usr/lib/modules" -mindepth 1 -maxdepth 1 2>/dev/null || true; }

# The host's /boot and kernel packages before the cases: they must not change.
host_boot() { { ls -la --time-style=+%s /boot 2>/dev/null || true; } | md5sum; }
host_kernels() { { dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' 'linux-image-*' 2>/dev/null || true; } | awk '$1 ~ /^.i/' | md5sum; }
HOST_BOOT0=$(host_boot)
HOST_KERNELS0=$(host_kernels)

# results ROOT_RESULTS_DIR EXPECT_PLATFORM: checks the smoke run's latest
# results.json on the host side; prints one line "ok=N skipped=N error=N ..."
# and fails unless there are ok rows, no error rows and the platform matches.
results_check() {
	python3 - "$1" "$2" <<'EOF'
import json, os, sys
res, platform = sys.argv[1], sys.argv[2]
latest = os.path.join(res, "smoke", "latest")
if not os.path.islink(latest) and not os.path.isdir(latest):
    print(f"no {latest}"); sys.exit(1)
target = os.readlink(latest) if os.path.islink(latest) else latest
if os.path.isabs(target):           # a link written inside the root
    target = os.path.join(res, "smoke", os.path.basename(target))
else:
    target = os.path.join(res, "smoke", target)
path = os.path.join(target, "results.json")
try:
    doc = json.load(open(path))
except Exception as e:
    print(f"{path}: {e}"); sys.exit(1)
rows = doc.get("results", [])
n = {s: sum(1 for r in rows if r.get("status") == s) for s in ("ok", "skipped", "error")}
ctx = doc.get("context", {})
mod = ctx.get("module")
print(f"ok={n['ok']} skipped={n['skipped']} error={n['error']} platform={ctx.get('platform')} "
      f"kernel={ctx.get('kernel')} iommu={ctx.get('iommu', {}).get('vendor')} "
      f"module={'loaded' if mod else 'none'} run={os.path.basename(target)}")
for r in rows:
    if r.get("status") != "ok":
        print(f"  {r.get('status')}: {r.get('name')}: {r.get('reason', '')}")
sys.exit(0 if n["ok"] > 0 and n["error"] == 0 and ctx.get("platform") == platform else 1)
EOF
}

# ---------------------------------------------------------------- cases
declare -A TIMES=()
HOST_ROOT_READY=

case_lab() {
	local root=$WORK/lab log=$LOGS/lab-run.log t0 t1 rc=0 out
	echo "# lab: make run SUITE=smoke in a fresh root"
	t0=$(now)
	new_root lab || { notok "lab: fresh root with the repo cloned"; return; }
	t1=$(now)
	in_root "$root" "$log" 'cd /root/iommubench && make run SUITE=smoke' || rc=$?
	TIMES[lab]="set-up $((t1 - t0)) s, make run $(($(now) - t1)) s"
	say "lab: ${TIMES[lab]}"
	if ((rc == 0)); then ok "lab: make run SUITE=smoke exits 0"; else
		notok "lab: make run SUITE=smoke exits 0 (exit $rc$( ((rc == 124)) && echo ", timed out after $CMD_TIMEOUT s"))"
		grep -E '^make(\[[0-9]+\])?: \*\*\*' "$log" | sed 's/^/  | /' || true
		show_tail "$log"
	fi
	if out=$(results_check "$root/root/iommubench/results" qemu-lab); then
		ok "lab: ok rows in results/smoke/latest/results.json, platform qemu-lab ($(head -n1 <<<"$out"))"
	else
		notok "lab: ok rows in results/smoke/latest/results.json, platform qemu-lab"
		sed 's/^/  | /' <<<"$out"
	fi
	out=$(boot_kernels "$root")
	if [[ -z $out ]]; then ok "lab: the root's /boot holds no kernel image"; else
		notok "lab: the root's /boot holds no kernel image"
		sed 's/^/  | /' <<<"$out"
	fi
	out=$(modules_tree "$root")
	if [[ -z $out ]]; then ok "lab: the root's /lib/modules is empty"; else
		notok "lab: the root's /lib/modules is empty"
		sed 's/^/  | /' <<<"$out"
	fi
	out=$(root_pkgs "$root" | grep -E '^linux-image-' || true)
	if [[ -z $out ]]; then ok "lab: no linux-image-* package installed in the root"; else
		notok "lab: no linux-image-* package installed in the root: $(echo $out)"
	fi
}

# The host case's command; the viommu case reuses its root (or runs it in a
# new one first).  Sets HOST_RC.
host_prepare() {
	local name=$1 log=$2
	HOST_RC=0
	in_root "$WORK/$name" "$log" 'cd /root/iommubench && make run SUITE=smoke TARGET=host' || HOST_RC=$?
}

case_host() {
	local root=$WORK/host log=$LOGS/host-run.log t0 t1 out p bad=()
	echo "# host: make run SUITE=smoke TARGET=host in a fresh root"
	t0=$(now)
	new_root host || { notok "host: fresh root with the repo cloned"; return; }
	t1=$(now)
	host_prepare host "$log"
	TIMES[host]="set-up $((t1 - t0)) s, make run $(($(now) - t1)) s"
	say "host: ${TIMES[host]}"
	# make exits 2 on any failure; its "Error N" line carries the contract code
	if ((HOST_RC == 2)) && grep -qE '^make: \*\*\* \[[^]]*\] Error 4$' "$log"; then
		ok "host: make run SUITE=smoke TARGET=host ends in make's 'Error 4' (skipped: $(grep -m1 -o 'cannot run here: .*' "$log" || echo 'see log'))"
	else
		notok "host: make run SUITE=smoke TARGET=host ends in make's 'Error 4' (make exit $HOST_RC$( ((HOST_RC == 124)) && echo ", timed out after $CMD_TIMEOUT s"))"
		grep -E '^make(\[[0-9]+\])?: \*\*\*' "$log" | sed 's/^/  | /' || true
		show_tail "$log"
	fi
	check "host: the harness was built (build/iommubench)" test -x "$root/root/iommubench/build/iommubench"
	for p in $(root_pkgs "$root"); do
		case $p in qemu-system-x86 | chromium | openmpi-bin | libopenmpi-dev | busybox-static | linux-image-*) bad+=("$p") ;; esac
	done
	if ((${#bad[@]} == 0)); then
		ok "host: none of qemu-system-x86, chromium, openmpi-bin, libopenmpi-dev, busybox-static, linux-image-* installed ($(root_pkgs "$root" | wc -l) packages in the root)"
	else
		notok "host: none of qemu-system-x86, chromium, openmpi-bin, libopenmpi-dev, busybox-static, linux-image-* installed: ${bad[*]}"
	fi
	out=$(boot_kernels "$root")
	if [[ -z $out ]]; then ok "host: the root's /boot holds no kernel image"; else
		notok "host: the root's /boot holds no kernel image"
		sed 's/^/  | /' <<<"$out"
	fi
	((HOST_RC == 2)) && [[ -x $root/root/iommubench/build/iommubench ]] && HOST_ROOT_READY=host
	return 0
}

# The minimal init of the viommu boot: what systemd would mount on a host,
# the module host.sh picks (what run.sh insmods), the README's command and
# its exit code, power off.  dash: no `time`.
IB_INIT='#!/bin/sh
m() { mountpoint -q "$2" || mount -t "$1" "$1" "$2"; }
m proc /proc
m sysfs /sys
m devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/hugepages
m devpts /dev/pts
m tmpfs /dev/shm
m tmpfs /run
m tmpfs /tmp
m debugfs /sys/kernel/debug
m tracefs /sys/kernel/tracing
m hugetlbfs /dev/hugepages
hostname fresh-host
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
cd /root/iommubench && bash scripts/host.sh ko > /root/ko 2>&1
cd /root/iommubench && make run SUITE=smoke TARGET=host > /root/out.log 2>&1; echo $? > /root/rc
sync
echo o > /proc/sysrq-trigger
sleep 60
'

case_viommu() {
	local name root log t0 t1 t2 ts rel rc out img size ko res parts=()
	echo "# viommu: a fresh root booted as a host with an IOMMU (TCG, q35, intel-iommu), make run SUITE=smoke TARGET=host"
	t0=$(now)
	if [[ -n $HOST_ROOT_READY ]]; then
		name=$HOST_ROOT_READY
		say "viommu: using the host case's root"
	else
		name=viommu
		new_root viommu || { notok "viommu: fresh root with the repo cloned"; return; }
		host_prepare viommu "$LOGS/viommu-host-run.log"
		if ! [[ -x $WORK/viommu/root/iommubench/build/iommubench ]]; then
			notok "viommu: make run SUITE=smoke TARGET=host in the chroot installs the host set and builds (exit $HOST_RC)"
			show_tail "$LOGS/viommu-host-run.log"
			return
		fi
		parts+=("new root + make run TARGET=host $(($(now) - t0)) s")
	fi
	root=$WORK/$name
	ts=$(now)
	# The root's own kernel (its /boot, not the host's), DKMS and the headers
	# for that kernel, then the module the user's way.
	log=$LOGS/viommu-kernel.log
	# One apt transaction (the two metapackages name the same ABI): the
	# initramfs is generated once per trigger, not once more for the headers.
	if ! in_root "$root" "$log" 'set -e; apt-get install -y -q linux-image-amd64 linux-headers-amd64 dkms
		rel=$(ls /boot/vmlinuz-* | sed "s|.*/vmlinuz-||" | sort -V | tail -n1)
		echo "release: $rel"
		test -f "/boot/initrd.img-$rel" && test -d "/usr/src/linux-headers-$rel" && test -d "/lib/modules/$rel/build"'; then
		notok "viommu: the root's own kernel, dkms and headers install in the chroot"
		show_tail "$log"
		return
	fi
	rel=$(sed -n 's/^release: //p' "$log" | tail -n1)
	parts+=("kernel + headers + dkms $(($(now) - ts)) s")
	ts=$(now)
	ok "viommu: the root's own kernel ($rel), dkms and its headers install in the chroot"
	log=$LOGS/viommu-dkms.log
	rc=0
	in_root "$root" "$log" "cd /root/iommubench && make dkms-install DKMS_KERNEL=$rel" || rc=$?
	ko=$(find "$root/usr/lib/modules/$rel/updates/dkms" -name 'iommubench.ko*' 2>/dev/null | head -n1 || true)
	if ((rc == 0)) && [[ -n $ko ]]; then
		ok "viommu: make dkms-install DKMS_KERNEL=$rel puts iommubench in /lib/modules/$rel/updates/dkms"
	else
		notok "viommu: make dkms-install DKMS_KERNEL=$rel puts iommubench in /lib/modules/$rel/updates/dkms (exit $rc)"
		show_tail "$log"
		return
	fi
	parts+=("make dkms-install $(($(now) - ts)) s")
	ts=$(now)
	printf '%s' "$IB_INIT" >"$root/sbin/ib-init"
	chmod 755 "$root/sbin/ib-init"
	rm -f "$root/root/rc" "$root/root/out.log" "$root/root/ko"
	# The image: the root's size plus 1 GiB, at least 4 GiB (sparse).
	img=$WORK/viommu.img
	size=$(($(du -sxm "$root" | cut -f1) + 1024))
	((size >= 4096)) || size=4096
	rm -f "$img"
	if ! mke2fs -q -t ext4 -d "$root" -L root "$img" "${size}M" >"$LOGS/viommu-mke2fs.log" 2>&1; then
		notok "viommu: mke2fs -d of the root"
		show_tail "$LOGS/viommu-mke2fs.log"
		return
	fi
	t1=$(now)
	parts+=("mke2fs -d ${size} MiB $((t1 - ts)) s")
	say "viommu: root prepared in $((t1 - t0)) s: $(IFS=,; echo "${parts[*]}" | sed 's/,/, /g')"
	rc=0
	timeout --kill-after=10 "$BOOT_TIMEOUT" qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg \
		-m 2048 -smp 1 -cpu max \
		-device intel-iommu,intremap=on,caching-mode=on -device edu \
		-kernel "$root/boot/vmlinuz-$rel" -initrd "$root/boot/initrd.img-$rel" \
		-append "root=/dev/vda rw init=/sbin/ib-init console=ttyS0 intel_iommu=on iommu.strict=1 panic=-1" \
		-drive file="$img",if=virtio,format=raw -nographic -no-reboot \
		</dev/null >"$LOGS/viommu-console.log" 2>&1 &
	cur_pid=$!
	wait "$cur_pid" || rc=$?
	cur_pid=
	t2=$(now)
	TIMES[viommu]="set-up $((t1 - t0)) s ($(IFS=,; echo "${parts[*]}" | sed 's/,/, /g')), boot + make run $((t2 - t1)) s"
	say "viommu: ${TIMES[viommu]}"
	if ((rc == 0)); then ok "viommu: the VM powered itself off (qemu exit 0)"; else
		notok "viommu: the VM powered itself off (qemu exit $rc$( ((rc == 124)) && echo ", timed out after $BOOT_TIMEOUT s"))"
		show_tail "$LOGS/viommu-console.log"
	fi
	# read back without mounting
	debugfs -R 'cat /root/out.log' "$img" >"$LOGS/viommu-out.log" 2>/dev/null || true
	rc=$(debugfs -R 'cat /root/rc' "$img" 2>/dev/null | tr -d '[:space:]' || true)
	ko=$(debugfs -R 'cat /root/ko' "$img" 2>/dev/null | head -n1 || true)
	res=$WORK/viommu-results
	rm -rf "$res"
	mkdir -p "$res"
	debugfs -R "rdump /root/iommubench/results $res" "$img" >/dev/null 2>&1 || true
	if [[ $rc == 0 ]]; then ok "viommu: make run SUITE=smoke TARGET=host exits 0 in the booted root"; else
		notok "viommu: make run SUITE=smoke TARGET=host exits 0 in the booted root (exit '${rc:-none}')"
		show_tail "$LOGS/viommu-out.log"
	fi
	if out=$(results_check "$res/results" host); then
		ok "viommu: ok rows, platform host ($(head -n1 <<<"$out"))"
		sed -n '2,$s/^/  | /p' <<<"$out"
	else
		notok "viommu: ok rows, platform host"
		sed 's/^/  | /' <<<"$out"
	fi
	if [[ $ko == /lib/modules/$rel/updates/dkms/iommubench.ko* || $ko == /usr/lib/modules/$rel/updates/dkms/iommubench.ko* ]] &&
		grep -q 'module=loaded' <<<"$out"; then
		ok "viommu: the module TARGET=host loaded is DKMS's ($ko)"
	else
		notok "viommu: the module TARGET=host loaded is DKMS's (host.sh ko: '${ko:-none}'; ${out%%$'\n'*})"
	fi
}

# ---------------------------------------------------------------- main
T_START=$(now)
TARBALL=$(rootfs_tar)
TIMES[rootfs]="$(($(now) - T_START)) s"
for c in "${cases[@]}"; do "case_$c"; done

check "the host's /boot is unchanged" test "$(host_boot)" == "$HOST_BOOT0"
check "the host's installed linux-image-* packages are unchanged" test "$(host_kernels)" == "$HOST_KERNELS0"

echo "# wall times: root filesystem ${TIMES[rootfs]}$(for c in "${cases[@]}"; do [[ -n ${TIMES[$c]:-} ]] && printf '; %s: %s' "$c" "${TIMES[$c]}"; done); total $(($(now) - T_START)) s"
if ((failed)); then
	for r in "${results[@]}"; do [[ $r != ok* ]] && echo "$r"; done
fi
echo "$passed passed, $failed failed"
((failed == 0))
