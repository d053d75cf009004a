#!/usr/bin/env bash
# A lab run made with `lab.py exec --no-trace` (issue 10): marks.tsv and
# qemu-cmdline.txt but no qemu-trace.log.  `iommubench finish` must succeed,
# write no lab: counter, and list every lab counter in
# context.counters_unavailable saying that its trace event was not enabled.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
work=$(mktemp -d /tmp/ib-notrace-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r tests/fixtures/lab/run1 "$work/run"
rm "$work/run/qemu-trace.log"
# without a trace log, lab.py records offset 0 at every mark
awk -F'\t' -v OFS='\t' '{ $3 = 0; print }' tests/fixtures/lab/run1/marks.tsv >"$work/run/marks.tsv"
# the fixture's command line without its -trace arguments (as --no-trace writes it)
python3 - "$work/run/qemu-cmdline.txt" <<'PY'
import shlex, sys
p = sys.argv[1]
w = shlex.split(open(p).read())
out, skip = [], False
for a in w:
    if skip:
        skip = False
        continue
    if a in ("-trace", "-D"):
        skip = True
        continue
    out.append(a)
open(p, "w").write(" ".join(shlex.quote(a) for a in out) + "\n")
PY
out=$(build/iommubench finish "$work/run" 2>&1); rc=$?
if [[ $rc == 0 && $out == *"no QEMU trace in this lab run (lab.py exec --no-trace)"* ]]; then
	echo "ok - finish without qemu-trace.log (--no-trace): exit 0, one line saying why"
else
	echo "not ok - finish without qemu-trace.log: rc=$rc out=$(tail -n2 <<<"$out")"
fi
python3 - "$work/run/results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = json.load(open(sys.argv[1]))
lab = [c for r in d["results"] for c in r.get("counters", {}).values() if c["source"].startswith("lab:")]
ok(not lab, "no lab: counter in any row (%d found)" % len(lab))
ua = [u for u in d["context"].get("counters_unavailable", []) if u["name"].startswith("lab:")]
ok(len(ua) >= 7 and all("not enabled with -trace" in u["reason"] for u in ua),
   "every lab counter listed unavailable with the reason (%d: %s)" % (len(ua), ua[:1]))
PY
# With the trace present, the same fixture still merges lab: counters.
cp tests/fixtures/lab/run1/qemu-trace.log tests/fixtures/lab/run1/qemu-cmdline.txt tests/fixtures/lab/run1/marks.tsv "$work/run/"
if build/iommubench finish "$work/run" >/dev/null 2>&1 &&
	grep -q '"source": *"lab:' "$work/run/results.json"; then
	echo "ok - with qemu-trace.log back, finish merges lab: counters again"
else
	echo "not ok - with qemu-trace.log back, no lab: counters merged"
fi
