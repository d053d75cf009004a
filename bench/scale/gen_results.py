#!/usr/bin/env python3
"""Writes OUT_DIR/results.json: a synthetic run of N rows in the contract
shape (docs/architecture.md), for measuring `iommubench report` and `compare` at
scale (scripts/bench-report-scale.sh, tests/reliability/test_report_scale.sh).

The rows look like a large real sweep: window sweeps over page sizes,
windows, IOMMU modes, patterns, transfer sizes, threads and directions
(dma_latency_ns, bandwidth_bytes_per_s and the IOTLB counters), map/unmap
points per mode, page size, granule and threads, NUMA placements over
cpu/mem/dev nodes, a few skipped and error rows, and derived iotlb_reach
rows per page size.  The numbers are invented (deterministic: --seed) but
shaped like a host run.  No results.csv is written: report derives it from
results.json.

usage: gen_results.py N OUT_DIR [--seed S] [--run-id ID] [--scale-b F]
  --scale-b F  multiply every median by F (a second run for compare)
"""
import argparse
import json
import os
import random

KI, MI, GI = 1024, 1024 ** 2, 1024 ** 3
PAGE = {"4k": 4096, "2m": 2 * MI, "1g": GI, "thp": 2 * MI}
MODES = ("identity", "dma-lazy", "dma-strict")
WINDOWS = [4 * KI << i for i in range(18)]  # 4 KiB .. 512 MiB


def metric(unit, n, med, spread):
    lo, hi = med - spread, med + spread
    return {"unit": unit, "n": n, "median": med, "mean": med + spread / 7,
            "min": lo - spread, "max": hi + 3 * spread, "p90": med + spread,
            "p99": hi + spread, "p999": hi + 2 * spread, "stddev": spread,
            "cov": round(spread / med, 10) if med else 0,
            "ci95_low": lo, "ci95_high": hi, "outliers": 0}


def params(**kw):
    p = {"engine": "dmaengine", "op": "bench", "page_size": "4k", "window": 64 * KI,
         "xfer_size": 4096, "pattern": "seq", "threads": 1, "granule": 1,
         "iommu_mode": "dma-strict", "cpu_node": 0, "mem_node": 0, "dev_node": 0,
         "device": "0000:00:04.0", "direction": "to_device", "iterations": 1000,
         "warmup": 1, "min_reps": 3, "max_reps": 30}
    p.update(kw)
    return p


def window_rows(rnd, scale):
    for direction in ("to_device", "from_device", "bidir"):
        for threads in (1, 2, 4, 8, 16):
            for xfer in (64, 512, 2048, 4096, 16384, 65536, 262144, MI):
                for pattern in ("seq", "rand"):
                    for mode in MODES:
                        for ps in ("4k", "2m", "1g", "thp"):
                            for w in WINDOWS:
                                yield window_row(rnd, scale, ps, w, mode, pattern, xfer,
                                                 threads, direction)


