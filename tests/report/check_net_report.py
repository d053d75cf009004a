#!/usr/bin/env python3
"""Checks a derived and reported net run (tests/report/test_net_report.sh):
    check_net_report.py RUN_DIR VARIANT
RUN_DIR holds results.json (after `iommubench finish` or derive + report) and
plots/data/iommu_per_packet.dat; VARIANT is lab (tests/fixtures/net/run) or
one of tests/report/net_variant.py's modes.  Prints TAP-ish lines.

The per-packet rule is recomputed here from the rows, independently of the
harness (docs/engines-net.md, "What the counters divide by"): a counter
whose source counted in the counting pass divides by counting_pass.ios --
the lab's ("lab:...") when lab_marks is "counting", another source when
counting_pass.sources names it -- else by params.ios_timing_pass.  The
finding net_strict_vs_identity is expected for every ok dma-strict row with
an ok identity row of the same name but for the mode, and for no other."""
import json
import os
import sys

run, variant = sys.argv[1], sys.argv[2]
doc = json.load(open(os.path.join(run, "results.json")))
rows = doc["results"]
lab = doc["context"].get("platform") == "qemu-lab"


def ok(c, m):
    print(("ok - " if c else "not ok - ") + variant + ": " + m)


def packets(r, counter):
    src = r["counters"][counter]["source"]
    cp = r.get("counting_pass", {})
    if src.startswith("lab:"):
        return cp["ios"] if r.get("lab_marks") == "counting" else r["params"]["ios_timing_pass"]
    if any(src.startswith(s + ":") for s in cp.get("sources", [])):
        return cp["ios"]
    return r["params"]["ios_timing_pass"]


def per_packet(r, counter):
    return r["counters"][counter]["value"] / packets(r, counter)


def num3(v):
    return "%.0f" % v if abs(v) >= 100 else "%.3g" % v


measured = {r["name"]: r for r in rows if r.get("run_type") == "measured"}
good = {n: r for n, r in measured.items() if r["status"] == "ok" and "pps" in r["metrics"]}
want = {}  # finding name -> (strict row, identity row)
for n, r in good.items():
    if r["params"]["iommu_mode_effective"] != "dma-strict":
        continue
    twin = good.get(n.replace("iommu_mode:dma-strict", "iommu_mode:identity"))
    if twin and twin["params"]["iommu_mode_effective"] == "identity":
        want["finding/net_strict_vs_identity/" + n.replace("/iommu_mode:dma-strict", "")] = (r, twin)
got = [r for r in rows if r.get("run_type") == "derived" and r["name"].startswith("finding/")]
ok([r["name"] for r in got] == list(want),
   "finding rows: exactly the strict rows with an ok identity twin, in row order: %s (expected %s)"
   % ([r["name"] for r in got], list(want)))
bad = []
for f in got:
    s, z = want.get(f["name"], (None, None))
    if s is None:
        continue
    p, m = f["params"], f["metrics"].get("pps_fewer_percent", {})
    inv = per_packet(s, "iommu_invalidations")
    ps, pz = s["metrics"]["pps"]["median"], z["metrics"]["pps"]["median"]
    fewer = 100 * (1 - ps / pz)
    label = f["name"][len("finding/net_strict_vs_identity/"):]
    text = ("strict: %s invalidations per packet, %s %% %s packets/s than identity (%s: %s vs %s pps)%s"
            % (num3(inv), num3(abs(fewer)), "fewer" if fewer >= 0 else "more", label, num3(ps),
               num3(pz), "; emulated: guest instruction time, not hardware" if lab else ""))
    checks = [
        (f["finding"] == text, "text %r != %r" % (f["finding"], text)),
        (p.get("kind") == "net_strict_vs_identity", "kind %s" % p.get("kind")),
        (p.get("source_rows") == [s["name"], z["name"]], "source_rows %s" % p.get("source_rows")),
        (abs(p.get("invalidations_per_packet", -1) - inv) < 1e-6,
         "invalidations_per_packet %s != %s" % (p.get("invalidations_per_packet"), inv)),
        (p.get("pps_strict") == ps and p.get("pps_identity") == pz,
         "pps %s/%s" % (p.get("pps_strict"), p.get("pps_identity"))),
        (abs(m.get("median", 1e9) - fewer) < 1e-6 and m.get("unit") == "percent"
         and m.get("n") == 2, "pps_fewer_percent %s != %s" % (m, fewer)),
        (f["status"] == "ok" and f["bench"] == "findings", "status %s" % f["status"]),
    ]
    bad += ["%s: %s" % (f["name"], why) for c, why in checks if not c]
if want:
    ok(got and not bad, "each finding: text, invalidations per packet from the pass that counted them, "
       "pps medians, fewer-percent metric, source rows (recomputed here)%s"
       % (": " + "; ".join(bad) if bad else ""))
    ok(all(("emulated: guest instruction time" in f["finding"]) == lab for f in got),
       "'emulated' in every finding's text %s" % ("(qemu-lab)" if lab else "absent (a host run)"))

# the figure's data: one bar group per ok net row with its counters
dat = os.path.join(run, "plots", "data", "iommu_per_packet.dat")
lines = open(dat).read().splitlines() if os.path.exists(dat) else []
ok(lines[:1] == ["# label maps unmaps invalidations iotlb_misses (per packet)"],
   "plots/data/iommu_per_packet.dat written, per packet: %s" % lines[:1])
bars = {}
for ln in lines[1:]:
    label, rest = ln[1:].split('" ')
    bars[label] = rest.split()
exp = {}
for n, r in good.items():
    p = r["params"]
    label = "%s job=%s threads=%d %dB" % (p["iommu_mode_effective"], r["bench"], p["threads"],
                                         p["msg_size"])
    exp[label] = ["%.4g" % per_packet(r, k)
                  for k in ("iommu_maps", "iommu_unmaps", "iommu_invalidations", "iotlb_miss")]
bad = ["%s: %s != %s" % (k, bars.get(k), v) for k, v in exp.items() if bars.get(k) != v]
bad += ["%s: no such row" % k for k in bars if k not in exp]
ok(len(lines) - 1 == len(exp) and not bad,
   "%d bars, each counter over the packets of its pass (recomputed here)%s"
   % (len(exp), ": " + "; ".join(bad) if bad else ""))
modes = [ln[1:].split(" ", 1)[0] for ln in lines[1:]]
rank = {"identity": 0, "dma-lazy": 1, "dma-strict": 2}
ok(modes == sorted(modes, key=lambda m: rank[m]),
   "bars grouped by effective mode, identity, lazy, strict: %s" % modes)
