#!/usr/bin/env bash
# make peer-check: the kernel's own dma_map_benchmark next to our map engine
# in one lab boot (docs/peer-check.md).  Steps: the optional source package
# (scripts/deps.sh peer), the peer's build (scripts/peer/build.sh), the
# harness, module and initramfs, one boot (caching-mode off so that lazy is
# lazy; no QEMU trace: lab counters are not needed here) running
# scripts/peer/guest.sh, then the table and JSON (scripts/peer/report.py).
# Output: build/peer/run/ (the guest's files, console.log) and
# build/peer/peer-check.json.  The verdict is like for like: ours with the
# default counters against the peer variant that times dma_map_sgtable.
# Exit: 0 all points measured (ratio misses are shown as FAIL; PEER_STRICT=1
# makes them exit 2), 2 a step failed, 3 a resource is missing.
#   PEER_SECONDS_4K (1), PEER_SECONDS_2M (2): the tool's -s, in guest seconds
#   PEER_TIMEOUT (1500): the boot's wall-clock limit (lab.py --timeout)
#   PEER_DIRECTION (from_device): both sides' direction (the tool's -d 1, 2, 0)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${IOMMUBENCH_BUILD:-build}
peer=$BUILD/peer
for v in PEER_SECONDS_4K PEER_SECONDS_2M PEER_TIMEOUT; do
	val=${!v:-}
	[[ -z $val || $val =~ ^[1-9][0-9]{0,3}$ ]] || { echo "peer-check: $v=$val: expected an integer 1..9999" >&2; exit 1; }
done
case ${PEER_DIRECTION:=from_device} in to_device | from_device | bidir) ;; *)
	echo "peer-check: PEER_DIRECTION=$PEER_DIRECTION: expected to_device, from_device or bidir" >&2
	exit 1
	;;
esac
bash scripts/deps.sh peer || exit $?
bash scripts/peer/build.sh || exit $?
make -s --no-print-directory build module-lab >/dev/null || { echo "peer-check: make build module-lab failed" >&2; exit 2; }
python3 scripts/lab/lab.py build --quiet || exit $?
run=$peer/run
rm -rf "$run" && mkdir -p "$run" || { echo "peer-check: cannot create $run" >&2; exit 3; }
adds=()
for f in mod-100ns/map_benchmark.ko mod-ns/map_benchmark.ko mod-sg/map_benchmark.ko dma_map_benchmark dma_map_benchmark-ns; do
	adds+=(--add "$peer/$f:peer/$f")
done
adds+=(--add scripts/peer/guest.sh:peer/guest.sh --add scripts/peer/peer.suite:peer/peer.suite)
echo "peer-check: one lab boot: dma_map_benchmark and iommubench map, strict and lazy, 4k/g1 and 2M/g512, $PEER_DIRECTION"
# the guest command: fixed words, numbers validated above
python3 scripts/lab/lab.py exec --no-trace --caching-mode off --edu-dma-mask 0xffffffffffff \
	--module-params edu_dma_bits=48 --hugepages 8 --timeout "${PEER_TIMEOUT:-1500}" --out "$run" "${adds[@]}" -- \
	PEER_SECONDS_4K="${PEER_SECONDS_4K:-1}" PEER_SECONDS_2M="${PEER_SECONDS_2M:-2}" PEER_DIRECTION="$PEER_DIRECTION" \
	sh /opt/extra/peer/guest.sh \
	>"$run/host.log" 2>&1
rc=$?
if ((rc != 0)); then
	echo "peer-check: the lab run failed (exit $rc): $(tail -n1 "$run/host.log")" >&2
	[[ -f $run/peer-guest.err ]] && echo "peer-check: guest: $(tail -n1 "$run/peer-guest.err")" >&2
	exit 2
fi
grep -E '^(boot|wall)_s=' "$run/lab-run.txt" | tr '\n' ' ' | sed 's/^/peer-check: lab /; s/ $/\n/'
python3 scripts/peer/report.py "$run" "$peer/peer-check.json"
