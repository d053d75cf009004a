#!/usr/bin/env python3
"""make peer-check, the report: ours/peer per point from one lab run.

    report.py OUTDIR JSON [--tolerance 0.05]

OUTDIR holds what scripts/peer/guest.sh wrote:
peer-<mode>-<4k|2m>-<100ns|ns|sg>.txt (the kernel tool's output: upstream in
100 ns units, upstream in raw ns, and the like-for-like variant whose timed
calls are dma_map_sgtable/dma_unmap_sgtable of a one-entry sg table) and
peer/<default|live>/results.json (ours: the default counters, and
--counters inline).  Prints one table and writes JSON with, per point (mode
x page size x metric):
- the peer's means: upstream (100 ns units, and raw ns) and sgtable (raw ns);
- our mean and median, default counters (the headline) and inline;
- ratio = ours (default counters) / peer sgtable: the like-for-like
  comparison, PASS/FAIL against the tolerance; next to it ours / peer
  upstream (raw ns and 100 ns units) and ours inline / peer sgtable;
- api_delta_ns = peer upstream (raw ns) - peer sgtable: what
  dma_map_single costs more than dma_map_sgtable, measured per point;
- probe_cost_ns = ours inline - ours default: the tracepoints' cost.
Checked, or the run is refused (exit 2): every default row was timed with
no tracefs live (params.counters_live) and counted tracefs in a counting
pass (so tracefs was mounted and working: the default, not an unmount, kept
it out of the timing); every inline row was timed with tracefs live.
Exit: 0 every point measured (a ratio outside the tolerance is a finding,
shown as FAIL, not an error; PEER_STRICT=1 makes it exit 2), 2 a point or
a file is missing or unreadable, or a check above failed.
"""
import json
import os
import re
import sys

MODES = ("strict", "lazy")
POINTS = (("4k", 1), ("2m", 512))
METRICS = ("map", "unmap")
VARIANTS = ("100ns", "ns", "sg")
RUNS = ("default", "live")
IOMMU_MODE = {"strict": "dma-strict", "lazy": "dma-lazy"}
LINE = re.compile(r"average (map|unmap) latency\((us|ns)\):([0-9.]+) standard deviation:([0-9.]+)")


def parse_peer(path):
    """{'map': (mean_ns, stddev_ns), 'unmap': ...} from the tool's output, or
    None.  Upstream prints 100 ns units as "us" with one decimal (x.y us =
    xy00 ns); the ns tool prints "(ns)"."""
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
    """{(mode, page_size, granule): {'map': row metric, 'unmap': ..., ...}} of ok rows."""
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return None
    rows = {}
    for r in doc.get("results", []):
        if r.get("status") != "ok":
            continue
        p = r.get("params", {})
        key = (p.get("iommu_mode"), p.get("page_size"), int(p.get("granule", 0)))
        rows[key] = {m: r.get("metrics", {}).get(m + "_ns") for m in METRICS}
        rows[key]["name"] = r.get("name")
        rows[key]["counters"] = p.get("counters")
        rows[key]["counters_live"] = p.get("counters_live")
        cp = r.get("counting_pass")
        rows[key]["counting_pass"] = cp.get("sources") if isinstance(cp, dict) and not cp.get("error") else None
        rows[key]["direction"] = p.get("direction")
        # tracefs counts in the row (from whichever pass)
        rows[key]["tracefs_counted"] = any(str(c.get("source", "")).startswith("tracefs:")
                                           for c in r.get("counters", {}).values())
    return rows


def check_row(run, row):
    """None, or why this row is not what its run claims to be."""
    live = row.get("counters_live")
    if not isinstance(live, list):
        return "no params.counters_live (a harness from before --counters?)"
    if run == "default":
        if "tracefs" in live:
            return f"tracefs live while timing (counters_live {live})"
        if "tracefs" not in (row.get("counting_pass") or []):
            return (f"no tracefs counting pass (counting_pass {row.get('counting_pass')}): "
                    "tracefs was not available, so the row does not show that the default keeps it out")
        if not row.get("tracefs_counted"):
            return "no tracefs counts in the row"
    elif "tracefs" not in live:
        return f"tracefs not live while timing (counters_live {live})"
    return None


