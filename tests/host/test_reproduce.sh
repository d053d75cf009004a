#!/usr/bin/env bash
# iommubench reproduce (issue 24 §4): the verdict rules on copies of runs
# whose rows are edited by hand (no machine needed), and the host path
# that reruns a run itself.
#  - a host run against its own copy: every row reproduced, exit 0;
#  - a timing moved outside its CI: that row differs with the metric, the
#    change and "significant", exit 2; moved inside its CI: reproduced;
#    disjoint CIs but under --min-effect: reproduced, with a note;
#  - another host or kernel: not comparable saying which, exit 4;
#  - a row missing from the rerun, or its status changed: differs;
#  - the lab fixture: a count edited by one differs (bit for bit), exit 2;
#    an emulated timing moved is not judged; a derived metric drawn from
#    counts moved differs;
#  - bad input: exit 1 with one line naming it;
#  - `reproduce RUN` of a host run (cpu engine): reruns it into
#    --results-dir, a verdict for each row, exit 0 or 2 (host timings on a
#    shared machine may move), and the wall time.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-reproduce-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

# edit FILE PYTHON: runs PYTHON with d = the results document, then saves it
edit() {
	python3 - "$1" "$2" <<'PY'
import json, sys
p, code = sys.argv[1], sys.argv[2]
d = json.load(open(p))
rows = {r["name"]: r for r in d["results"]}
exec(code)
json.dump(d, open(p, "w"), indent=1)
PY
}
copy() { rm -rf "$tmp/$2" && cp -r "$1" "$tmp/$2"; }

"$bin" run --engine cpu --page-size 4k --window 1m --iterations 500 --max-reps 3 \
	--results-dir "$tmp" --run-id a >/dev/null 2>&1 || { nok "cpu run failed"; exit 1; }
A=$tmp/adhoc/a
row=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["name"])' "$A/results.json")

copy "$A" b
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 0 && $out == *"reproduced      $row"* && $out == *"1 reproduced, 0 differ, 0 not comparable"* ]] &&
	ok "a host run against its copy: reproduced, exit 0" || nok "copy: exit $rc: $out"

# the timing moved: outside its CI (differs), inside (reproduced), tiny (note)
copy "$A" b
edit "$tmp/b/results.json" '
m = d["results"][0]["metrics"]["dma_latency_ns"]
w = m["ci95_high"] - m["ci95_low"] + 10
for k in ("median", "ci95_low", "ci95_high"): m[k] = m[k] * 2 + w'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 2 && $out == *"differs         $row: dma_latency_ns median "*"do not overlap: significant"* ]] &&
	ok "a timing moved beyond its CI: differs, the metric and 'significant', exit 2" ||
	nok "timing moved: exit $rc: $out"
copy "$A" b
edit "$tmp/b/results.json" '
m = d["results"][0]["metrics"]["dma_latency_ns"]
m["median"] = m["ci95_high"]'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 0 && $out == *"reproduced      $row"* ]] && ok "a median moved within the CI: reproduced" ||
	nok "within CI: exit $rc: $out"
copy "$A" b
edit "$tmp/b/results.json" '
m = d["results"][0]["metrics"]["dma_latency_ns"]
m["median"] = m["median"] * 1.001
m["ci95_low"] = m["ci95_high"] + 1e-9 * abs(m["ci95_high"]) + 1e-9
m["ci95_high"] = m["ci95_low"] * 1.0000001'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 0 && $out == *"reproduced      $row ("*"CIs disjoint but within 1 %"* ]] &&
	ok "disjoint CIs, median within --min-effect 1 %: reproduced with a note" ||
	nok "min-effect: exit $rc: $out"
out=$("$bin" reproduce "$A" --against "$tmp/b" --min-effect 0); rc=$?
[[ $rc == 2 ]] && ok "the same with --min-effect 0: differs, exit 2" || nok "min-effect 0: exit $rc: $out"

# not comparable: another host, another kernel
copy "$A" b
edit "$tmp/b/results.json" 'd["context"]["host"] = "elsewhere"; d["context"]["kernel"] = "9.9.9"'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 4 && $out == *"not comparable  $row: another host ("*"elsewhere); another kernel ("*"9.9.9)"* ]] &&
	ok "another host and kernel: not comparable saying which, exit 4" || nok "host/kernel: exit $rc: $out"

# a row gone, a status changed
copy "$A" b
edit "$tmp/b/results.json" 'd["results"] = []'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 2 && $out == *"differs         $row: row absent from the rerun"* ]] &&
	ok "a row absent from the rerun: differs, exit 2" || nok "absent: exit $rc: $out"
copy "$A" b
edit "$tmp/b/results.json" 'r = d["results"][0]; r["status"] = "skipped"; r["reason"] = "unavailable: gone"'
out=$("$bin" reproduce "$A" --against "$tmp/b"); rc=$?
[[ $rc == 2 && $out == *"differs         $row: status ok -> skipped: unavailable: gone"* ]] &&
	ok "status ok -> skipped: differs with the reason" || nok "status: exit $rc: $out"

