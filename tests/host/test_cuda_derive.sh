#!/usr/bin/env bash
# Host test (no GPU): derive's timing method on the fake CUDA driver.  For
# several translation-cache sizes and miss penalties, a window sweep (12
# windows an octave, 64 KiB .. 2 MiB) of GPU chases (and one of seq
# copy-engine copies) on 4k buffers (one also on thp: the 4K-minus-2M
# baseline), then `iommubench derive`: the derived
# iotlb_reach/page_size:4k row must come from timing and hold the fake's
# configured entries within 10 %, its bracket containing them.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
export IOMMUBENCH_LIBCUDA=$PWD/${IB_CUDA_FAKE:-build/tests/libcuda_fake.so}
tmp=$(mktemp -d /tmp/ib-cuda-derive-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin && -f $IOMMUBENCH_LIBCUDA ]] || { echo "not ok - $bin or $IOMMUBENCH_LIBCUDA missing (make build unit)"; exit 1; }
unset IOMMUBENCH_FAKE_CUDA_FAIL IOMMUBENCH_FAKE_CUDA_DEVICES
windows=$(python3 -c "print(','.join(str(w) for w in sorted({int(65536 * 2 ** (k / 12)) // 4096 * 4096 for k in range(61)})))")

# sweep ID OP ENTRIES MISS_NS PAGE_SIZES [extra job keys...]
sweep() {
	local id=$1 op=$2 e=$3 miss=$4 pages=$5
	shift 5
	{
		printf '[global]\nengine=cuda\nmin_reps=2\nmax_reps=2\nwarmup=0\n'
		printf '[sweep]\nop=%s\npage_size=%s\nwindow=%s\n' "$op" "$pages" "$windows"
		printf '%s\n' "$@"
	} >"$tmp/$id.suite"
	IOMMUBENCH_FAKE_IOTLB_ENTRIES=$e IOMMUBENCH_FAKE_IOTLB_MISS_NS=$miss \
		$bin run --suite "$tmp/$id.suite" --results-dir "$tmp" --run-id "$id" >/dev/null 2>"$tmp/$id.err" &&
		$bin derive "$tmp/$id/$id" >"$tmp/$id.derive" 2>&1
}
check() { # id entries
	local got
	got=$(python3 - "$tmp/$1/$1/results.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want = float(sys.argv[2])
r = [r for r in d['results'] if r['name'] == 'iotlb_reach/page_size:4k'][0]
if r['status'] != 'ok':
    print('row %s: %s' % (r['status'], r.get('reason'))); sys.exit()
e = r['metrics']['iotlb_entries']; p = r['params']
ok = abs(e['median'] - want) <= 0.1 * want and e['ci95_low'] <= want <= e['ci95_high']
print('%s %s %g [%g..%g] knee %d' % ('good' if ok else 'bad', p['source'], e['median'],
      e['ci95_low'], e['ci95_high'], p['knee_window']))
PY
)
	if [[ $got == "good timing "* ]]; then
		echo "ok - $1: configured $2 entries, derived ${got#good timing }"
	else
		echo "not ok - $1: configured $2 entries, got: $got ($(tail -n1 "$tmp/$1.err"))"
	fi
}

sweep chase24 chase 24 400 4k iterations=640 && check chase24 24
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
	# thp: 2 MiB pages for the fake as for the IOMMU; the baseline series
	sweep chase48 chase 48 400 4k,thp iterations=640 pattern=rand && check chase48 48
	base=$(python3 -c "import json; d=json.load(open('$tmp/chase48/chase48/results.json')); print([r for r in d['results'] if r['name']=='iotlb_reach/page_size:4k'][0]['params']['baseline'])")
	[[ $base == thp ]] && echo "ok - chase48: 4K minus the thp series at equal windows" ||
		echo "not ok - chase48: baseline '$base', want thp"
else
	echo "ok - derive with the 2 MiB baseline # SKIP THP disabled"
fi
sweep chase100 chase 100 150 4k iterations=640 && check chase100 100
sweep chase300 chase 300 1000 4k iterations=640 && check chase300 300
# copy engine, seq 4 KiB copies: each repetition sweeps the window twice
sweep copy64 bench 64 400 4k xfer_size=4k iterations=1100 && check copy64 64
# no knee in range: a cache larger than the largest window
sweep big chase 4096 400 4k iterations=640
got=$(python3 -c "import json; d=json.load(open('$tmp/big/big/results.json')); r=[r for r in d['results'] if r['name']=='iotlb_reach/page_size:4k'][0]; print(r['status'], r['reason'].split(';')[0], r['params']['source'])")
if [[ $got == "skipped no knee up to 2 MiB timing" ]]; then
	echo "ok - 4096 entries (beyond the sweep): skipped, no knee up to 2 MiB"
else
	echo "not ok - 4096 entries: got '$got'"
fi
