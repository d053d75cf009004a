# lab: --mode strict --caching-mode on
# Issue #3 robustness in the guest: every ioctl field validated, -EBUSY for
# a second run on a busy device, rmmod and unbind during a run are safe,
# and 10000 random ioctl structs cause no oops.  The pinned-page leak check
# and the dmesg BUG/WARNING/Oops check run after every boot (run-guest.sh).
. "$(dirname "$0")/module_lib.sh.inc"

# ---- validation: each bad field gives the expected errno ----
$T validate $EDU0 2>&1
rc=$?
[ $rc = 0 ] || nok "validation battery exited $rc"
n=$(dmesg | grep -c 'iommubench: .*=.*: ')
if [ "$n" -gt 20 ]; then ok "validation errors logged with the field name ($n lines)"; else nok "validation pr_err lines: $n"; fi

# ---- busy ----
$T busy $EDU1 2>&1

# ---- rmmod while a run is in progress: refused, run finishes ----
$T run engine=edu dev=$EDU1 buf=64k xfer=1024 dur_ms=1000 > /tmp/bg1.txt 2>&1 &
bg=$!
sleep 0.3
if rmmod iommubench 2>/tmp/rmmod.txt; then
	nok "rmmod during a run succeeded"
else
	ok "rmmod during a run refused: $(head -n1 /tmp/rmmod.txt)"
fi
wait $bg
if grep -q '^metric dma_latency_ns' /tmp/bg1.txt; then ok "the run survived the rmmod attempt"; else nok "run during rmmod: $(tail -n1 /tmp/bg1.txt)"; fi

# ---- unbind while a run is in progress: remove() waits, run stops early ----
$T run engine=edu dev=$EDU1 buf=64k xfer=1024 dur_ms=3000 > /tmp/bg2.txt 2>&1 &
bg=$!
sleep 0.3
echo $EDU1 > $DRV/unbind
wait $bg
if grep -q '^result' /tmp/bg2.txt && [ ! -e $DRV/$EDU1 ]; then
	ok "unbind during a run: the run ended cleanly, device unbound"
else
	nok "unbind during a run: $(tail -n1 /tmp/bg2.txt)"
fi
echo $EDU1 > $DRV/bind
if [ -e $DRV/$EDU1 ] && $T run engine=edu dev=$EDU1 buf=16k xfer=512 verify=1 iter=2 | grep -q 'verify_errors=0'; then
	ok "rebind after unbind: edu DMA works again"
else
	nok "rebind after unbind"
fi

# ---- the caller killed mid-run: threads stop, everything is released ----
$T run engine=edu dev=$EDU0 buf=64k xfer=1024 dur_ms=5000 > /dev/null 2>&1 &
bg=$!
sleep 0.3
kill -9 $bg
wait $bg 2>/dev/null
if $T info | grep "^device $EDU0 " | grep -q 'busy 0' &&
	$T run engine=edu dev=$EDU0 buf=16k xfer=512 verify=1 iter=2 | grep -q 'verify_errors=0'; then
	ok "SIGKILL during a run: device released and usable"
else
	nok "SIGKILL during a run: $($T info | grep "^device $EDU0 ")"
fi

# ---- fuzz ----
# the fuzz floods the log with (ratelimited) validation errors: look for
# trouble from the earlier tests before it can scroll out of the ring buffer
if dmesg | grep -Eq 'BUG|WARNING|Oops|general protection'; then
	nok "kernel log before the fuzz: $(dmesg | grep -E 'BUG|WARNING|Oops' | head -n1)"
else
	ok "kernel log clean before the fuzz"
fi
t0=$(date +%s)
out=$($T fuzz 10000 12345 $EDU0 2>&1)
rc=$?
echo "# $out"
if [ $rc = 0 ] && grep -q '^iommubench ' /proc/modules && $T info > /dev/null; then
	ok "fuzz: 10000 random ioctls, module still answers ($(( $(date +%s) - t0 )) s)"
else
	nok "fuzz: rc=$rc"
fi
if dmesg | grep -Eq 'BUG|WARNING|Oops|general protection'; then
	nok "fuzz: kernel log has BUG/WARNING/Oops: $(dmesg | grep -E 'BUG|WARNING|Oops' | head -n1)"
else
	ok "fuzz: no BUG/WARNING/Oops in the kernel log"
fi
# no device left busy, nothing pinned by us (the global check runs later too)
if $T info | grep '^device' | grep -q 'busy 1'; then nok "a device is still busy after the runs"; else ok "no device left busy"; fi
# fold the per-CPU vmstat deltas first, or the two counters may lag apart
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
a=$(sed -n 's/^nr_foll_pin_acquired //p' /proc/vmstat)
r=$(sed -n 's/^nr_foll_pin_released //p' /proc/vmstat)
if [ "$a" = "$r" ]; then ok "no pinned-page leak after fuzz (acquired=$a released=$r)"; else nok "pin leak: acquired=$a released=$r"; fi

# ---- access: non-root ----
$T nonroot 2>&1

# ---- unload with devices bound, load again ----
if rmmod iommubench && [ ! -e /dev/iommubench ] && [ ! -e $DRV ]; then
	ok "rmmod with both edus bound: devices released, /dev/iommubench gone"
else
	nok "rmmod at the end"
fi
insmod /opt/iommubench/iommubench.ko
if [ "$($T info | grep -c '^device ')" = 2 ]; then ok "insmod again: both edus bound"; else nok "insmod again: $($T info 2>&1 | tail -n1)"; fi
# fold per-CPU vmstat deltas so the after-boot pin-leak check reads exact counters
echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