def ratio(a, b):
    return round(a / b, 4) if a and b else None


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
    ours = {run: parse_ours(os.path.join(outdir, "peer", run, "results.json")) for run in RUNS}
    missing, bad, points = [], [], []
    for run in RUNS:
        for key, row in sorted((ours[run] or {}).items(), key=str):
            why = check_row(run, row)
            if why:
                bad.append(f"ours {run} {row.get('name')}: {why}")
    for mode in MODES:
        for ps, g in POINTS:
            peer = {v: parse_peer(os.path.join(outdir, f"peer-{mode}-{ps}-{v}.txt")) for v in VARIANTS}
            for v, got in peer.items():
                if got is None:
                    missing.append(f"peer-{mode}-{ps}-{v}.txt")
            for run in RUNS:
                if ours[run] is None or (IOMMU_MODE[mode], ps, g) not in ours[run]:
                    missing.append(f"ours {run} {IOMMU_MODE[mode]} {ps} granule {g}")
            for met in METRICS:
                def pv(v, i=0):
                    return peer[v] and peer[v][met][i]
                pt = {"mode": mode, "page_size": ps, "granule": g, "metric": met + "_ns",
                      "peer_upstream_mean_ns_100ns_units": pv("100ns"),
                      "peer_upstream_mean_ns": pv("ns"), "peer_upstream_stddev_ns": pv("ns", 1),
                      "peer_sgtable_mean_ns": pv("sg"), "peer_sgtable_stddev_ns": pv("sg", 1)}
                for run in RUNS:
                    row = (ours[run] or {}).get((IOMMU_MODE[mode], ps, g), {})
                    m = row.get(met) or {}
                    pt[f"ours_{run}_mean_ns"] = m.get("mean")
                    pt[f"ours_{run}_median_ns"] = m.get("median")
                    pt[f"ours_{run}_n"] = m.get("n")
                    pt[f"ours_{run}_counters_live"] = row.get("counters_live")
                    pt[f"ours_{run}_counting_pass"] = row.get("counting_pass")
                    pt.setdefault("direction", row.get("direction"))
                od, ol = pt["ours_default_mean_ns"], pt["ours_live_mean_ns"]
                ps_, pu, p1 = pt["peer_sgtable_mean_ns"], pt["peer_upstream_mean_ns"], \
                    pt["peer_upstream_mean_ns_100ns_units"]
                pt["ratio"] = ratio(od, ps_)
                pt["verdict"] = "MISSING" if pt["ratio"] is None else \
                    ("PASS" if abs(pt["ratio"] - 1) <= tol else "FAIL")
                pt["ratio_vs_upstream"] = ratio(od, pu)
                pt["verdict_vs_upstream"] = "MISSING" if pt["ratio_vs_upstream"] is None else \
                    ("PASS" if abs(pt["ratio_vs_upstream"] - 1) <= tol else "FAIL")
                pt["ratio_vs_upstream_100ns_units"] = ratio(od, p1)
                pt["ratio_live"] = ratio(ol, ps_)
                pt["api_delta_ns"] = round(pu - ps_, 1) if pu is not None and ps_ is not None else None
                pt["probe_cost_ns"] = round(ol - od, 1) if ol is not None and od is not None else None
                points.append(pt)
    doc = {"schema": "iommubench-peer-check/2", "tolerance": tol,
           "comparison": "ours (default counters) mean / peer mean, dma_map_sgtable variant, raw ns",
           "points": points, "missing": missing, "refused": bad}
    with open(jpath, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    def fmt(x, nd=0, sign=False):
        return "-" if x is None else (f"{x:+.{nd}f}" if sign else f"{x:.{nd}f}")
    form = "%-21s %6s %6s %6s %7s %7s %6s %7s %6s %7s %7s %6s %6s"
    print(form % ("point", "up/100", "up ns", "sg ns", "ours", "median", "ratio", "verdict",
                  "vs up", "api", "inline", "probe", "r.inl"))
    for pt in points:
        name = f"{pt['mode']} {pt['page_size']} g{pt['granule']} {pt['metric'][:-3]}"
        print(form % (
            name, fmt(pt["peer_upstream_mean_ns_100ns_units"]), fmt(pt["peer_upstream_mean_ns"]),
            fmt(pt["peer_sgtable_mean_ns"]), fmt(pt["ours_default_mean_ns"]),
            fmt(pt["ours_default_median_ns"]), fmt(pt["ratio"], 3), pt["verdict"],
            fmt(pt["ratio_vs_upstream"], 3), fmt(pt["api_delta_ns"], 0, True),
            fmt(pt["ours_live_mean_ns"]), fmt(pt["probe_cost_ns"], 0, True), fmt(pt["ratio_live"], 3)))
    npass = sum(p["verdict"] == "PASS" for p in points)
    nup = sum(p["verdict_vs_upstream"] == "PASS" for p in points)
    print(f"peer-check: {npass} of {len(points)} points within ±{tol * 100:g} % like for like "
          f"(ours, default counters / peer dma_map_sgtable, raw ns); {nup} of {len(points)} against "
          f"upstream's dma_map_single; {jpath}")
    if missing or bad:
        for what, lst in (("missing", missing), ("refused", bad)):
            if lst:
                print(f"peer-check: {what}: {', '.join(lst)}", file=sys.stderr)
        return 2
    if os.environ.get("PEER_STRICT") == "1" and npass != len(points):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
