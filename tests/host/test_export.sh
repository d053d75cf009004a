#!/usr/bin/env bash
# iommubench export (docs/harness.md, "Export"): the three fixture runs as
# one tidy CSV that pandas loads, with the line count and values computed
# here independently from the results.json files; directory arguments
# (runs below, links not followed); bad input is one line, exit 1, and no
# output file (an existing one is left as it was).  The bytes themselves
# are the golden test's (tests/golden, export.csv).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
[[ -x $bin ]] || { nok "export: $bin missing (make build)"; exit 1; }
tmp=$(mktemp -d /tmp/ib-export-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Debian's python3 (python3-pandas, the test set), not a python3 earlier in PATH
py=/usr/bin/python3
[[ -x $py ]] || py=python3
runs=(tests/fixtures/report/run tests/fixtures/compare/a tests/fixtures/compare/b)

"$bin" export "${runs[@]}" -o "$tmp/all.csv" 2>"$tmp/err"
rc=$?
check "export of three runs exits 0" test "$rc" = 0
check "export says how many lines and runs" grep -q "^iommubench: export: [0-9]* lines from 3 run(s) written to $tmp/all.csv\$" "$tmp/err"

if ! "$py" -c 'import pandas' 2>/dev/null; then
	nok "pandas load: python3-pandas not installed (make deps DEPS=test)"
else
	"$py" - "$tmp/all.csv" "${runs[@]}" >"$tmp/py.out" 2>&1 <<'EOF'
import json, sys
import pandas as pd

STATS = ["median", "mean", "min", "max", "p90", "p99", "p999", "stddev",
         "ci95_low", "ci95_high", "n"]
df = pd.read_csv(sys.argv[1], keep_default_na=False, na_values=[""])
want = 0
for d in sys.argv[2:]:
    doc = json.load(open(d + "/results.json"))
    for r in doc["results"]:
        for m in (r.get("metrics") or {}).values():
            want += sum(1 for s in STATS if isinstance(m.get(s), (int, float)))
        want += sum(1 for c in (r.get("counters") or {}).values()
                    if isinstance(c.get("value"), (int, float)))
fails = []
def expect(name, got, exp):
    if got != exp:
        fails.append(f"{name}: got {got!r}, expected {exp!r}")
expect("lines", len(df), want)
for col in ["run_id", "host", "instance_type", "kernel", "iommu_vendor", "iommu_domain",
            "platform", "simulated", "name", "page_size", "window", "kind", "metric",
            "statistic", "value"]:
    if col not in df.columns:
        fails.append(f"column {col} missing")
expect("runs", df.run_id.nunique(), 3)
expect("kinds", sorted(df.kind.unique()), ["counter", "metric"])
expect("metric statistics", sorted(df[df.kind == "metric"].statistic.unique()), sorted(STATS))
expect("counter statistic", list(df[df.kind == "counter"].statistic.unique()), ["value"])
one = df[(df.run_id == "qemu-lab-20261124T070000Z") &
         (df.name == "hugepage/page_size:4k/window:64k")]
v = lambda k, m, s: one[(one.kind == k) & (one.metric == m) & (one.statistic == s)].value.tolist()
expect("dma_latency_ns median", v("metric", "dma_latency_ns", "median"), [100004096])
expect("dma_latency_ns n", v("metric", "dma_latency_ns", "n"), [3000])
expect("iotlb_miss", v("counter", "iotlb_miss", "value"), [64])
expect("context", one[["host", "kernel", "iommu_vendor", "iommu_domain", "platform"]]
       .drop_duplicates().values.tolist(), [["lab", "6.1.0-28-amd64", "intel", "DMA", "qemu-lab"]])
expect("params", one[["page_size", "window", "xfer_size"]].drop_duplicates().values.tolist(),
       [["4k", 65536, 2048]])
print("; ".join(fails) if fails else f"shape {df.shape[0]}x{df.shape[1]}")
sys.exit(1 if fails else 0)
EOF
	if (($? == 0)); then ok "pandas loads it: $(cat "$tmp/py.out")"; else nok "pandas: $(tail -n 3 "$tmp/py.out" | tr '\n' ' ')"; fi
fi

# a directory: every results.json below it, links not followed
mkdir -p "$tmp/tree/s1" "$tmp/outside/x"
cp -r tests/fixtures/compare/a "$tmp/tree/s1/a"
cp -r tests/fixtures/compare/b "$tmp/tree/s1/b"
cp -r tests/fixtures/report/run "$tmp/outside/x/run"
ln -s a "$tmp/tree/s1/latest"
ln -s "$tmp/outside/x" "$tmp/tree/escape"
"$bin" export tests/fixtures/compare/a tests/fixtures/compare/b -o "$tmp/ab.csv" 2>/dev/null
"$bin" export "$tmp/tree" -o "$tmp/tree.csv" 2>"$tmp/err"
check "a directory exports the runs below it, once each, none through links" cmp -s "$tmp/ab.csv" "$tmp/tree.csv"
check "... and says 2 runs" grep -q "from 2 run(s)" "$tmp/err"
"$bin" export "$tmp/tree/s1/a" >"$tmp/stdout.csv" 2>/dev/null
check "without -o the CSV goes to stdout" test "$(head -n 1 "$tmp/stdout.csv")" = "$(head -n 1 "$tmp/ab.csv")"

# bad input: one line, exit 1, no file (an existing one unchanged)
bad() { # name expected-stderr-pattern args...
	local name=$1 pat=$2
	shift 2
	echo keep >"$tmp/out.csv"
	"$bin" export "$@" -o "$tmp/out.csv" >"$tmp/bad.out" 2>"$tmp/bad.err"
	local rc=$?
	if ((rc == 1)) && [[ $(wc -l <"$tmp/bad.err") == 1 ]] && grep -q -e "$pat" "$tmp/bad.err" &&
		[[ $(cat "$tmp/out.csv") == keep && ! -s $tmp/bad.out ]] &&
		[[ -z $(find "$tmp" -maxdepth 1 -name 'out.csv.*') ]]; then
		ok "bad input: $name: exit 1, one line, no output"
	else
		nok "bad input: $name: rc=$rc, stderr: $(head -c 300 "$tmp/bad.err")"
	fi
}
echo '{"schema": "something/2", "results": []}' >"$tmp/other.json"
mkdir -p "$tmp/empty/deep/er"
bad "missing file" "RUN_OR_DIR $tmp/nope: No such file" "$tmp/nope"
bad "not a results.json" "$tmp/other.json: schema" tests/fixtures/report/run "$tmp/other.json"
bad "not JSON" "$tmp/err" tests/fixtures/report/run "$tmp/err"
bad "a directory without runs" "no results.json in it" "$tmp/empty"
bad "an unknown option" "--bogus: unknown option" --bogus tests/fixtures/report/run
"$bin" export "$tmp/nope" >"$tmp/bad.out" 2>/dev/null
check "bad input prints nothing on stdout" test ! -s "$tmp/bad.out"
