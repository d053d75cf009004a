#!/usr/bin/env bash
# make run ... ARGS='...' reaches `iommubench run` on the lab path (issue
# 10): with ARGS="--only null --iterations 321" the smoke suite's run holds
# the null job's rows only, run with 321 iterations, and the options appear
# in the results' argv (one short boot).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh
res=$(mktemp -d /tmp/ib-lab-args-XXXXXX)
trap 'rm -rf "$res"' EXIT
out=$(RESULTS=$res ARGS="--only null --iterations 321" LAB_TIMEOUT=300 \
	make -s --no-print-directory run SUITE=smoke TARGET=lab 2>&1); rc=$?
if ((rc != 0)); then
	echo "not ok - make run SUITE=smoke TARGET=lab ARGS=...: rc=$rc: $(tail -n1 <<<"$out")"
	exit 1
fi
python3 - "$res/smoke/latest/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
doc = json.load(open(sys.argv[1]))
rows = doc["results"]
engines = sorted({r["engine"] for r in rows})
ok(rows and engines == ["null"], "ARGS --only null: only the null job ran (engines %s, %d rows)" % (engines, len(rows)))
its = sorted({str(r["params"].get("iterations")) for r in rows})
ok(its == ["321"], "ARGS --iterations 321 reached the rows (iterations %s)" % its)
argv = doc["context"].get("argv", [])
ok("--only" in argv and "null" in argv, "context.argv carries the ARGS words: %s" % argv[-4:])
PY
