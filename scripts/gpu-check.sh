#!/usr/bin/env bash
# scripts/gpu-check.sh (make gpu-check): the first thing to run on a GPU
# host.  Builds the harness, runs the gpu suite (bench/suites/gpu.suite:
# copy engines, GPU pointer chase, SM copies, register cost; docs/gpu.md)
# on GPU 0, capped at 8 minutes (GPU_CHECK_LIMIT seconds: a SIGINT then
# ends the run with a valid, incomplete results.json), then derives the
# IOTLB reach and draws the report, and prints where they are.
#   GPU_CHECK_SUITE=<file>  another suite file (tests use a small one)
#   RESULTS=<dir>           results root (default results/)
#   extra arguments go to `iommubench run` (e.g. --device 0000:65:00.0)
# Exit: the run's code (0 ok, 2 a point failed, 4 nothing could run here:
# no driver or no GPU, with the reason printed).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/iommubench
suite=${GPU_CHECK_SUITE:-bench/suites/gpu.suite}
res=${RESULTS:-results}
limit=${GPU_CHECK_LIMIT:-480}

make -s build || { echo "gpu-check: make build failed" >&2; exit 2; }
[[ -f $suite ]] || { echo "gpu-check: GPU_CHECK_SUITE=$suite: no such file" >&2; exit 1; }
[[ $limit =~ ^[0-9]+$ ]] || { echo "gpu-check: GPU_CHECK_LIMIT=$limit: expected seconds" >&2; exit 1; }
name=$(basename "$suite" .suite)
runid=$(hostname -s 2>/dev/null || echo host)-$(date -u +%Y%m%dT%H%M%SZ)
dir=$res/$name/$runid
echo "gpu-check: driver ${IOMMUBENCH_LIBCUDA:-libcuda.so.1}, suite $suite, at most ${limit}s"
t0=$SECONDS
timeout --signal=INT --kill-after=60 "$limit" \
	"$bin" run --suite "$suite" --results-dir "$res" --run-id "$runid" "$@"
rc=$?
((rc == 124)) && echo "gpu-check: stopped at the ${limit}s cap; results.json is marked incomplete"
[[ -f $dir/results.json ]] || { echo "gpu-check: no results in $dir (exit $rc)" >&2; exit "$rc"; }
"$bin" finish "$dir" --link-latest || rc=${rc:-2}
python3 - "$dir/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d['results'] if r.get('run_type') != 'derived']
st = {}
for r in rows:
    st[r['status']] = st.get(r['status'], 0) + 1
print('gpu-check: %d rows: %s' % (len(rows), ', '.join('%d %s' % (n, s) for s, n in sorted(st.items()))))
reasons = sorted({r.get('reason', '') for r in rows if r['status'] != 'ok'})
for why in reasons[:5]:
    print('gpu-check:   not ok: %s' % why)
for r in d['results']:
    if r.get('run_type') == 'derived':
        e = r.get('metrics', {}).get('iotlb_entries')
        print('gpu-check: %s: %s' % (r['name'], '%g entries [%g..%g] (%s)' % (e['median'], e['ci95_low'], e['ci95_high'], r['params'].get('source')) if e else r.get('reason')))
PY
echo "gpu-check: $dir/results.json, $dir/report.html ($((SECONDS - t0)) s)"
exit "$rc"
