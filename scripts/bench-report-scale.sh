#!/usr/bin/env bash
# Benchmark (not a test): how `iommubench report` and `iommubench compare`
# scale with the rows of a run.  For each size N (default 1000 10000 44000)
# it generates a synthetic run of N rows (bench/scale/gen_results.py) and a
# second one 3 % slower, then prints the wall time, the CPU time (user +
# sys, gnuplot included) and the peak RSS of
#   iommubench report RUN           (gnuplot's CPU share in parentheses)
#   iommubench compare RUN RUN_B -o DIR/compare.csv
# Wall time depends on what else the machine runs: the load average is
# printed with each line, and the CPU time is the figure to compare.
#
# usage: scripts/bench-report-scale.sh [N...]
#   BIN=path/to/iommubench   the binary to measure (default build/iommubench)
#   KEEP=1                   keep the generated runs (the directory is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-build/iommubench}
sizes=("$@")
((${#sizes[@]})) || sizes=(1000 10000 44000)

[[ -x $bin ]] || { echo "bench-report-scale: $bin missing (make build)" >&2; exit 3; }
[[ -x /usr/bin/time ]] || { echo "bench-report-scale: /usr/bin/time missing (apt-get install time)" >&2; exit 3; }
command -v python3 >/dev/null || { echo "bench-report-scale: python3 missing" >&2; exit 3; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ib-bench-report-XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
	echo "runs kept in $work"
else
	trap 'rm -rf "$work"' EXIT
fi

load() { cut -d' ' -f1 /proc/loadavg; }

# measure LABEL cmd...: runs cmd, prints one line; the command's stderr is
# kept in $work/err (report's IOMMUBENCH_TIMING line is read from it).
measure() {
	local label=$1 rc t
	shift
	rc=0
	/usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >"$work/out" 2>"$work/err" || rc=$?
	read -r wall user sys rss <"$work/time" || true
	t=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
	gp=$(sed -n 's/.*; gnuplot [0-9.]*\/\([0-9.]*\)$/\1/p' "$work/err" | tail -n1)
	printf '%-8s %7s rows  %6.1f s wall  %6s s cpu%-22s %6d MB RSS  load %s  rc %d\n' \
		"$label" "$n" "$wall" "$t" "${gp:+ (gnuplot $gp s)}" $((rss / 1024)) "$(load)" "$rc"
	if ((rc)); then sed 's/^/    /' "$work/err" | tail -n3; fi
}

echo "binary: $bin ($(nproc) CPUs), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for n in "${sizes[@]}"; do
	a=$work/a$n b=$work/b$n
	python3 bench/scale/gen_results.py "$n" "$a" --run-id "scaleA-$n"
	python3 bench/scale/gen_results.py "$n" "$b" --seed 2 --scale-b 1.03 --run-id "scaleB-$n"
	mb=$(du -m "$a/results.json" | cut -f1)
	echo "-- $n rows: results.json $mb MB"
	measure report env IOMMUBENCH_TIMING=1 "$bin" report "$a"
	mkdir -p "$work/cmp$n"
	measure compare "$bin" compare "$a" "$b" -o "$work/cmp$n/compare.csv"
	rm -rf "$a" "$b" "$work/cmp$n"
done
