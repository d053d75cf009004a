#!/usr/bin/env bash
# Lab test (issue 25): the net suite as `make run SUITE=net TARGET=lab` runs
# it (two virtio-net ports behind the vIOMMU on a QEMU hub, the suite's
# "# lab:" line): every row ok in identity, strict and lazy; per packet
# (counters over the packets of the pass that counted them) identity does
# no IOMMU work, strict one invalidation per unmap, lazy almost none; the
# finding and the figure in the report.  Then a second boot: SIGKILL in
# the middle of a strict point, `iommubench restore`, and the ports are
# back in the initial namespace with their groups' types as before.  A
# third: the engine across 2 MPI ranks, one port each (the fleet's one
# port per host).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
. tests/lib/lab-host.sh
lab_prepare net
t0=$SECONDS
RESULTS=$out LAB_TIMEOUT=600 bash scripts/run.sh net lab >"$out/run.log" 2>&1
rc=$?
check "make run SUITE=net TARGET=lab exits 0 (rc=$rc, $((SECONDS - t0)) s: $(tail -n2 "$out/run.log" | tr '\n' ' '))" \
	test "$rc" = 0
d=$(ls -d "$out"/net/qemu-lab-* 2>/dev/null | head -n1)
[[ -f $d/results.json ]] || { nok "net: no results.json ($(tail -n3 "$out/run.log" | tr '\n' ' '))"; exit 1; }
grep -E '^(wall_s|boot_s)=' "$d/lab-run.txt" | sed 's/^/# /'
python3 - "$d" <<'PY'
import json, os, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = sys.argv[1]
doc = json.load(open(os.path.join(d, "results.json")))
rows = [r for r in doc["results"] if r.get("engine") == "net"]
ok(len(rows) == 15 and all(r["status"] == "ok" for r in rows),
   "15 net rows ok: %s" % [(r["name"], r["status"], r.get("reason")) for r in rows if r["status"] != "ok"])
per = {}
for r in rows:
    if r["status"] != "ok":
        continue
    p, mode = r["params"], r["params"]["iommu_mode"]
    it = 40 if p["msg_size"] == 65507 else 200
    reps = r.get("repetitions", 0)  # recorded ones; the warm-up's 1 moves packets too
    want = (reps + 1) * p["threads"] * (it + 1 + 32)  # stream + done + 16 round trips
    cp = r.get("counting_pass", {})
    ok(2 <= reps <= 3 and p["iommu_mode_effective"] == mode and p["ios_timing_pass"] == want and
       cp.get("ios") == want,
       "%s: effective %s, packets timing %s, counting %s (expected %d for %s repetitions + 1 warm-up: none lost)"
       % (r["name"], p["iommu_mode_effective"], p["ios_timing_pass"], cp.get("ios"), want, reps))
    c = {k: v["value"] / (p["ios_timing_pass"] if v["source"].startswith("lab:") else cp["ios"])
         for k, v in r.get("counters", {}).items()}
    per[r["name"]] = c
    ok(r["metrics"]["pps"]["unit"] == "packets_per_s" and r["metrics"]["pps"]["median"] > 0 and
       r["metrics"]["dma_latency_ns"]["n"] == reps * 16 * p["threads"],
       "%s: pps %.0f, %d round trips" % (r["name"], r["metrics"]["pps"]["median"],
                                         r["metrics"]["dma_latency_ns"]["n"]))
    keys = ("iommu_maps", "iommu_unmaps", "iommu_invalidations", "iotlb_miss")
    fmt = " ".join("%s %.3f" % (k, c.get(k, -1)) for k in keys)
    print("# %s per packet: %s" % (r["name"], fmt))
    frames = 45 if p["msg_size"] == 65507 else 1
    if mode == "identity":
        ok(all(c.get(k) == 0 for k in keys), "%s: identity: no IOMMU work per packet: %s" % (r["name"], fmt))
    elif mode == "dma-strict":
        ok(c.get("iommu_maps", 0) >= 2 * frames * 0.95 and
           abs(c.get("iommu_invalidations", -9) - c.get("iommu_unmaps", 0)) < 0.01 and c.get("iotlb_miss", 0) > 0,
           "%s: strict: a map per frame sent and per buffer refilled, one invalidation per unmap: %s" % (r["name"], fmt))
    else:
        ok(c.get("iommu_maps", 0) >= 2 * frames * 0.95 and
           c.get("iommu_invalidations", 9) < 0.05 * c.get("iommu_unmaps", 0),
           "%s: lazy: as many maps, invalidations under 5 %% of the unmaps: %s" % (r["name"], fmt))
