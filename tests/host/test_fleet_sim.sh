#!/usr/bin/env bash
# Host test (issue 14): a fleet of two simulated hosts on this machine
# (scripts/fleet/fleet-sim.sh: two network namespaces, each its own host
# name, mpirun entering them instead of ssh, MPI over TCP on a veth pair)
# runs one suite into one run directory: both hosts' contexts, each row's
# host, and one report showing both; the namespaces are gone afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-fleet-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
[[ $(id -u) == 0 ]] || { echo "needs root (network namespaces)"; exit 4; }
command -v mpirun >/dev/null && [[ -f build/libiommubench-mpi.so ]] || { echo "no Open MPI (make deps)"; exit 4; }
ip netns add "ibprobe-$$" 2>/dev/null || { echo "ip netns unavailable here"; exit 4; }
ip netns del "ibprobe-$$"
cat >"$tmp/fleet.suite" <<'S'
[global]
engine=cpu
xfer_size=4k
iterations=2000
min_reps=6
max_reps=6
[copy]
window=64k,1m
S
before=$(ip netns list | wc -l)
bash scripts/fleet/fleet-sim.sh "$tmp/fleet.suite" --results-dir "$tmp/r" --run-id f >"$tmp/out" 2>&1
rc=$?
after=$(ip netns list | wc -l)
[[ $before == "$after" ]] && echo "ok - fleet-sim: its namespaces removed" ||
	echo "not ok - fleet-sim: namespaces left: $(ip netns list | tr '\n' ' ')"
f=$tmp/r/fleet/f/results.json
if [[ $rc != 0 || ! -f $f ]]; then
	echo "not ok - fleet-sim: rc=$rc: $(tail -n3 "$tmp/out" | tr '\n' ' ')"
	exit 1
fi
echo "ok - fleet-sim: one run on 2 hosts ($(grep -o '[0-9]* s wall' "$tmp/out"))"
"$bin" finish "$tmp/r/fleet/f" >"$tmp/finish" 2>&1 || echo "not ok - finish: $(tail -n1 "$tmp/finish")"
python3 - "$f" "$tmp/r/fleet/f/report.html" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = json.load(open(sys.argv[1])); c = d["context"]
ok(c["hosts"] == ["ibsim1", "ibsim2"] and [x["context"]["host"] for x in c["ranks"]] == ["ibsim1", "ibsim2"]
   and all(k in x["context"] for x in c["ranks"] for k in ("kernel", "cmdline", "iommu", "numa")),
   f"two host contexts in one results.json: {c['hosts']}")
got = [(r["name"], r["status"], r["params"]["host"]) for r in d["results"] if r.get("run_type") != "derived"]
ok(got == [(f"copy/window:{w}/rank:{k}", "ok", f"ibsim{k + 1}") for w in ("64k", "1m") for k in (0, 1)],
   f"rows of both hosts with params.host: {got}")
html = open(sys.argv[2]).read()
ok(html.count("ibsim2") >= 2 and 'id="ranks"' in html and 'id="across"' in html,
   "one report: both hosts' contexts and the across-ranks table")
PY
# compare across the two hosts of the one run, as two runs would be
out=$("$bin" compare --by-rank "$tmp/r/fleet/f" -o "$tmp/cmp.csv" 2>&1)
rc=$?
if [[ $rc == 0 && $out == *"rank:1@ibsim2 vs rank:0@ibsim1"* && $out == *"host: ibsim1 | ibsim2"* ]] &&
	[[ $(grep -c '^rank:0@ibsim1,rank:1@ibsim2,copy/window:' "$tmp/cmp.csv") == 4 ]]; then
	echo "ok - compare --by-rank: each host's rows against rank 0's, context diff names the hosts"
else
	echo "not ok - compare --by-rank: rc=$rc $(echo "$out" | head -n3 | tr '\n' ' ')"
fi
