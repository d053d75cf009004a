#!/usr/bin/env bash
# make run SUITE=<name> [TARGET=auto|host|lab] [ARGS='iommubench run options'] [RANKS=N]:
# picks the target, runs the
# suite with build/iommubench (on the host, or inside the QEMU lab), then
# merges lab counters, derives and draws the plots and report (iommubench finish).
#   run.sh --check-args SUITE TARGET   only the checks of the arguments and
#   LAB_* (make run calls it before make deps: bad input costs no install)
#   run.sh --decide SUITE TARGET       only where the suite would run: the
#   TARGET line, then "target=host" or "target=lab" (tests; nothing booted)
set -uo pipefail
cd "$(dirname "$0")/.."
check_only= decide_only=
[[ ${1:-} == --check-args ]] && { check_only=1; shift; }
[[ ${1:-} == --decide ]] && { decide_only=1; shift; }
suite=${1:-smoke}
target=${2:-auto}
bin=build/iommubench
file=bench/suites/$suite.suite
res=${RESULTS:-results} # RESULTS=<dir>: another results root (tests use one)

# the suite listing is the harness's (iommubench run --list-suites)
available() { "$bin" run --list-suites 2>/dev/null || suites; }
# a value as shown in a refusal: as typed when plain, else shell-quoted
# (never a raw control character on the terminal)
shown() { if [[ $1 =~ ^[A-Za-z0-9._+-]*$ ]]; then printf '%s' "$1"; else printf '%s' "${1@Q}"; fi; }
# a suite is a name, never a path: [a-z0-9_-]+ naming bench/suites/<name>.suite
suites() { (cd bench/suites && ls -- *.suite 2>/dev/null | sed 's/\.suite$//' | tr '\n' ' '); }
if [[ ! $suite =~ ^[a-z0-9_-]+$ ]]; then
	echo "run: SUITE=$(shown "$suite"): expected a suite name ([a-z0-9_-]+); available: $(suites)" >&2
	exit 1
fi
if [[ ! -f $file ]]; then
	echo "run: SUITE=$suite: unknown suite; available: $(available)" >&2
	exit 1
fi
if [[ -n ${RANKS:-} && ! $RANKS =~ ^[1-8]$ ]]; then
	echo "run: RANKS=$RANKS: expected 1..8 (MPI ranks, one per device)" >&2
	exit 1
fi
case $target in auto | host | lab) ;; *)
	echo "run: TARGET=$(shown "$target"): expected auto, host or lab" >&2
	exit 1
	;;
esac

# LAB_IOMMU: the lab's vIOMMU (lab.py --iommu; docs/lab.md "Which vIOMMU")
case ${LAB_IOMMU:-intel} in intel | amd | virtio | none) ;; *)
	echo "run: LAB_IOMMU=$LAB_IOMMU: expected intel, amd, virtio or none" >&2
	exit 1
	;;
esac
case ${LAB_MODE:-strict} in strict | lazy | pt | off) ;; *)
	echo "run: LAB_MODE=$LAB_MODE: expected strict, lazy, pt or off" >&2
	exit 1
	;;
esac
# The numeric LAB_* knobs: plain numbers (lab.py checks their ranges), so
# nothing else reaches QEMU's option strings.
for v in LAB_MEM LAB_SMP LAB_HUGEPAGES LAB_TIMEOUT; do
	[[ -z ${!v:-} || ${!v} =~ ^[0-9]{1,6}$ ]] || { echo "run: $v=$(shown "${!v}"): expected a number" >&2; exit 1; }
done
[[ -z ${LAB_EDU_DMA_MASK:-} || $LAB_EDU_DMA_MASK =~ ^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$ ]] ||
	{ echo "run: LAB_EDU_DMA_MASK=$(shown "${LAB_EDU_DMA_MASK}"): expected a number such as 0xffffffffffff (decimal or 0x hex)" >&2; exit 1; }
case ${LAB_CACHING_MODE:-on} in on | off) ;; *)
	echo "run: LAB_CACHING_MODE=$(shown "${LAB_CACHING_MODE}"): expected on or off" >&2
	exit 1
	;;
esac
# LAB_KEEP_TRACE=1: the lab's QEMU trace stays raw after the merge (debugging);
# by default finish compresses it into qemu-trace.log.zst (docs/lab.md)
case ${LAB_KEEP_TRACE:-0} in 0 | 1) ;; *)
	echo "run: LAB_KEEP_TRACE=$(shown "${LAB_KEEP_TRACE}"): expected 0 or 1" >&2
	exit 1
	;;
esac
[[ -n $check_only ]] && exit 0