fnd = [r for r in doc["results"] if r.get("params", {}).get("kind") == "net_strict_vs_identity"]
ok(len(fnd) == 5 and all(f["finding"].startswith("strict: ") and "invalidations per packet" in f["finding"]
                          and "emulated" in f["finding"] for f in fnd),
   "5 findings 'strict: N invalidations per packet, X %% fewer packets/s than identity': %s"
   % [f["finding"][:90] for f in fnd[:1]])
html = open(os.path.join(d, "report.html")).read()
ok("IOMMU work per packet" in html and os.path.exists(os.path.join(d, "plots", "iommu_per_packet.svg")),
   "report: figure 'IOMMU work per packet' (plots/iommu_per_packet.svg)")
PY

# SIGKILL in the middle of a strict point, then restore
python3 scripts/lab/lab.py exec --out "$out/kill" --nics 2 --no-trace --caching-mode off --timeout 300 -- \
	'types() { for b in 0000:00:02.0 0000:00:04.0; do printf "%s " $(cat /sys/bus/pci/devices/$b/iommu_group/type); done; }
	echo "before: $(types) | $(ls /sys/class/net | tr "\n" " ")"
	iommubench run --engine net --netdev eth0:eth1 --iommu-mode identity --msg-size 1472 --iterations 100000 \
		--min-reps 1 --max-reps 1 --warmup 0 --results-dir /tmp --run-id k >/dev/null 2>&1 & p=$!
	for i in $(seq 200); do [ -e /sys/class/net/eth0 ] || break; sleep 0.1; done
	sleep 1
	echo "during: $(types) | $(ls /sys/class/net | tr "\n" " ")"
	kill -KILL $p; wait $p 2>/dev/null
	iommubench restore >/dev/null 2>&1; echo "restore rc=$?"
	for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && [ -e /sys/class/net/eth1 ] && break; sleep 0.1; done
	echo "after: $(types) | $(ls /sys/class/net | tr "\n" " ") | netns: $(ls /run/netns 2>/dev/null | grep -c iommubench)"' \
	>"$out/kill.log" 2>&1
grep -E '^(before|during|after|restore)' "$out/kill.log" | sed 's/^/# /'
before=$(grep -m1 '^before:' "$out/kill.log" | cut -d' ' -f2-)
during=$(grep -m1 '^during:' "$out/kill.log")
after=$(grep -m1 '^after:' "$out/kill.log")
check "before: both groups DMA, eth0 and eth1 here ($before)" test "$before" = "DMA DMA  | eth0 eth1 lo "
check "during the point: identity, the ports gone into the namespaces ($during)" \
	test "$during" = "during: identity identity  | lo "
check "SIGKILL + iommubench restore: groups DMA again, eth0 and eth1 back, no iommubench- namespace ($after)" \
	test "$after" = "after: DMA DMA  | eth0 eth1 lo  | netns: 0"

# MPI, one port per rank (the fleet's "one port per host", both ranks in
# one guest here): rank 0 sends on eth0, rank 1 receives on eth1, each in
# its own namespace, finding the other on the wire (the handshake); the
# lab's counts split per device (each rank's port).
if [[ ! -f build/libiommubench-mpi.so ]]; then
	echo "ok - net across MPI ranks # SKIP build/libiommubench-mpi.so missing (libopenmpi-dev)"
	exit 0
fi
t0=$SECONDS
python3 scripts/lab/lab.py exec --out "$out/ranks" --ranks 2 --nics 2 --mem 2048 --caching-mode off --timeout 300 -- \
	'iommubench run --engine net --netdev eth0:eth1 --iommu-mode identity,dma-strict,dma-lazy --msg-size 1472 --iterations 200 --warmup 1 --min-reps 2 --max-reps 3 --results-dir /out --run-id r --platform qemu-lab --lab-ctl "$IOMMUBENCH_LAB_CTL"' \
	>"$out/ranks.log" 2>&1
