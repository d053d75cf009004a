#!/usr/bin/env python3
"""Checks a report's findings against its results.json (issue 15):
    check_findings.py HTML_OR_DOM RESULTS_JSON LABEL
HTML_OR_DOM is report.html or the DOM headless Chromium dumped of it.  Prints
TAP-ish lines:
 - the findings block is the first thing after the <h1>, before any figure;
 - its items are results.json's finding rows, in order, with their text, and
   each text carries its row's number (metric median, as the harness prints
   it: three significant digits, whole from 100 on) and source rows;
 - no figure drawn is flat by construction: a DMA timing figure of a qemu-lab
   run whose edu rows' medians lie within 1 % of each other (recomputed here
   from results.json, independently of the harness);
 - in a lab run the figures come counts first, then map/unmap, then timings;
   on a host, timings first."""
import html
import html.parser
import json
import sys

path, rpath, label = sys.argv[1], sys.argv[2], sys.argv[3]
ok = lambda c, m: print(("ok - " if c else "not ok - ") + label + ": " + m)
doc = json.load(open(rpath))
rows = doc["results"]
lab = doc["context"].get("platform") == "qemu-lab"


class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.order = []  # top-level landmarks: h1, findings, figure:<id>, flat:<id>
        self.items = []  # (name, text, rows)
        self.depth_find = 0
        self.cur = None
        self.span = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h1":
            self.order.append("h1")
        elif tag == "section" and a.get("id") == "findings":
            self.order.append("findings")
            self.depth_find = 1
        elif tag == "section" and self.depth_find:
            self.depth_find += 1
        elif tag == "figure":
            self.order.append("figure:" + a.get("id", "")[4:])
        elif tag == "p" and "flat" in (a.get("class") or "").split():
            self.order.append("flat:" + a.get("id", "")[4:])
        elif tag == "li" and self.depth_find:
            self.cur = [a.get("data-name"), "", ""]
        elif tag == "span" and self.cur is not None:
            self.span = a.get("class")

    def handle_endtag(self, tag):
        if tag == "section" and self.depth_find:
            self.depth_find -= 1
        elif tag == "li" and self.cur is not None:
            self.items.append(tuple(self.cur))
            self.cur = None
        elif tag == "span":
            self.span = None

    def handle_data(self, data):
        if self.cur is not None and self.span == "finding":
            self.cur[1] += data
        elif self.cur is not None and self.span == "rows":
            self.cur[2] += data


p = P()
p.feed(open(path, encoding="utf-8", errors="replace").read())
p.close()
first = [x for x in p.order if x != "h1"][:1]
ok(p.order[:2] == ["h1", "findings"],
   "the findings block comes first, right after the title (page order: %s)" % p.order[:4])
ok(not any(x.startswith("figure:") for x in p.order[:p.order.index("findings")] if "findings" in p.order),
   "no figure before the findings")

def num3(v):
    return "%.0f" % v if abs(v) >= 100 else "%.3g" % v

want = [r for r in rows if r.get("run_type") == "derived" and r["name"].startswith("finding/")]
ok(len(want) > 0 and [i[0] for i in p.items] == [r["name"] for r in want],
   "findings in the report = results.json's finding rows, in order: %s" % [i[0] for i in p.items])
by = {i[0]: i for i in p.items}
bad = []
for r in want:
    it = by.get(r["name"])
    if not it:
        continue
    if html.unescape(it[1]) != r["finding"]:
        bad.append("%s: text %r != %r" % (r["name"], it[1], r["finding"]))
    for m, v in r["metrics"].items():
        med = v.get("median")
        if r["params"].get("converged") is False:
            # a reach bracket wider than +-5 %: the text states the bracket
            lo, hi = v.get("ci95_low"), v.get("ci95_high")
            if "between %s and %s entries" % (num3(lo), num3(hi)) not in r["finding"]:
                bad.append("%s: bracket %s..%s not in its text" % (r["name"], lo, hi))
        elif m != "unexpected_verdicts" and (med is None or num3(med) not in r["finding"]):
            bad.append("%s: %s median %s not in its text" % (r["name"], m, med))
    for s in r["params"].get("source_rows", []):
        if s not in it[2]:
            bad.append("%s: source row %s not listed" % (r["name"], s))
ok(not bad, "each finding carries its text, its number from results.json and its rows%s"
   % (": " + "; ".join(bad) if bad else ""))

# flat by construction, recomputed from results.json
TIMING = {"window_latency": "dma_latency_ns", "window_bandwidth": "bandwidth_bytes_per_s",
          "numa": "dma_latency_ns", "latency_cdf": "dma_latency_ns"}
def flat_by_construction(metric):
    meds, edu = [], True
    for r in rows:
        if r.get("run_type") == "derived" or r["status"] != "ok":
            continue
        if r["params"].get("op") in ("chase", "isolation"):
            continue
        m = r.get("metrics", {}).get(metric)
        if not m or not isinstance(m.get("median"), (int, float)) or m["median"] <= 0:
            continue
        meds.append(m["median"])
        edu = edu and r.get("engine") == "edu"
    return lab and edu and meds and (max(meds) - min(meds)) / max(meds) <= 0.01
drawn = [x[7:] for x in p.order if x.startswith("figure:")]
flat_drawn = [f for f in drawn if f in TIMING and flat_by_construction(TIMING[f])]
ok(not flat_drawn, "no figure drawn is flat by construction (drawn: %s)" % drawn)
notes = [x[5:] for x in p.order if x.startswith("flat:")]
ok(all(flat_by_construction(TIMING[f]) for f in notes if f in TIMING),
   "every 'not drawn: flat by construction' note is for a figure the data makes flat (%s)" % notes)
figs = [x.split(":", 1)[1] for x in p.order if x.startswith(("figure:", "flat:"))]
rank = (lambda f: 0 if f == "iotlb_misses" else 1 if f == "map_unmap" else 2) if lab else \
       (lambda f: 0 if f in ("window_latency", "window_bandwidth") else 1)
ok([rank(f) for f in figs] == sorted(rank(f) for f in figs),
   "figures ordered by what the platform shows (%s first): %s"
   % ("counts" if lab else "timings", figs))
