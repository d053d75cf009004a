#!/usr/bin/env python3
"""Writes a variant of tests/fixtures/net/run/results.json (a qemu-lab net run)
for tests/report/test_net_report.sh: IN OUT MODE.

host       platform host: tracefs maps/unmaps in the counting pass, the AMD
           IOMMU PMU (perf:amd_iommu_0/...) counting invalidations and IOTLB
           misses in the timing pass (params.counters_live), no lab marks;
           99 datagrams lost in every counting pass (64 B, threads 1: 600 of
           699) so that the two divisors differ; threads:1/msg_size:64 strict
           at 42000 pps, faster than identity's 41000 (noise on a host).
separate   host with counters=separate: perf in the counting pass too
           (counting_pass.sources), so every counter divides by
           counting_pass.ios.
labcount   the lab run with its marks around the counting pass (lab_marks
           "counting", "lab" in counting_pass.sources): the vIOMMU's counts
           divide by counting_pass.ios; 99 datagrams lost there too.
noident    no identity row: no finding.
nostrict   no dma-strict row: no finding."""
import json
import sys

src, dst, mode = sys.argv[1:4]
d = json.load(open(src))
PERF = {"iommu_invalidations": "perf:amd_iommu_0/tlb_inv",
        "iotlb_miss": "perf:amd_iommu_0/mem_iommu_tlb_pte_mis",
        "iotlb_hit": "perf:amd_iommu_0/mem_iommu_tlb_pte_hit",
        "iotlb_lookup": "perf:amd_iommu_0/mem_iommu_tlb_pte_hit+mem_iommu_tlb_pte_mis"}
rows = []
for r in d["results"]:
    p, mp = r["params"], r["params"]["iommu_mode"]
    if (mode == "noident" and mp == "identity") or (mode == "nostrict" and mp == "dma-strict"):
        continue
    ok = r["status"] == "ok"
    if ok and mode in ("host", "separate", "labcount"):
        r["counting_pass"]["ios"] = p["ios_timing_pass"] - 99
    if ok and mode in ("host", "separate"):
        r.pop("lab_marks", None)
        for k, s in PERF.items():
            r["counters"][k]["source"] = s
        if mode == "host":
            p["counters_live"] = ["perf"]
        else:
            p["counters"] = "separate"
            p["counters_live"] = []
            r["counting_pass"]["sources"] = ["tracefs", "perf"]
        if r["name"] == "net/threads:1/iommu_mode:dma-strict/msg_size:64":
            m = r["metrics"]["pps"]
            m["median"] = m["mean"] = 42000
            m["ci95_low"], m["ci95_high"] = 41580, 42420
    if ok and mode == "labcount":
        r["lab_marks"] = "counting"
        p["counters"] = "separate"
        p["counters_live"] = []
        r["counting_pass"]["sources"] = ["tracefs", "lab"]
    rows.append(r)
d["results"] = rows
if mode in ("host", "separate"):
    c = d["context"]
    c.update(platform="host", host="ci-host", hypervisor=None, counter_sources=["tracefs", "perf"])
    c.pop("lab_host", None)
    c["iommu"]["vendor"] = "amd"
    c["argv"] = [a.replace("qemu-lab", "host") for a in c["argv"]]
json.dump(d, open(dst, "w"), indent=1)