# Words of a shell-quoted string (ARGS, a suite's "# lab:" line), split by
# shlex, never eval'd, NUL-separated on stdout.  --refuse OPT,...: options
# this script sets itself (one line naming NAME and the option, exit 1);
# --quote: each word shell-quoted (for the guest's command line).
shwords() { # NAME TEXT [--refuse a,b] [--quote]
	python3 - "$@" <<'PY'
import shlex, sys
name, text, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
refuse = rest[rest.index("--refuse") + 1].split(",") if "--refuse" in rest else []
try:
    words = shlex.split(text)
except ValueError as e:
    sys.exit(f"run: {name}={text!r}: {e}")
for w in words:
    opt = w.split("=", 1)[0]
    if opt in refuse:
        sys.exit(f"run: {name}: {opt} is set by make run itself; not allowed in {name} "
                 f"(refused: {', '.join(refuse)})")
for w in words:
    sys.stdout.write((shlex.quote(w) if "--quote" in rest else w) + "\0")
PY
}
# ARGS='...': more `iommubench run` options (make run SUITE=x ARGS='--only map')
refused=--suite,--results-dir,--claimed-run-id,--run-id,--platform,--lab-ctl
mapfile -d '' -t hargs < <(shwords ARGS "${ARGS:-}" --refuse "$refused")
wait $! || exit 1
mapfile -d '' -t hargs_q < <(shwords ARGS "${ARGS:-}" --quote)
# REPRODUCE_FROM=<results.json> (make reproduce, scripts/reproduce.sh): the
# run directory gets a copy (reproduce-of.json) and `iommubench rerun` of it
# replaces the suite's run: every row's exact configuration; ARGS do not apply
repro=${REPRODUCE_FROM:-}
if [[ -n $repro ]]; then
	[[ -f $repro ]] || { echo "run: REPRODUCE_FROM=$(shown "$repro"): no such results file" >&2; exit 1; }
	hargs=() hargs_q=()
fi


# Why the host cannot run module/IOMMU suites (one line; empty when it can),
# and the exit code TARGET=host then gives: scripts/host.sh reason (not root,
# no IOMMU, module loading disabled, no module built for this kernel, an
# unsigned module under lockdown or Secure Boot).
# The gpu suite's cuda engine needs no module, and the lab has no GPU: it
# runs on the host, always.
if [[ $suite == gpu ]]; then
	reason='' hrc=0
else
	reason=$(bash scripts/host.sh reason)
	hrc=$?
