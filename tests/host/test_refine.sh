#!/usr/bin/env bash
# Host test (issue 22 §1): the reach refinement, on the fake CUDA driver's
# pointer chase (timing method; the fake's IOTLB holds
# IOMMUBENCH_FAKE_IOTLB_ENTRIES 4 KiB pages, an access costs 700 ns + 400 ns
# on a miss).  A coarse sweep brackets the knee 4x or 16x wide; the run adds
# windows in the bracket (params.refined, names with their window) until it
# is within +-2.5 %, and the finding gives the estimate and the bracket.
# With --no-refine the finding states the bracket, not its low end.  The
# lab's counts-based refinement is checked by tests/lab/host/
# test_suite_hugepage.sh (reach of QEMU's 1024-entry VT-d IOTLB).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
fake=$PWD/${IB_CUDA_FAKE:-build/tests/libcuda_fake.so}
tmp=$(mktemp -d /tmp/ib-refine-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
[[ -f $fake ]] || { echo "not ok - $fake missing (make unit)"; exit 1; }
unset IOMMUBENCH_FAKE_CUDA_FAIL IOMMUBENCH_FAKE_CUDA_DEVICES IOMMUBENCH_FAKE_CUDA_BDF \
	IOMMUBENCH_FAKE_IOTLB_MISS_NS

# chase ID ENTRIES WINDOWS [run options]: a chase sweep on the fake, derived
chase() {
	local id=$1 entries=$2 windows=$3
	shift 3
	cat >"$tmp/$id.suite" <<SUITE
[global]
engine=cuda
warmup=0
min_reps=2
max_reps=2
[chase]
op=chase
page_size=4k
pattern=rand
iterations=320
window=$windows
SUITE
	IOMMUBENCH_LIBCUDA=$fake IOMMUBENCH_FAKE_IOTLB_ENTRIES=$entries \
		$bin run --suite "$tmp/$id.suite" --results-dir "$tmp/r" --run-id "$id" "$@" \
		>"$tmp/$id.out" 2>&1
	rc=$?
	$bin derive "$tmp/r/$id/$id" >"$tmp/$id.derive" 2>&1 || rc=$?
}

# check_run ID ENTRIES WANT_REFINED(yes|no): the rows and the finding
check_run() {
	python3 - "$tmp/r/$1/$1/results.json" "$2" "$3" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = json.load(open(sys.argv[1]))
entries, want = int(sys.argv[2]), sys.argv[3] == "yes"
rows = [r for r in d["results"] if r.get("run_type") != "derived"]
ref = [r for r in rows if r["params"].get("refined") is True]
names = [r["name"] for r in rows]
reach = next(r for r in d["results"] if r["name"] == "iotlb_reach/page_size:4k")
e = reach["metrics"].get("iotlb_entries", {})
p = reach["params"]
f = next(r for r in d["results"] if r["name"] == "finding/iotlb_reach/page_size:4k")
tag = "entries=%d %s" % (entries, "refined" if want else "--no-refine")
if want:
    ws = sorted(r["params"]["window"] for r in ref)
    def wtext(b):
        return "%dm" % (b >> 20) if b % (1 << 20) == 0 else "%dk" % (b >> 10) if b % 1024 == 0 else str(b)
    ok(len(ref) >= 2 and all(r["status"] == "ok" for r in ref)
       and all(r["name"] == "chase/window:" + wtext(r["params"]["window"]) for r in ref),
       "%s: %d refined rows, ok, windows %s" % (tag, len(ref), ws))
    ok(len(set(names)) == len(names), "%s: row names unique (%d rows)" % (tag, len(names)))
    lo, hi, med = e.get("ci95_low", 0), e.get("ci95_high", 0), e.get("median", 0)
    ok(p.get("converged") is True and hi <= 1.05 * lo and abs(med - entries) <= 0.05 * entries
       and lo <= entries <= hi + 1,
       "%s: reach %s entries, bracket %s..%s (converged %s)" % (tag, med, lo, hi, p.get("converged")))
    ok(p.get("refined_points") == len(ref) and "within +-5 %" in f["finding"]
       and ("%d refinement point" % len(ref)) in f["finding"],
       "%s: finding: %s" % (tag, f["finding"]))
else:
    ok(not ref and p.get("refined_points") == 0 and p.get("converged") is False,
       "%s: no refined rows, bracket not converged (%d rows)" % (tag, len(rows)))
    ok(f["finding"].startswith("IOTLB reach (4k, cuda 0000:65:00.0): between %g and %g entries (bracket wider than +-5 %%"
                               % (e["ci95_low"], e["ci95_high"])),
       "%s: finding states the bracket: %s" % (tag, f["finding"]))
PY
}

chase a 32 16k,64k,1m,4m
if ((rc == 0)) && grep -q '^\[refine 1/8\] chase/window:' "$tmp/a.out"; then
	ok "refinement runs after the sweep and says so on the console"
else
	nok "refinement: rc=$rc $(tail -n3 "$tmp/a.out" | tr '\n' '|')"
fi
check_run a 32 yes
# another capacity: the estimate follows the model, not a constant
chase b 200 64k,1m,16m
check_run b 200 yes
chase c 32 16k,64k,1m,4m --no-refine
((rc == 0)) && ok "--no-refine run exits 0" || nok "--no-refine: rc=$rc"
check_run c 32 no
if $bin run --suite "$tmp/a.suite" --no-refine=1 >/dev/null 2>&1; then
	nok "--no-refine takes no value"
else
	ok "--no-refine=1 refused"
fi
