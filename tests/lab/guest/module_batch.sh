# lab: --mode strict --caching-mode on
# Issue 22 §6: the map engine's batch pattern.  batch=N maps N chunks, then
# unmaps all N; batch=1 (and 0: an older tool) keeps map-unmap pairs.  The
# order is read from the iommu:map and iommu:unmap tracepoints, run-length
# encoded ("M1 U1 M300 U300": the untimed map+unmap of prepare(), then one
# batch), and the counts from the module's stats, in strict (DMA) and lazy
# (DMA-FQ, switched at run time) mode.
. "$(dirname "$0")/module_lib.sh.inc"

TR=/sys/kernel/tracing
# room for 2 x 4096 events and more (the default 1.4 MB per CPU may drop some)
echo 8192 > $TR/buffer_size_kb
ev_on() {
	echo > $TR/trace
	echo 1 > $TR/events/iommu/map/enable
	echo 1 > $TR/events/iommu/unmap/enable
}
ev_off() {
	echo 0 > $TR/events/iommu/map/enable
	echo 0 > $TR/events/iommu/unmap/enable
}
# "M<n> U<n> ..." from the trace: runs of map (M) and unmap (U) events
ev_seq() {
	awk '{ for (i = 1; i <= NF; i++) if ($i == "map:" || $i == "unmap:") { print ($i == "map:" ? "M" : "U"); break } }' $TR/trace |
		awk '$1 != p { if (p != "") printf "%s%d ", p, n; p = $1; n = 0 } { n++ } END { if (p != "") printf "%s%d", p, n }'
}
# want_seq N ITER: prepare's pair, then ITER times N maps and N unmaps
want_seq() {
	_w="M1 U1"
	_i=0
	while [ $_i -lt $2 ]; do _w="$_w M$1 U$1"; _i=$((_i + 1)); done
	echo "$_w"
}

# batch_case LABEL N ITER [BUF]: ITER iterations of batch=N (no warm-up) on
# $EDU0, in a buffer of BUF (default 2m: 512 pages)
batch_case() {
	_bl=$1 _bn=$2 _bi=$3 _bb=${4:-2m}
	ev_on
	if run_ib "$_bl" engine=map dev=$EDU0 page=4k buf=$_bb granule=1 threads=1 \
		warmup=0 iter=$_bi batch=$_bn; then
		ev_off
		_seq=$(ev_seq)
		_want=$(want_seq $_bn $_bi)
		[ "$_bn" -le 1 ] && _want=$(want_seq 1 $_bi)
		if [ "$_seq" = "$_want" ]; then
			ok "$_bl: iommu:map/unmap order '$(echo "$_seq" | cut -c1-40)...' ($((_bi * (_bn > 1 ? _bn : 1))) maps)"
		else
			nok "$_bl: iommu:map/unmap order '$(echo "$_seq" | cut -c1-200)', want '$(echo "$_want" | cut -c1-200)'"
		fi
		_per=$((_bn > 1 ? _bn : 1))
		_m=$(metric "$OUT" map_ns count)
		_u=$(metric "$OUT" unmap_ns count)
		if [ "$_m" = $((_bi * _per)) ] && [ "$_u" = $((_bi * _per)) ]; then
			ok "$_bl: $_m map_ns and $_u unmap_ns samples"
		else
			nok "$_bl: map_ns count $_m, unmap_ns count $_u, want $((_bi * _per)) each"
		fi
	fi
	ev_off
}

set_type $EDU0 DMA
batch_case "batch=300 strict" 300 2
batch_case "batch=1 strict (pairs)" 1 6
batch_case "batch=0 strict (an older tool: pairs)" 0 6
if set_type $EDU0 DMA-FQ && [ "$(group_type $EDU0)" = DMA-FQ ]; then
	batch_case "batch=300 lazy" 300 2
	batch_case "batch=4096 lazy" 4096 1 16m
else
	nok "batch lazy: group of $EDU0 not switched to DMA-FQ ($(group_type $EDU0))"
fi
set_type $EDU0 DMA

# refused: more chunks than the window holds (EINVAL, one pr_err naming batch)
dmesg -c > /dev/null
OUT=$($T run engine=map dev=$EDU0 buf=64k granule=1 iter=1 batch=17 2>&1)
RC=$?
if [ $RC = 2 ] && echo "$OUT" | grep -q 'errno 22' && dmesg | grep -q 'batch=17: 17 chunks of granule=1 pages exceed window=65536'; then
	ok "batch=17 in a 16-page window: EINVAL, dmesg names batch"
else
	nok "batch=17 in a 16-page window: rc=$RC '$OUT' dmesg '$(dmesg | tail -n1)'"
fi
