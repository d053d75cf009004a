#!/usr/bin/env python3
"""make peer-check, the report: ours/peer per point from one lab run.

    report.py OUTDIR JSON [--tolerance 0.05]

OUTDIR holds what scripts/peer/guest.sh wrote: peer-<mode>-<4k|2m>-<100ns|ns>.txt
(the kernel tool's output) and peer/<live|notrace>/results.json (ours).
Prints one table and writes JSON with, per point (mode x page size x
metric): the peer's mean in 100 ns units (as upstream reports it) and in
raw ns (the patched variant), our mean and median with tracefs off and
live, the ratios ours/peer-ns and PASS/FAIL against the tolerance (tracefs
off), and the same after taking the known API difference off our mean.
Exit: 0 every point measured (a ratio outside the tolerance is a finding,
shown as FAIL, not an error; PEER_STRICT=1 makes it exit 2), 2 a point or
a file is missing or unreadable.
"""
import json
import os
import re
import sys

MODES = ("strict", "lazy")
POINTS = (("4k", 1), ("2m", 512))
METRICS = ("map", "unmap")
IOMMU_MODE = {"strict": "dma-strict", "lazy": "dma-lazy"}
# What dma_map_sgtable (ours) costs more than dma_map_single (the peer) per
# call, measured for 4k/granule 1 on the 6.1 lab kernel (issue 10,
# LAB-NOTES): the "api-adjusted" ratio takes it off our mean.  A model, shown
# next to the raw ratio, never instead of it (docs/peer-check.md).
API_DELTA_NS = {"map": 158.0, "unmap": -124.0}
LINE = re.compile(r"average (map|unmap) latency\((us|ns)\):([0-9.]+) standard deviation:([0-9.]+)")


def parse_peer(path):
    """{'map': (mean_ns, stddev_ns), 'unmap': ...} from the tool's output, or
    None.  Upstream prints 100 ns units as "us" with one decimal (x.y us =
    xy00 ns); the ns variant prints "(ns)"."""
    try:
        text = open(path).read()
    except OSError:
        return None
    got = {}
    for m in LINE.finditer(text):
        scale = 1000.0 if m.group(2) == "us" else 1.0
        got[m.group(1)] = (float(m.group(3)) * scale, float(m.group(4)) * scale)
    return got if set(got) == set(METRICS) else None


def parse_ours(path):
    """{(mode, page_size, granule): {'map': row metric, 'unmap': ...}} of ok rows."""
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return None, None
    rows = {}
    for r in doc.get("results", []):
        if r.get("status") != "ok":
            continue
        p = r.get("params", {})
        key = (p.get("iommu_mode"), p.get("page_size"), int(p.get("granule", 0)))
        rows[key] = {m: r.get("metrics", {}).get(m + "_ns") for m in METRICS}
        rows[key]["counters_live"] = p.get("counters_live")
        rows[key]["direction"] = p.get("direction")
        # tracefs counts in the row: the iommu tracepoints were enabled in the run
        rows[key]["tracefs"] = any(str(c.get("source", "")).startswith("tracefs:")
                                   for c in r.get("counters", {}).values())
    return rows, doc.get("context", {})


