#!/usr/bin/env bash
# Host test (no GPU): the cuda engine against the fake driver
# (build/tests/libcuda_fake.so via IOMMUBENCH_LIBCUDA; tests/fakes/).  The
# fake's clock is simulated, so the figures are exact predictions of its
# model: copy = 1500 ns + bytes / 25 GB/s + 400 ns per translation-cache
# miss (64 entries, page-keyed LRU, flushed at unregister); chase access =
# 700 ns + 400 ns on a miss.  Also the error paths: no driver, a driver
# without the symbols, no device, context and register failures, device=
# index / PCI address, and a bad device for a module engine.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
fake=$PWD/${IB_CUDA_FAKE:-build/tests/libcuda_fake.so}
tmp=$(mktemp -d /tmp/ib-cuda-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
[[ -f $fake ]] || { echo "not ok - $fake missing (make unit)"; exit 1; }
unset IOMMUBENCH_FAKE_CUDA_FAIL IOMMUBENCH_FAKE_CUDA_DEVICES IOMMUBENCH_FAKE_CUDA_BDF \
	IOMMUBENCH_FAKE_IOTLB_ENTRIES IOMMUBENCH_FAKE_IOTLB_MISS_NS

n=0
# run ID ARGS...: one ad-hoc cuda run, fast repetitions; sets rc
run() {
	local id=$1
	shift
	$bin run --engine cuda --min-reps 3 --max-reps 3 --results-dir "$tmp" --run-id "$id" "$@" \
		>"$tmp/$id.out" 2>"$tmp/$id.err"
	rc=$?
}
# row ID EXPR: python over the first row r (and d, the document)
row() {
	python3 -c "import json,sys; d=json.load(open('$tmp/adhoc/$1/results.json')); r=d['results'][0]; m=r['metrics']; p=r['params']; print($2)" 2>&1
}
check() { # name condition-text got want
	if [[ $3 == "$4" ]]; then echo "ok - $1"; else echo "not ok - $1: got '$3', want '$4'"; fi
}
near() { # value want tolerance-fraction -> "yes"/"no value"
	python3 -c "v=float('$1'); w=float('$2'); print('yes' if abs(v-w) <= $3*w else 'no %s vs %s' % (v, w))" 2>&1
}

# -- skipped rows carry the driver's reason (exit 4) --
IOMMUBENCH_LIBCUDA=$tmp/none/libcuda.so.1 run nodrv
check "no driver: skipped, exit 4" "" "$rc $(row nodrv "r['status'], r['reason']")" \
	"4 skipped unavailable: no $tmp/none/libcuda.so.1"
IOMMUBENCH_LIBCUDA=libm.so.6 run nosym
check "driver without the symbols: skipped naming the first" "" "$rc $(row nosym "r['status'], r['reason']")" \
	"4 skipped unavailable: libm.so.6 has no cuInit (driver too old?)"
IOMMUBENCH_LIBCUDA=$fake IOMMUBENCH_FAKE_CUDA_DEVICES=0 run nodev
check "no GPU: cuInit's error" "" "$rc $(row nodev "r['status'], r['reason']")" \
	"4 skipped unavailable: cuInit: CUDA_ERROR_NO_DEVICE"
IOMMUBENCH_LIBCUDA=$fake run badidx --device 1
check "device=1 with one GPU: skipped" "" "$rc $(row badidx "r['reason']")" \
	"4 unavailable: device=1: this host has 1 CUDA device(s)"
IOMMUBENCH_LIBCUDA=$fake run badbdf --device 0000:01:00.0
check "device= PCI address that is no GPU: skipped" "" "$rc $(row badbdf "r['reason']")" \
	"4 unavailable: device=0000:01:00.0: not a CUDA device (CUDA_ERROR_INVALID_DEVICE)"

# -- failures are error rows (exit 2) --
export IOMMUBENCH_LIBCUDA=$fake
IOMMUBENCH_FAKE_CUDA_FAIL=ctx run ctxfail
check "context creation fails: error row" "" "$rc $(row ctxfail "r['status'], r['reason']")" \
	"2 error cuCtxCreate: CUDA_ERROR_DEVICE_UNAVAILABLE"
IOMMUBENCH_FAKE_CUDA_FAIL=ptx run ptxfail
check "the PTX does not compile: error row quoting the JIT log" "" "$rc $(row ptxfail "r['status'], r['reason']")" \
	"2 error cuModuleLoadDataEx (the PTX kernels): CUDA_ERROR_INVALID_PTX: ptxas application ptx input, line 1; error   : fake ptxas fatal   : fake"
IOMMUBENCH_FAKE_CUDA_FAIL=register run regfail
check "cuMemHostRegister fails: error row" "" "$rc $(row regfail "r['status'], r['reason']")" \
	"2 error cuMemHostRegister: CUDA_ERROR_OUT_OF_MEMORY"

# -- bad input: one line naming the field (exit 1) --
out=$($bin run --engine map --device 0 2>&1); rc=$?
check "device=0 for a module engine: exit 1, one line" "" "$rc $(wc -l <<<"$out") $out" \
	"1 1 iommubench: command line: [map] device=0: engine map expects a PCI address such as 0000:00:03.0, or auto"
out=$($bin run --engine cuda --op sm_copy --xfer-size 100 2>&1); rc=$?
check "op=sm_copy with xfer_size not a multiple of 8: exit 1" "" "$rc $out" \
	"1 iommubench: command line: [cuda] xfer_size=100: op=sm_copy copies 8-byte words: expected a multiple of 8"
out=$($bin run --engine cuda --op isolation 2>&1); rc=$?
check "op=isolation is not the cuda engine's: exit 1" "" "$rc $out" \
	"1 iommubench: command line: [cuda] op=isolation: engine=cuda: expected engine edu or vfio"

# -- copy engine: the fake's model, exactly (4 KiB pages, 64 entries) --
# window 64k = 16 pages: every copy after the first hits
run h2d-fit --window 64k --xfer-size 64k --iterations 100 --verify 1
check "h2d window 64k: ok, verified, device from CUDA's PCI address" "" \
	"$rc $(row h2d-fit "r['status'], p['device'], p['page_size_obtained'], m['register_ns']['n'] == 3")" \
	"0 ok 0000:65:00.0 4096 True"
check "h2d window 64k: dma_latency_ns = 1500 + 65536/25e9 s (all hits)" "" \
	"$(near "$(row h2d-fit "m['dma_latency_ns']['median']")" 4121.44 0.001)" yes
check "h2d on the fake driver: params.simulated names it, the console says so" "" \
	"$(row h2d-fit "p.get('simulated')") | $(grep -c '^SIMULATED: 1 row(s) ran on a fake CUDA driver' "$tmp/h2d-fit.out")" \
	"fake CUDA driver (tests/fakes/libcuda_fake.c): a model's clock, not a GPU | 1"
check "skipped rows (no driver) carry no simulated" "" "$(row nodrv "p.get('simulated')") $(grep -c SIMULATED "$tmp/nodrv.out")" "None 0"
# 100 copies of 4121.44 ns + the first one's 16 misses (6400 ns)
check "h2d window 64k: bandwidth = 100 x 64 KiB per 418544 ns" "" \
	"$(near "$(row h2d-fit "m['bandwidth_bytes_per_s']['median']")" 15658e6 0.001)" yes
# window 4m = 1024 pages > 64 entries: every page of every copy misses
run h2d-big --window 4m --xfer-size 64k --iterations 100 --verify 1 --pattern rand
check "h2d window 4m rand: every copy misses 16 pages (+6400 ns)" "" \
	"$(near "$(row h2d-big "m['dma_latency_ns']['median']")" 10521.44 0.001)" yes
run d2h --window 4m --xfer-size 64k --iterations 100 --verify 1 --direction from_device
check "d2h window 4m: ok, verified, same model" "" \
	"$rc $(near "$(row d2h "m['dma_latency_ns']['median']")" 10521.44 0.001)" "0 yes"
run bidir --window 64k --xfer-size 64k --iterations 100 --verify 1 --direction bidir
bw1=$(row h2d-fit "m['bandwidth_bytes_per_s']['median']")
bw2=$(row bidir "m['bandwidth_bytes_per_s']['median']")
check "bidir: two streams at once, twice the h2d bandwidth" "" "$rc $(near "$bw2" "$(python3 -c "print(2*$bw1)")" 0.02)" "0 yes"
run sm --op sm_copy --window 64k --xfer-size 64k --iterations 100 --verify 1
check "sm_copy: ok, verified, 3000 + 2621 ns a chunk" "" \
	"$rc $(near "$(row sm "m['dma_latency_ns']['median']")" 5621.44 0.001)" "0 yes"
run dev0 --window 64k --xfer-size 64k --iterations 10 --device 0
IOMMUBENCH_FAKE_CUDA_BDF=0000:af:00.0 run devbdf --window 64k --xfer-size 64k --iterations 10 --device 0000:af:00.0
check "device=0 and device=<BDF>: ok, params.device as sysfs spells it" "" \
	"$(row dev0 "r['status'], p['device']") $(row devbdf "r['status'], p['device']")" \
	"ok 0000:65:00.0 ok 0000:af:00.0"
node=$(cat /sys/bus/pci/devices/0000:00:00.0/numa_node 2>/dev/null || echo -1)
IOMMUBENCH_FAKE_CUDA_BDF=0000:00:00.0 run devnode --window 64k --xfer-size 64k --iterations 10
want=$([[ $node -ge 0 ]] && echo "$node" || echo None)
check "dev_node from sysfs (0000:00:00.0: $node)" "" "$(row devnode "p['dev_node']")" "$want"

# -- the GPU pointer chase: 700 ns a hit, 1100 ns a miss --
run chase-fit --op chase --window 128k --iterations 320 --verify 1
check "chase 32 pages (fits 64 entries): 700 ns an access, 32 samples" "" \
	"$rc $(row chase-fit "m['dma_latency_ns']['median'], m['dma_latency_ns']['n'], 'bandwidth_bytes_per_s' in m")" \
	"0 700 96 False"
run chase-miss --op chase --window 512k --iterations 320 --verify 1 --pattern rand
check "chase 128 pages rand (past 64 entries): 1100 ns an access" "" \
	"$rc $(row chase-miss "m['dma_latency_ns']['median']")" "0 1100"
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
	run chase-thp --op chase --page-size thp --window 8m --iterations 320 --verify 1
	check "chase on thp: 4 KiB elements over four 2 MiB pages, all fit: 700 ns" "" \
		"$rc $(row chase-thp "p['page_size_obtained'], m['dma_latency_ns']['median']")" "0 2097152 700"
else
	echo "ok - chase on thp # SKIP THP disabled"
fi
