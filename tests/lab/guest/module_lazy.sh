# lab: --mode lazy --caching-mode off
# Issue #3: strict vs lazy unmap.  Without caching mode the guest VT-d
# driver really batches invalidations (DMA-FQ), so one boot compares the
# two by switching the group type of one edu: DMA-FQ (lazy) then DMA
# (strict).  Every strict unmap waits for an IOTLB invalidation through the
# emulated queued-invalidation interface; lazy unmaps only queue the IOVA.
. "$(dirname "$0")/module_lib.sh.inc"

ARGS="engine=map dev=$EDU1 page=4k buf=1m granule=1 iter=2000 warmup=50"
t=$(group_type $EDU1)
if [ "$t" = DMA-FQ ]; then ok "lazy boot: $EDU1 group type DMA-FQ"; else nok "lazy boot: $EDU1 group type $t"; fi
if $T info | grep "^device $EDU1 " | grep -q 'domain dma-fq '; then ok "GET_INFO reports dma-fq"; else nok "GET_INFO domain: $($T info | grep "^device $EDU1 ")"; fi

lazy_sum=; lazy_n=
if run_ib map-lazy $ARGS; then
	lazy_sum=$(metric "$OUT" unmap_ns sum)
	lazy_n=$(metric "$OUT" unmap_ns count)
	[ "$(field "$OUT" domain)" = dma-fq ] && ok "map in DMA-FQ: $lazy_n unmaps" || nok "map in DMA-FQ: domain $(field "$OUT" domain)"
fi
# isolation holds in lazy mode too (the flush queue drains within 10 ms,
# an edu DMA takes 100 ms: the lab cannot see the stale-IOTLB window)
if run_ib iso-lazy engine=edu op=isolation dev=$EDU1 buf=16k; then
	[ "$(field "$OUT" verdict)" = isolated ] && ok "isolation in DMA-FQ: isolated" || nok "isolation in DMA-FQ: $(field "$OUT" verdict)"
fi

if run_ib edu-lazy engine=edu dev=$EDU1 buf=256k xfer=2048 pattern=rand dir=bidir verify=1 iter=20; then
	[ "$(field "$OUT" verify_errors)" = 0 ] && [ "$(metric "$OUT" dma_latency_ns count)" = 20 ] &&
		ok "edu DMA in DMA-FQ without caching mode: 20 verified" || nok "edu DMA in DMA-FQ: $(echo "$OUT" | grep ^result)"
fi

if set_type $EDU1 DMA && [ "$(group_type $EDU1)" = DMA ]; then
	if run_ib map-strict $ARGS; then
		s_sum=$(metric "$OUT" unmap_ns sum)
		s_n=$(metric "$OUT" unmap_ns count)
		if [ -n "$lazy_sum" ] && [ "$lazy_n" -gt 0 ] && [ "$s_n" -gt 0 ]; then
			lm=$((lazy_sum / lazy_n))
			sm=$((s_sum / s_n))
			# ratio x100 in integer arithmetic
			ratio=$((sm * 100 / (lm > 0 ? lm : 1)))
			echo "# unmap mean: strict $sm ns, lazy $lm ns, ratio $((ratio / 100)).$(printf %02d $((ratio % 100)))"
			if [ $ratio -ge 120 ]; then
				ok "strict unmap slower than lazy: $sm ns vs $lm ns (x$((ratio / 100)).$(printf %02d $((ratio % 100))))"
			else
				nok "strict unmap not measurably slower: $sm ns vs $lm ns"
			fi
		else
			nok "strict vs lazy: missing figures"
		fi
	fi
else
	nok "switch $EDU1 to DMA (strict): $(group_type $EDU1)"
fi
set_type $EDU1 DMA-FQ
# fold per-CPU vmstat deltas so the after-boot pin-leak check reads exact counters
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