def main():
    args = sys.argv[1:]
    tol = 0.05
    if "--tolerance" in args:
        i = args.index("--tolerance")
        try:
            tol = float(args[i + 1])
        except (IndexError, ValueError):
            sys.exit("peer report: --tolerance: expected a fraction such as 0.05")
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit("peer report: usage: report.py OUTDIR JSON [--tolerance 0.05]")
    outdir, jpath = args
    ours = {}
    for run in ("notrace", "live"):
        ours[run], _ = parse_ours(os.path.join(outdir, "peer", run, "results.json"))
    missing, points = [], []
    traced = [k for k, r in (ours["notrace"] or {}).items() if r.get("tracefs")]
    if traced:
        missing.append(f"a tracefs-off run: ours notrace has tracefs counts in {len(traced)} rows")
    for mode in MODES:
        for ps, g in POINTS:
            peer = {v: parse_peer(os.path.join(outdir, f"peer-{mode}-{ps}-{v}.txt")) for v in ("100ns", "ns")}
            for v, got in peer.items():
                if got is None:
                    missing.append(f"peer-{mode}-{ps}-{v}.txt")
            for run in ("notrace", "live"):
                if ours[run] is None or (IOMMU_MODE[mode], ps, g) not in ours[run]:
                    missing.append(f"ours {run} {IOMMU_MODE[mode]} {ps} granule {g}")
            for met in METRICS:
                pt = {"mode": mode, "page_size": ps, "granule": g, "metric": met + "_ns",
                      "peer_mean_ns_100ns_units": peer["100ns"] and peer["100ns"][met][0],
                      "peer_mean_ns": peer["ns"] and peer["ns"][met][0],
                      "peer_stddev_ns": peer["ns"] and peer["ns"][met][1]}
                for run in ("notrace", "live"):
                    row = (ours[run] or {}).get((IOMMU_MODE[mode], ps, g), {})
                    m = row.get(met) or {}
                    pt[f"ours_{run}_mean_ns"] = m.get("mean")
                    pt[f"ours_{run}_median_ns"] = m.get("median")
                    pt[f"ours_{run}_n"] = m.get("n")
                    pt[f"ours_{run}_counters_live"] = row.get("counters_live")
                    pt[f"ours_{run}_tracefs_counted"] = row.get("tracefs")
                    pt.setdefault("direction", row.get("direction"))
                    pn = pt["peer_mean_ns"]
                    pt[f"ratio_{run}"] = round(m["mean"] / pn, 4) if m.get("mean") and pn else None
                    p1 = pt["peer_mean_ns_100ns_units"]
                    pt[f"ratio_{run}_vs_100ns"] = round(m["mean"] / p1, 4) if m.get("mean") and p1 else None
                r = pt["ratio_notrace"]
                pt["verdict"] = "MISSING" if r is None else ("PASS" if abs(r - 1) <= tol else "FAIL")
                m, pn = pt["ours_notrace_mean_ns"], pt["peer_mean_ns"]
                pt["api_delta_ns"] = API_DELTA_NS[met]
                ra = round((m - API_DELTA_NS[met]) / pn, 4) if m and pn else None
                pt["ratio_api_adjusted"] = ra
                pt["verdict_api_adjusted"] = "MISSING" if ra is None else ("PASS" if abs(ra - 1) <= tol else "FAIL")
                points.append(pt)
    doc = {"schema": "iommubench-peer-check/1", "tolerance": tol,
           "comparison": "ours (tracefs off) mean / peer mean in raw ns (patched variant)",
           "points": points, "missing": missing}
    with open(jpath, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    def fmt(x, nd=0):
        return "-" if x is None else f"{x:.{nd}f}"
    hdr = ("point", "peer/100ns", "peer ns", "ours off", "med off", "ratio", "verdict",
           "api-adj", "verdict", "ours live", "ratio live")
    print("%-28s %10s %9s %9s %9s %7s %7s %7s %7s %9s %10s" % hdr)
    for pt in points:
        name = f"{pt['mode']} {pt['page_size']} g{pt['granule']} {pt['metric']}"
        print("%-28s %10s %9s %9s %9s %7s %7s %7s %7s %9s %10s" % (
            name, fmt(pt["peer_mean_ns_100ns_units"]), fmt(pt["peer_mean_ns"]),
            fmt(pt["ours_notrace_mean_ns"]), fmt(pt["ours_notrace_median_ns"]),
            fmt(pt["ratio_notrace"], 3), pt["verdict"], fmt(pt["ratio_api_adjusted"], 3),
            pt["verdict_api_adjusted"], fmt(pt["ours_live_mean_ns"]), fmt(pt["ratio_live"], 3)))
    npass = sum(p["verdict"] == "PASS" for p in points)
    nadj = sum(p["verdict_api_adjusted"] == "PASS" for p in points)
    print(f"peer-check: {npass} of {len(points)} points within ±{tol * 100:g} % "
          f"(ours with tracefs off / peer in ns), {nadj} of {len(points)} after the "
          f"dma_map_sgtable-vs-dma_map_single difference ({API_DELTA_NS['map']:+g}/"
          f"{API_DELTA_NS['unmap']:+g} ns); {jpath}")
    if missing:
        print(f"peer-check: missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    if os.environ.get("PEER_STRICT") == "1" and npass != len(points):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