fi
# Device-first (docs/harness.md "Where a suite runs"): rows this host can
# run without the module or the lab -- cuda with a driver and a device,
# nvme on a free namespace, vfio where an IOMMU is visible; cpu baselines
# do not count.  The harness decides (run --host-capable, its last line a
# summary; exit 4 when none); this script only asks.  The module's rows then
# become skipped rows with the reason.  TARGET=lab never asks.
devices=''
if [[ $suite != gpu && $target != lab && -n $reason ]]; then
	devices=$("$bin" run --suite "$file" --host-capable 2>/dev/null | tail -n1) &&
		devices=${devices#host-capable: } || devices=''
fi
if [[ $target == auto ]]; then
	if [[ -z $reason ]]; then
		target=host
		echo "run: TARGET=auto -> host"
	elif [[ -n $devices ]]; then
		target=host
		echo "run: TARGET=auto -> host ($devices, skipped here: $reason)"
	else
		target=lab
		echo "run: TARGET=auto -> lab (host: $reason)"
	fi
fi
if [[ -n $decide_only ]]; then
	[[ $target == host && -n $reason && -z $devices ]] && target="none ($reason)"
	echo "target=$target"
	exit 0
fi

# The run directory <res>/<suite>/<id>, claimed atomically: mkdir without
# -p fails when another run got there first (two `make run` in the same
# second), and the id then gets -2, -3, ...  The harness is told the id with
# --claimed-run-id, so it writes into this directory instead of making one.
claim_run_dir() { # base-id; sets runid and dir
	local base=$1 n=1
	mkdir -p "$res/$suite" || { echo "run: cannot create $res/$suite" >&2; return 3; }
	runid=$base
	while ! mkdir "$res/$suite/$runid" 2>/dev/null; do
		if [[ ! -e $res/$suite/$runid && ! -L $res/$suite/$runid ]] || ((n >= 1000)); then
			echo "run: cannot create $res/$suite/$runid" >&2
			return 3
		fi
		n=$((n + 1)) runid=$base-$n
	done
	dir=$res/$suite/$runid
}

# results.json worth post-processing: there, and not left behind by a run
# that stopped because its results could not be written (exit 3, incomplete)
saved() { [[ -f $dir/results.json ]] && { ((rc != 3)) || grep -q '"complete": true' "$dir/results.json"; }; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [[ $target == host ]]; then
	if [[ -n $reason && -z $devices ]]; then
		echo "run: TARGET=host: cannot run here: $reason" >&2
		exit $((hrc ? hrc : 4))
	fi
	if [[ $suite != gpu && -z $reason && ! -e /dev/iommubench ]]; then
		ko=$(bash scripts/host.sh ko)
		if ! msg=$(insmod "$ko" 2>&1); then
			case $msg in *"Key was rejected"* | *"Required key not available"*)
				msg+=" (the kernel does not trust its signing key: enroll it with mokutil --import <its .der>, reboot, confirm in MokManager; docs/module.md)" ;;
			esac
			echo "run: TARGET=host: insmod $ko failed: ${msg//$'\n'/ }" >&2
			exit 3
		fi
		trap 'rmmod iommubench 2>/dev/null' EXIT
	fi
	claim_run_dir "$(hostname -s)-$stamp" || exit $?
	# RANKS=N: N MPI ranks on this host, one per device (docs/harness.md "Ranks")
	launch=()
	if ((${RANKS:-1} > 1)); then
		launch=(mpirun --oversubscribe --enable-recovery -np "$RANKS")
		[[ $(id -u) == 0 ]] && launch+=(--allow-run-as-root)
	fi
	what=(run --suite "$file")
	if [[ -n $repro ]]; then
		cp -- "$repro" "$dir/reproduce-of.json" || exit 3
		what=(rerun "$dir/reproduce-of.json")
	fi
	"${launch[@]}" "$bin" "${what[@]}" --results-dir "$res" --claimed-run-id "$runid" --platform host "${hargs[@]}"
	rc=$?
else
	# the lab set (QEMU, busybox, the lab kernel fetched into build/lab/kernels),
	# installed only now that the lab will boot
	bash scripts/deps.sh lab || exit $?
	make -s module-lab >/dev/null || { echo "run: building the module for the lab failed (make module-lab)" >&2; exit 2; }
	python3 scripts/lab/lab.py build --quiet || exit $?
	claim_run_dir "qemu-lab-$stamp" || exit $?
	# Per-suite lab settings ("# lab: --mem 4096 ...") then LAB_* overrides.
	# (shell-quoted, e.g. --append "hugepagesz=1G hugepages=2"; split by shlex, never eval'd)
	mapfile -d '' -t labopts < <(shwords "$file: # lab:" "$(sed -n 's/^# lab: *//p' "$file" | head -n1)")
	wait $! || exit 1
	[[ -n ${LAB_IOMMU:-} ]] && labopts+=(--iommu "$LAB_IOMMU")
	[[ -n ${LAB_MODE:-} ]] && labopts+=(--mode "$LAB_MODE")
	[[ -n ${LAB_CACHING_MODE:-} ]] && labopts+=(--caching-mode "$LAB_CACHING_MODE")
	[[ -n ${LAB_MEM:-} ]] && labopts+=(--mem "$LAB_MEM")
	[[ -n ${LAB_SMP:-} ]] && labopts+=(--smp "$LAB_SMP")
	[[ -n ${LAB_HUGEPAGES:-} ]] && labopts+=(--hugepages "$LAB_HUGEPAGES")
	[[ -n ${LAB_TIMEOUT:-} ]] && labopts+=(--timeout "$LAB_TIMEOUT")
	[[ -n ${LAB_EDU_DMA_MASK:-} ]] && labopts+=(--edu-dma-mask "$LAB_EDU_DMA_MASK")
	[[ -n ${RANKS:-} ]] && labopts+=(--ranks "$RANKS")
	# (the guest sees $res as /out; suite and run id are plain names)
	what=(run --suite "/opt/iommubench/suites/$suite.suite")
	if [[ -n $repro ]]; then
		cp -- "$repro" "$dir/reproduce-of.json" || exit 3
		what=(rerun "/out/$suite/$runid/reproduce-of.json")
	fi
	echo "run: booting the qemu-lab (emulated timings; exact counts) for suite $suite"
	python3 scripts/lab/lab.py exec "${labopts[@]}" --out "$res" --logdir "$dir" -- \
		IOMMUBENCH_LAB_HOST="$(hostname -s)" IOMMUBENCH_GIT_SHA="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
		iommubench "${what[@]}" \
		--results-dir /out --claimed-run-id "$runid" --platform qemu-lab --lab-ctl '"$IOMMUBENCH_LAB_CTL"' \
		"${hargs_q[@]}"
	rc=$?
	# the nvme rows' scratch namespace (lab.py --nvme: a sparse image the
	# guest only read) is no result: 256 MiB to any copy of the directory
	rm -f -- "$dir/nvme-scratch.img"
fi
finish_opts=(--link-latest)
[[ ${LAB_KEEP_TRACE:-0} == 1 ]] && finish_opts+=(--keep-trace)
if saved; then
	# one process: lab-merge (lab runs: marks.tsv), derive, report, and
	# latest -> runid (replaced with one rename(2)); the merged QEMU trace
	# compressed unless LAB_KEEP_TRACE=1
	"$bin" finish "$dir" "${finish_opts[@]}" || echo "run: finish failed (merge, derive or report; see above)" >&2
	echo "run: results in $dir (report: $dir/report.html)"
	# scripts/reproduce.sh: which directory the rerun went to
	[[ -n ${REPRODUCE_DIR_OUT:-} ]] && printf '%s\n' "$dir" >"$REPRODUCE_DIR_OUT"
elif [[ ! -e $dir/results.json ]]; then
	rmdir "$dir" 2>/dev/null # claimed but never used (nothing was written)
fi
exit $rc
