#!/usr/bin/env bash
# make reproduce end to end in the lab (issue 24 §4): a smoke run in the
# lab, then `make reproduce RUN=<it>` boots the lab again with the run's
# settings, reruns every row (iommubench rerun) and must call every row
# "reproduced" (lab counts bit for bit), exit 0; the same verdicts with one
# count edited in a copy of the first run say "differs" naming the
# counter, exit 2.  Prints reproduce's wall time.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
res=$(mktemp -d /tmp/ib-lab-repro-XXXXXX)
trap 'rm -rf "$res"' EXIT
out=$(RESULTS=$res LAB_TIMEOUT=300 make -s --no-print-directory run SUITE=smoke TARGET=lab 2>&1); rc=$?
run=$(readlink -f "$res/smoke/latest")
if ((rc != 0)) || [[ ! -f $run/results.json ]]; then
	echo "not ok - make run SUITE=smoke TARGET=lab: rc=$rc: $(tail -n1 <<<"$out")"
	exit 1
fi
t0=$(date +%s)
out=$(RESULTS=$res LAB_TIMEOUT=300 make -s --no-print-directory reproduce RUN="$run" 2>&1); rc=$?
t1=$(date +%s)
nrows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$run/results.json")
nrep=$(grep -c '^reproduced ' <<<"$out")
[[ $rc == 0 && $nrep == "$nrows" && $out == *"$nrows reproduced, 0 differ, 0 not comparable"* ]] &&
	ok "make reproduce RUN=<lab smoke run>: exit 0, all $nrows rows reproduced ($((t1 - t0)) s wall)" ||
	nok "make reproduce: exit $rc, $nrep of $nrows reproduced: $(grep -v '^reproduced ' <<<"$out" | tail -n 4 | tr '\n' '|')"
again=$(grep -o 'against [^ ]*: ' <<<"$out" | head -n1 | cut -d' ' -f2)
again=${again%:}
[[ -f $again/reproduce-of.json ]] && cmp -s "$again/reproduce-of.json" "$run/results.json" &&
	ok "the rerun's directory holds the results it reproduced (reproduce-of.json)" ||
	nok "no reproduce-of.json equal to the run's results in '$again'"

# one count edited: differs, exit 2
cp -r "$run" "$res/edited"
what=$(python3 - "$res/edited/results.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for r in d["results"]:
    for k, c in sorted(r.get("counters", {}).items()):
        c["value"] += 1
        json.dump(d, open(p, "w"), indent=1)
        print(r["name"], k, c["value"] - 1, c["value"])
        sys.exit(0)
sys.exit("no row with counters")
PY
) || { nok "no counter to edit in the smoke run"; exit 1; }
read -r name ctr was now <<<"$what"
out=$("$bin" reproduce "$res/edited" --against "$again" 2>&1); rc=$?
line=$(grep -F "differs         $name:" <<<"$out")
[[ $rc == 2 && $line == *"$ctr $now -> $was (-1"*"significant"* && $(grep -c '^differs ' <<<"$out") == 1 ]] &&
	ok "$ctr of $name edited ($was -> $now): that row differs, exit 2" ||
	nok "edited count: exit $rc, line '${line:0:300}'"