rc=$?
rd=$out/ranks/adhoc/r
check "net as 2 MPI ranks (one port each): exit 0 (rc=$rc, $((SECONDS - t0)) s: $(grep -v '^ ' "$out/ranks.log" | tail -n2 | tr '\n' ' '))" \
	test "$rc" = 0 -a -f "$rd/results.json"
cp "$out/ranks/qemu-trace.log" "$out/ranks/marks.tsv" "$out/ranks/qemu-cmdline.txt" "$rd/" 2>/dev/null
build/iommubench finish "$rd" >"$out/ranks-finish.log" 2>&1 || nok "finish: $(tail -n1 "$out/ranks-finish.log")"
python3 - "$rd" <<'PY'
import json, os, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
doc = json.load(open(os.path.join(sys.argv[1], "results.json")))
rows = [r for r in doc["results"] if r.get("engine") == "net"]
ok(len(rows) == 6 and all(r["status"] == "ok" for r in rows),
   "6 rows (3 modes x 2 ranks) ok: %s" % [(r["name"], r["status"], r.get("reason")) for r in rows if r["status"] != "ok"])
dev = {0: "0000:00:02.0", 1: "0000:00:04.0"}
per = {}
for r in rows:
    p, cp = r["params"], r.get("counting_pass", {})
    k, mode = p.get("rank"), p["iommu_mode"]
    # per repetition through each port, timed (pps): 200 data + done + 16
    # pings + 16 pongs + the answered HELLO + its ACK (none lost; up to 8
    # more for a ping asked again after 500 ms without its pong: A +1, B +2).
    # Untimed, in the counters' divisor only: the HELLOs while the other
    # port came up (backing off from 20 to 320 ms, B answering what queued
    # with one ACK); a CI run on a loaded host had 100 of them per pass
    # before the backoff, all counted in pps
    want = 4 * 235  # warm-up + 3 repetitions
    ut, uc = p.get("ios_untimed_timing_pass", 0), cp.get("ios_untimed", 0)
    ok(p.get("device") == dev.get(k) and p["iommu_mode_effective"] == mode and r["repetitions"] == 3 and
       cp.get("repetitions") == 4 and want <= p["ios_timing_pass"] - ut <= want + 8 and
       want <= cp.get("ios", 0) - uc <= want + 8 and ut <= 60 and uc <= 60 and r.get("lab_marks") == "step",
       "%s: its own port %s, %s, both sides exactly max_reps (3, min_reps 2) and a counting pass, %s/%s datagrams through the port (%s/%s of them untimed, handshake waits), lab marks the step"
       % (r["name"], p.get("device"), p["iommu_mode_effective"], p["ios_timing_pass"], cp.get("ios"), ut, uc))
    c = r.get("counters", {})
    pk = p["ios_timing_pass"] + cp.get("ios", 0)
    per[(mode, k)] = {n: c[n]["value"] / pk for n in ("iommu_invalidations", "iotlb_miss")
                      if c.get(n, {}).get("source", "").startswith("lab:")}
    print("# %s per packet through rank %d's port: %s" % (mode, k, per[(mode, k)]))
for k in (0, 1):
    s, l, i = per.get(("dma-strict", k), {}), per.get(("dma-lazy", k), {}), per.get(("identity", k), {})
    ok(i.get("iommu_invalidations") == 0 and i.get("iotlb_miss") == 0 and
       0.9 <= s.get("iommu_invalidations", 0) <= 1.6 and s.get("iotlb_miss", 0) > 0.9 and
       l.get("iommu_invalidations", 9) < 0.05 * s.get("iommu_invalidations", 0),
       "rank %d's port alone (lab counts by its sid): identity none, strict about one invalidation per packet, lazy under 5 %% of it: %s / %s / %s" % (k, i, s, l))
fnd = [r for r in doc["results"] if r.get("params", {}).get("kind") == "net_strict_vs_identity"]
ok(len(fnd) == 2 and all(f["name"].endswith("/rank:%d" % k) for f, k in zip(sorted(fnd, key=lambda f: f["name"]), (0, 1))),
   "a finding per rank: %s" % [f["finding"][:80] for f in fnd])
PY
