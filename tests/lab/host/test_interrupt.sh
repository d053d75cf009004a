#!/usr/bin/env bash
# Lab test: Ctrl-C during `make run ... TARGET=lab`.  SIGINT goes to the
# whole foreground process group (make, run.sh, lab.py, QEMU) as a terminal
# would send it.  Expected: QEMU killed and reaped, nothing left running,
# the rows finished so far kept (results.json "complete": false), counters
# merged and the report drawn, exit 2 (interrupted) well before --timeout.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. tests/lib/tap.sh
out=$(mktemp -d /tmp/ib-lab-intr-XXXXXX)
trap 'rm -rf "$out"' EXIT
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }

setsid bash -c 'make -s run SUITE=window TARGET=lab RESULTS="$1" >"$1.log" 2>&1; echo $? >"$1.rc"' _ "$out/res" &
leader=$!
# wait until the guest has finished at least one point
for _ in $(seq 120); do
	compgen -G "$out/res/window/*/results.json" >/dev/null &&
		python3 -c 'import json,sys,glob; sys.exit(0 if json.load(open(glob.glob(sys.argv[1])[0]))["results"] else 1)' \
			"$out/res/window/*/results.json" 2>/dev/null && break
	sleep 1
done
pgid=$(ps -o pgid= -p "$leader" | tr -d ' ')
if [[ -z $pgid ]]; then
	nok "interrupt: the run ended before it could be interrupted: $(tail -n2 "$out/res.log" | tr '\n' ' ')"
	exit 0
fi
t0=$SECONDS
kill -INT -- "-$pgid"
for _ in $(seq 60); do [[ -f $out/res.rc ]] && break; sleep 1; done
dt=$((SECONDS - t0))
rc=$(cat "$out/res.rc" 2>/dev/null || echo none)
left=$(pgrep -g "$pgid" -a 2>/dev/null | grep -v defunct || true)
[[ $rc == 2 ]] && ok "interrupt: make run exits after ${dt}s, run.sh status 2 (make: $(grep -o 'Error [0-9]*' "$out/res.log" | tail -n1))" ||
	nok "interrupt: exit status '$rc' after ${dt}s: $(tail -n2 "$out/res.log" | tr '\n' ' ')"
[[ -z $left ]] && ok "interrupt: no process of the run left (QEMU killed and reaped)" ||
	{ nok "interrupt: processes left: $left"; kill -KILL -- "-$pgid" 2>/dev/null; }
python3 - "$out/res/window" <<'PY'
import glob, json, os, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
dirs = [d for d in glob.glob(os.path.join(sys.argv[1], "qemu-lab-*")) if os.path.isdir(d)]
if not dirs:
    ok(False, "interrupt: no run directory"); sys.exit()
d = dirs[0]
doc = json.load(open(os.path.join(d, "results.json")))
rows = [r for r in doc["results"] if r.get("run_type") != "derived"]
ok(doc["complete"] is False and rows and all(r["status"] == "ok" for r in rows),
   f"interrupt: results.json kept {len(rows)} finished row(s), complete: {doc['complete']}")
ok(all("iotlb_miss" in r.get("counters", {}) for r in rows), "interrupt: lab counters merged into the kept rows")
ok(os.path.getsize(os.path.join(d, "report.html")) > 1000 if os.path.exists(os.path.join(d, "report.html")) else False,
   "interrupt: report.html drawn from the partial run")
PY