def window_row(rnd, scale, ps, w, mode, pattern, xfer, threads, direction):
    reach = 64 * PAGE[ps]
    misses = 4 if w <= reach else int(4000 * min(1.0, (w - reach) / (4 * reach)) + 4)
    lat = (900 + 0.4 * xfer + (250 if mode == "dma-strict" else 0) +
           misses * 0.05 + rnd.uniform(0, 20)) * scale
    bw = xfer / lat * 1e9 * threads
    name = (f"window/page_size:{ps}/window:{w // KI}k/iommu_mode:{mode}/pattern:{pattern}"
            f"/xfer_size:{xfer}/threads:{threads}/direction:{direction}")
    return {
        "name": name, "bench": "dma", "engine": "dmaengine", "run_type": "measured",
        "params": params(page_size=ps, window=w, iommu_mode=mode, pattern=pattern,
                         xfer_size=xfer, threads=threads, direction=direction,
                         page_size_obtained=PAGE[ps], mem_node_obtained=0,
                         iommu_mode_effective=mode,
                         iommu_page_sizes=[] if mode == "identity" else [PAGE[ps]],
                         dma_segments=max(1, w // PAGE[ps])),
        "metrics": {"dma_latency_ns": metric("ns", 3000, round(lat, 3), round(lat / 50, 3)),
                    "bandwidth_bytes_per_s": metric("bytes_per_s", 3, round(bw, 1),
                                                    round(bw / 40, 1))},
        "counters": {"iotlb_lookup": {"value": 4000, "source": "perf:dmar0/iotlb_lookup"},
                     "iotlb_hit": {"value": 4000 - min(misses, 4000),
                                   "source": "perf:dmar0/iotlb_hit"},
                     "iotlb_miss": {"value": min(misses, 4000),
                                    "source": "perf:dmar0/iotlb_miss"}},
        "repetitions": 3, "converged": True, "status": "ok"}


def map_rows(rnd, scale):
    for threads in (1, 2, 4, 8, 16):
        for granule in (1, 2, 4, 8, 16, 32, 64, 128):
            for ps in ("4k", "2m", "1g", "thp"):
                for mode in MODES:
                    base = (150, 900, 1400)[MODES.index(mode)] * (1 + granule / 16)
                    base *= scale * (1 + rnd.uniform(0, 0.02))
                    yield {
                        "name": f"map/page_size:{ps}/granule:{granule}/threads:{threads}"
                                f"/iommu_mode:{mode}",
                        "bench": "map", "engine": "map", "run_type": "measured",
                        "params": params(engine="map", page_size=ps, granule=granule,
                                         threads=threads, iommu_mode=mode,
                                         iommu_mode_effective=mode,
                                         page_size_obtained=PAGE[ps], mem_node_obtained=0,
                                         iommu_page_sizes=[] if mode == "identity" else
                                         [PAGE[ps]], dma_segments=granule),
                        "metrics": {"map_ns": metric("ns", 3000, round(base, 2), 5),
                                    "unmap_ns": metric("ns", 3000, round(2 * base, 2), 9)},
                        "counters": {} if mode == "identity" else
                        {"iommu_invalidations": {"value": 3000 if mode == "dma-strict" else 12,
                                                 "source": "perf:dmar0/inv"}},
                        "repetitions": 3, "converged": True, "status": "ok"}


def numa_rows(rnd, scale):
    for ps in ("4k", "2m"):
        for mode in MODES:
            for w in (64 * KI, 2 * MI, 64 * MI):
                for dev in range(4):
                    for cpu in range(4):
                        for mem in range(4):
                            hops = (cpu != mem) + (mem != dev) + (cpu != dev)
                            lat = (1000 + 180 * hops + rnd.uniform(0, 10)) * scale
                            yield {
                                "name": f"numa/page_size:{ps}/iommu_mode:{mode}/window:{w // KI}k"
                                        f"/cpu_node:{cpu}/mem_node:{mem}/dev_node:{dev}",
                                "bench": "dma", "engine": "dmaengine", "run_type": "measured",
                                "params": params(page_size=ps, iommu_mode=mode, window=w,
                                                 cpu_node=cpu, mem_node=mem, dev_node=dev,
                                                 mem_node_obtained=mem,
                                                 page_size_obtained=PAGE[ps],
                                                 iommu_mode_effective=mode,
                                                 numa_distance=10 if cpu == mem else 21,
                                                 device=f"0000:{dev:02x}:04.0"),
                                "metrics": {"dma_latency_ns": metric("ns", 3000, round(lat, 3), 7)},
                                "counters": {}, "repetitions": 3, "converged": True,
                                "status": "ok"}


def odd_rows():
    i = 0
    while True:
        i += 1
        if i % 2:
            yield {"name": f"window/page_size:1g/window:4k/seq:{i}", "bench": "dma",
                   "engine": "dmaengine", "run_type": "measured", "params": params(page_size="1g"),
                   "metrics": {}, "counters": {}, "status": "skipped",
                   "reason": "no 1G hugepages on node 0 (hugepages-1048576kB/nr_hugepages=0)"}
        else:
            yield {"name": f"window/page_size:4k/window:4k/seq:{i}/direction:from_device",
                   "bench": "dma", "engine": "dmaengine", "run_type": "measured",
                   "params": params(direction="from_device"), "metrics": {}, "counters": {},
                   "status": "error", "reason": "DMA timed out after 1000 ms"}


def derived_rows():
    for ps in ("4k", "2m", "1g", "thp"):
        yield {"name": f"iotlb_reach/page_size:{ps}", "bench": "iotlb_reach",
               "engine": "dmaengine", "run_type": "derived",
               "params": {"page_size": ps, "knee_window": 64 * PAGE[ps],
                          "method": "knee of IOTLB misses per DMA vs window"},
               "metrics": {"iotlb_entries": metric("entries", 5, 64, 1)},
               "counters": {}, "status": "ok"}


def generate(n, seed, scale):
    rnd = random.Random(seed)
    rows = list(derived_rows())[: min(4, n // 50)]
    want = n - len(rows)
    # 6 % map points (at most 480), 8 % NUMA placements (at most 1152),
    # 2 % skipped and error rows, the rest window sweeps (at most 51840)
    for g, share in ((map_rows(rnd, scale), 0.06), (numa_rows(rnd, scale), 0.08),
                     (odd_rows(), 0.02)):
        rows.extend(r for _, r in zip(range(int(want * share)), g))
    rows.extend(r for _, r in zip(range(n - len(rows)), window_rows(rnd, scale)))
    # beyond the window sweep's 51840 points: more skipped rows
    rows.extend(r for _, r in zip(range(n - len(rows)), odd_rows_tail(len(rows))))
    return rows


def odd_rows_tail(start):
    for i, row in enumerate(odd_rows()):
        row["name"] += f"/tail:{start + i}"
        yield row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run-id", default="scale-20261124T070000Z")
    ap.add_argument("--scale-b", type=float, default=1.0)
    a = ap.parse_args()
    doc = {
        "schema": "iommubench/1", "complete": True,
        "context": {
            "tool_version": "0.1.0", "git_sha": "0000000", "date": "2026-11-24T07:00:00Z",
            "host": "scalehost", "run_id": a.run_id, "platform": "host",
            "kernel": "6.1.0-28-amd64", "cmdline": "intel_iommu=on",
            "cpu": {"model": "Synthetic CPU", "vendor": "GenuineIntel", "ncpus": 64},
            "numa": {"nodes": [{"id": i, "cpus": [i], "mem_bytes": GI} for i in range(4)],
                     "distances": [[10 if i == j else 21 for j in range(4)] for i in range(4)]},
            "iommu": {"vendor": "intel", "groups": [], "default_domain": "DMA"},
            "hugepages": {}, "thp": "always [madvise] never", "hypervisor": "",
            "suite": "scale", "argv": ["run", "--suite", "bench/suites/scale.suite"]},
        "results": generate(a.n, a.seed, a.scale_b)}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
