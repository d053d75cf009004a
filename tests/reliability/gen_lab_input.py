#!/usr/bin/env python3
"""Generates a lab run directory for `iommubench lab-merge` at scale.

gen_lab_input.py DIR ROWS [--per-row K] [--extra-intervals N] [--pad-marks BYTES]

DIR gets results.json (ROWS rows "gen/point:<i>", from the lab fixture's
context), marks.tsv (K intervals per row, interleaved: the rows in order,
K times), qemu-trace.log and qemu-cmdline.txt (intel-iommu, every vtd event
traced).  Interval j of row i holds (i % 5) vtd_iotlb_page_hit lines and one
vtd_iotlb_page_update line, and a boot line and a between-points line belong
to no row, so row i's counts after the merge are iotlb_hit = K * (i % 5),
iotlb_miss = K, iotlb_lookup = K * (i % 5 + 1).  --extra-intervals adds N
intervals named "gen/extra:<n>" that are no row (crafted input);
--pad-marks appends that many bytes of blank lines to marks.tsv.
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "lab", "run1", "results.json")

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("rows", type=int)
ap.add_argument("--per-row", type=int, default=1)
ap.add_argument("--extra-intervals", type=int, default=0)
ap.add_argument("--pad-marks", type=int, default=0)
a = ap.parse_args()

os.makedirs(a.dir, exist_ok=True)
doc = json.load(open(FIXTURE))
doc["results"] = [{"name": "gen/point:%d" % i, "bench": "dma", "engine": "edu", "status": "ok",
                   "params": {"page_size": "4k"}, "metrics": {}} for i in range(a.rows)]
with open(os.path.join(a.dir, "results.json"), "w") as f:
    json.dump(doc, f)

names = [r["name"] for r in doc["results"]] * a.per_row
names += ["gen/extra:%d" % n for n in range(a.extra_intervals)]
off = 0
marks, trace = [], []


def emit(line):
    global off
    trace.append(line)
    off += len(line)


emit("vtd_inv_desc_iotlb_global iotlb invalidate global\n")  # boot: no row
for k, name in enumerate(names):
    i = k % a.rows if k < a.rows * a.per_row else 0
    marks.append("BEGIN\t%s\t%d\n" % (name, off))
    for _ in range(i % 5):
        emit("vtd_iotlb_page_hit sid 0x18 addr 0x%x slpte 0x1 level 1 domain 0x1\n" % (k << 12))
    emit("vtd_iotlb_page_update sid 0x18 addr 0x%x slpte 0x1 level 1 domain 0x1\n" % (k << 12))
    marks.append("END\t%s\t%d\n" % (name, off))
    emit("vtd_iotlb_page_hit sid 0x18 addr 0x0 slpte 0x1 level 1 domain 0x1\n")  # between points
with open(os.path.join(a.dir, "marks.tsv"), "w") as f:
    f.write("".join(marks))
    f.write("\n" * a.pad_marks)
with open(os.path.join(a.dir, "qemu-trace.log"), "w") as f:
    f.write("".join(trace))
with open(os.path.join(a.dir, "qemu-cmdline.txt"), "w") as f:
    f.write("qemu-system-x86_64 -M q35 -device intel-iommu,caching-mode=on -D RUNDIR/qemu-trace.log "
            "-trace 'enable=vtd_*' -kernel vmlinuz\n")
