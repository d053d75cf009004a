#!/usr/bin/env bash
# Golden outputs (issue 9, "golden tests first"): what the harness makes of
# the fixtures must not change when code moves.  Every output here is
# deterministic, so the comparison is byte for byte after two
# normalisations: the temp dir becomes @TMP@, and the figures' base64 data
# URIs in report.html become @IMG@ (gnuplot's own bytes are not ours; the
# .dat files that feed it are kept).
#
#   bash tests/golden/test_golden.sh            compare with tests/golden/expected
#   IB_GOLDEN_UPDATE=1 bash tests/golden/...    rewrite expected (say why in the commit)
#
# Cases: derive + report on tests/fixtures/report/run (results.json/.csv,
# plots/data/*.dat, report.html, console), finish on the same (and on the
# lab fixture) against the separate steps, lab-merge on
# tests/fixtures/lab/run1, compare of tests/fixtures/compare/{a,b}, export
# of the report and compare fixtures, the
# dry-run plan of every suite on the 4-node topology fixture, and `help`.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
exp=tests/golden/expected
tmp=$(mktemp -d /tmp/ib-golden-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
mkdir -p "$out"

[[ -x $bin ]] || { echo "not ok - golden: $bin missing (make build)"; exit 1; }

norm() { # file -> stdout
	sed -e "s|$tmp|@TMP@|g" -e 's|data:image/[a-z+]*;base64,[A-Za-z0-9+/=]*|data:@IMG@|g' "$1"
}
keep() { # name file: normalised copy into $out
	norm "$2" >"$out/$1"
}

# derive + report (the report fixture: hugepage run with windows, map/unmap,
# NUMA, skipped rows)
cp -r tests/fixtures/report/run "$tmp/rep"
"$bin" derive "$tmp/rep" >"$tmp/derive.out" 2>&1
echo "exit $?" >>"$tmp/derive.out"
keep derive.console "$tmp/derive.out"
"$bin" report "$tmp/rep" >"$tmp/report.out" 2>&1
echo "exit $?" >>"$tmp/report.out"
keep report.console "$tmp/report.out"
keep report.results.json "$tmp/rep/results.json"
keep report.results.csv "$tmp/rep/results.csv"
keep report.html "$tmp/rep/report.html"
for d in "$tmp"/rep/plots/data/*; do
	[[ -f $d ]] && keep "report.data.$(basename "$d")" "$d"
done

# lab-merge (trace + marks -> counters)
cp -r tests/fixtures/lab/run1 "$tmp/lab"
"$bin" lab-merge "$tmp/lab" >"$tmp/lab.out" 2>&1
echo "exit $?" >>"$tmp/lab.out"
keep lab-merge.console "$tmp/lab.out"
keep lab-merge.results.json "$tmp/lab/results.json"
[[ -f $tmp/lab/results.csv ]] && keep lab-merge.results.csv "$tmp/lab/results.csv"

# compare (ratio table, significance)
"$bin" compare tests/fixtures/compare/a tests/fixtures/compare/b -o "$tmp/compare.csv" >"$tmp/compare.out" 2>&1
echo "exit $?" >>"$tmp/compare.out"
keep compare.console "$tmp/compare.out"
keep compare.csv "$tmp/compare.csv"

# export: the three fixture runs as one tidy CSV (docs/harness.md, "Export")
"$bin" export tests/fixtures/report/run tests/fixtures/compare/a tests/fixtures/compare/b \
	-o "$tmp/export.csv" >"$tmp/export.out" 2>&1
echo "exit $?" >>"$tmp/export.out"
keep export.console "$tmp/export.out"
keep export.csv "$tmp/export.csv"

# finish: lab-merge + derive + report in one process must give what the
# separate steps give (report fixture: no marks, so no merge), and on the
# lab fixture what lab-merge then derive give
cp -r tests/fixtures/report/run "$tmp/fin"
"$bin" finish "$tmp/fin" >"$tmp/finish.out" 2>&1
echo "exit $?" >>"$tmp/finish.out"
keep finish.console "$tmp/finish.out"
for f in results.json results.csv report.html; do
	sed "s|$tmp/fin|$tmp/rep|g" "$tmp/fin/$f" >"$tmp/fin.$f"
	norm "$tmp/fin.$f" | cmp -s - "$out/report.${f#report.}" || echo "not ok - golden finish: $f differs from derive + report"
done
for d in "$tmp"/rep/plots/data/*; do
	norm "$tmp/fin/plots/data/$(basename "$d")" | cmp -s - "$out/report.data.$(basename "$d")" ||
		echo "not ok - golden finish: plots/data/$(basename "$d") differs from derive + report"
done
cp -r tests/fixtures/lab/run1 "$tmp/labfin"
"$bin" finish "$tmp/labfin" >/dev/null 2>&1
cp -r tests/fixtures/lab/run1 "$tmp/labsep"
{ "$bin" lab-merge "$tmp/labsep" && "$bin" derive "$tmp/labsep"; } >/dev/null 2>&1
for f in results.json results.csv; do
	cmp -s "$tmp/labfin/$f" "$tmp/labsep/$f" || echo "not ok - golden finish: lab $f differs from lab-merge + derive"
done

# plans: every suite, dry run, fixed topology (no module here, so no devices)
for s in bench/suites/*.suite; do
	n=$(basename "$s" .suite)
	IOMMUBENCH_TOPOLOGY_XML=tests/fixtures/topology/2pkg-4numa-gpu-nic.xml \
		"$bin" run --suite "$s" --dry-run >"$tmp/plan-$n" 2>&1
	echo "exit $?" >>"$tmp/plan-$n"
	keep "plan.$n" "$tmp/plan-$n"
done

# help: the option table and each engine's parameters ("here:" depends on
# the machine and is left out)
"$bin" help >"$tmp/help" 2>&1
keep help "$tmp/help"
for e in $(sed -n '/^engines:/,/^$/s/^  \([a-z]*\) .*/\1/p' "$tmp/help"); do
	"$bin" help "$e" 2>&1 | grep -v '^here: ' >"$tmp/help-$e"
	keep "help.$e" "$tmp/help-$e"
done

if [[ -n ${IB_GOLDEN_UPDATE:-} ]]; then
	rm -rf "$exp"
	mkdir -p "$exp"
	cp "$out"/* "$exp"/
	echo "ok - golden outputs rewritten: $(ls "$exp" | wc -l) files in $exp"
	exit 0
fi

for f in "$exp"/*; do
	n=$(basename "$f")
	if [[ ! -f $out/$n ]]; then
		echo "not ok - golden $n: not produced"
	elif cmp -s "$f" "$out/$n"; then
		echo "ok - golden $n"
	else
		echo "not ok - golden $n differs: $(diff "$f" "$out/$n" | head -n 3 | tr '\n' ' ')"
	fi
done
for f in "$out"/*; do
	[[ -f $exp/$(basename "$f") ]] || echo "not ok - golden $(basename "$f"): new output, no expected file (IB_GOLDEN_UPDATE=1)"
done