# the lab: counts bit for bit, emulated timings not judged
cp -r tests/fixtures/lab/run1 "$tmp/lab"
"$bin" lab-merge "$tmp/lab" >/dev/null 2>&1 || nok "lab-merge of the lab fixture failed"
copy "$tmp/lab" lab2
read -r lrow lctr lval < <(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    for k, c in sorted(r.get("counters", {}).items()):
        print(r["name"], k, c["value"]); sys.exit(0)' "$tmp/lab/results.json")
edit "$tmp/lab2/results.json" "rows['$lrow']['counters']['$lctr']['value'] += 1"
out=$("$bin" reproduce "$tmp/lab" --against "$tmp/lab2"); rc=$?
[[ $rc == 2 && $out == *"differs         $lrow: $lctr $lval -> $((lval + 1)) (+1"*"significant (lab counts must match bit for bit)"* &&
	$(grep -c '^differs ' <<<"$out") == 1 ]] &&
	ok "lab: $lctr of one row edited by one: that row differs (bit for bit), exit 2" ||
	nok "lab count: exit $rc: $out"
copy "$tmp/lab" lab2
copy "$tmp/lab" lab1
edit "$tmp/lab1/results.json" "rows['$lrow']['repetitions'] = 1"
edit "$tmp/lab2/results.json" "rows['$lrow']['repetitions'] = 2; rows['$lrow']['counters']['$lctr']['value'] *= 2"
out=$("$bin" reproduce "$tmp/lab1" --against "$tmp/lab2"); rc=$?
[[ $rc == 2 && $out == *"differs         $lrow: repetitions 1 -> 2 (the counts below cover other work); $lctr "* ]] &&
	ok "lab: other repetitions in the rerun: said first, as why the counts moved" ||
	nok "lab repetitions: exit $rc: $out"
copy "$tmp/lab" lab2
edit "$tmp/lab2/results.json" '
for r in d["results"]:
    for m in r.get("metrics", {}).values():
        if m.get("unit") == "ns":
            for k in ("median", "ci95_low", "ci95_high"): m[k] = m[k] * 3 + 1000'
out=$("$bin" reproduce "$tmp/lab" --against "$tmp/lab2"); rc=$?
[[ $rc == 0 && $out == *"emulated: not judged"* && $out != *"differs "* ]] &&
	ok "lab: emulated timings tripled: not judged, reproduced (noted), exit 0" ||
	nok "lab timings: exit $rc: $out"
copy "$tmp/lab" lab2
edit "$tmp/lab2/results.json" '
d["results"].append({"name": "iotlb_reach/page_size:4k", "run_type": "derived", "status": "ok",
  "params": {}, "metrics": {"iotlb_entries": {"unit": "entries", "n": 3, "median": 512,
  "mean": 512, "min": 256, "max": 1024, "p90": 0, "p99": 0, "p999": 0, "stddev": 0,
  "cov": 0, "ci95_low": 256, "ci95_high": 1024}}})'
cp "$tmp/lab2/results.json" "$tmp/lab3.json"
edit "$tmp/lab3.json" 'd["results"][-1]["metrics"]["iotlb_entries"]["median"] = 513'
out=$("$bin" reproduce "$tmp/lab2" --against "$tmp/lab3.json"); rc=$?
[[ $rc == 2 && $out == *"differs         iotlb_reach/page_size:4k: iotlb_entries 512 [256, 1024] -> 513 [256, 1024]: significant (drawn from lab counts"* ]] &&
	ok "lab: a derived metric drawn from counts (entries) moved: differs" || nok "lab derived: exit $rc: $out"

# bad input: one line, exit 1
out=$("$bin" reproduce "$tmp/nothing" 2>&1); rc=$?
[[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "iommubench: reproduce: $tmp/nothing/results.json: "* ||
	$rc == 1 && $out == "iommubench: reproduce: $tmp/nothing: "* ]] &&
	ok "no such run: one line, exit 1" || nok "missing run: exit $rc: $out"
out=$("$bin" reproduce "$A" --min-effect x 2>&1); rc=$?
[[ $rc == 1 && $out == "iommubench: reproduce: --min-effect x: expected a percentage >= 0" ]] &&
	ok "--min-effect x: one line naming it, exit 1" || nok "min-effect x: exit $rc: $out"
out=$("$bin" reproduce "$tmp/lab" 2>&1); rc=$?
[[ $rc == 1 && $out == *"a qemu-lab run; the lab boots from make: make reproduce RUN="* ]] &&
	ok "reproduce of a lab run without --against: points to make reproduce, exit 1" ||
	nok "lab without --against: exit $rc: $out"

# the host path: reproduce RUN reruns it (rerun + finish), then the verdicts
t0=$(date +%s.%N)
out=$("$bin" reproduce "$A" --results-dir "$tmp/again" 2>/dev/null); rc=$?
t1=$(date +%s.%N)
again=$(ls -d "$tmp"/again/adhoc/*-reproduce 2>/dev/null | head -n1)
[[ ($rc == 0 || $rc == 2) && -f $again/results.json && -f $again/report.html &&
	$out == *"against $again: comparable"* && $out == *"1 row(s): "* ]] &&
	ok "reproduce RUN (host, cpu engine): reran into $(basename "$again"), finished, verdict exit $rc ($(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s wall)" ||
	nok "host reproduce: exit $rc: $(tail -n 3 <<<"$out")"

# an engine that resolves its device itself (nvme: /dev/nvme0n1 -> its BDF)
# records the device asked as device_requested, and rerun asks for that
python3 - "$A/results.json" "$tmp/nvme.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"][0]
r.update(name="nvme", bench="nvme", engine="nvme")
r["params"].update(engine="nvme", device="0000:00:02.0", device_requested="/dev/nvme9n9", xfer_size=4096)
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
out=$("$bin" rerun "$tmp/nvme.json" --results-dir "$tmp/nv" --run-id r 2>&1); rc=$?
[[ $out == *"nvme: skipped: device=/dev/nvme9n9: no such block device"* && $out != *"expects a block device"* ]] &&
	ok "rerun of an nvme row asks for params.device_requested (/dev/nvme9n9), not the BDF it resolved to" ||
	nok "rerun nvme: rc $rc: $(tail -n 2 <<<"$out")"
