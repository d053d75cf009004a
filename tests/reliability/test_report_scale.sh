#!/usr/bin/env bash
# Reliability of `iommubench report` and `compare` (issue 8): scale (a
# 10k-row run within a generous bound; the 1k/10k/44k figures come from
# scripts/bench-report-scale.sh), wrong and missing schemas, null and NaN
# metrics, a results.csv one row behind results.json, hostile text (gnuplot
# injection, HTML, CSV quoting), deep and huge JSON, and full filesystems
# (blocks and inodes: exit 3, one line, no half-written file, no temporary).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
fix=tests/fixtures/report/run
gen=bench/scale/gen_results.py
tmp=$(mktemp -d /tmp/ib-rel-report-XXXXXX)
mnt=
cleanup() {
	[[ -n $mnt ]] && mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { # name cond...
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# one_line_err NAME RC PATTERN cmd...: exit RC, one line of output matching
# (ERR_ONLY=1: of stderr; compare's table goes to stdout)
one_line_err() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	if [[ ${ERR_ONLY:-0} == 1 ]]; then
		out=$("$@" 2>&1 >/dev/null); rc=$?
	else
		out=$("$@" 2>&1); rc=$?
	fi
	if [[ $rc == "$want" && $(wc -l <<<"$out") == 1 && $out == *$pat* ]]; then
		ok "$name"
	else
		nok "$name: rc=$rc out=$(head -c 300 <<<"$out")"
	fi
}
no_tmp() { [[ -z $(find "$1" -name '*.tmp' 2>/dev/null) ]]; }
# py DOC_IN DOC_OUT CODE: rewrites a results.json with python (d = the doc)
py() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }
have_gp=1
command -v gnuplot >/dev/null || have_gp=0

# -- scale: report and compare on 10k rows ----------------------------------
python3 "$gen" 10000 "$tmp/big"
python3 "$gen" 10000 "$tmp/bigb" --seed 2 --scale-b 1.03 --run-id scaleB-20261124T080000Z
t0=$SECONDS
out=$("$bin" report "$tmp/big" 2>&1); rc=$?
dt=$((SECONDS - t0))
check "report on 10k rows: exit 0 in $dt s (bound 120 s; load $(cut -d' ' -f1 /proc/loadavg))" \
	bash -c "[[ $rc == 0 && $dt -le 120 ]]"
check "10k rows: results.csv derived, report.html written" \
	bash -c "[[ -s '$tmp/big/report.html' && \$(wc -l <'$tmp/big/results.csv') -gt 40000 ]]"
mkdir -p "$tmp/bigcmp"
t0=$SECONDS
out=$("$bin" compare "$tmp/big" "$tmp/bigb" -o "$tmp/bigcmp/compare.csv" 2>&1); rc=$?
dt=$((SECONDS - t0))
check "compare on 10k rows: exit 0 in $dt s (bound 120 s)" bash -c "[[ $rc == 0 && $dt -le 120 ]]"
check "compare on 10k rows: overlays of more than 100 rows not drawn, and said so" \
	bash -c "grep -q 'dma_latency_ns not drawn: [0-9]* rows (more than 100)' <<<'$(tail -n1 <<<"$out")'"
rm -rf "$tmp/big" "$tmp/bigb" "$tmp/bigcmp"

# -- compare refuses other schemas -------------------------------------------
mkdir -p "$tmp/cmp"
py "$fix/results.json" "$tmp/v0.json" 'd["schema"] = "iommubench/0"'
py "$fix/results.json" "$tmp/noschema.json" 'del d["schema"]'
one_line_err "compare: wrong schema: exit 1, one line naming the file and schema" 1 \
	"v0.json: schema: expected" "$bin" compare "$fix" "$tmp/v0.json" -o "$tmp/cmp/c.csv"
one_line_err "compare: missing schema: exit 1, one line naming the file and schema" 1 \
	"noschema.json: schema: expected" "$bin" compare "$tmp/noschema.json" "$fix" -o "$tmp/cmp/c.csv"
check "compare: nothing written on a refused schema" test ! -e "$tmp/cmp/c.csv"

# -- null and NaN metrics ----------------------------------------------------
mkdir -p "$tmp/null"
# (a host run: the lab fixture's DMA timings are flat by construction and not drawn)
py "$fix/results.json" "$tmp/null/results.json" '
d["context"]["platform"] = "host"
for r in d["results"]:
    for m in r.get("metrics", {}).values():
        if "4k" in r["name"] or r["name"].startswith("numa/"):
            m["median"] = None
        if r["name"].startswith("map/"):
            m["median"] = "NaN"; m["p90"] = None'
out=$("$bin" report "$tmp/null" 2>&1); rc=$?
check "null/NaN medians: report exits 0 (rc=$rc: $(tail -n1 <<<"$out"))" test "$rc" = 0
if ((have_gp)); then
	check "null medians: the 2m series drawn without the 4k rows" \
		bash -c "[[ -s '$tmp/null/plots/window_latency.svg' ]] && ! grep -q '\"4k\"' '$tmp/null/plots/data/window_latency.dat'"
	check "null/NaN medians: figures without data listed as not drawn" \
		bash -c "grep -q 'NUMA placement: median DMA latency</b>: not drawn: ' '$tmp/null/report.html' && grep -q 'Map/unmap latency per IOMMU mode</b>: not drawn: no row has a map_ns or unmap_ns median' '$tmp/null/report.html'"
fi
mkdir -p "$tmp/nan"
sed 's/"median": 100004096/"median": NaN/' "$fix/results.json" >"$tmp/nan/results.json"
one_line_err "a NaN literal (not JSON): exit 1, one line naming results.json" 1 \
	"nan/results.json:" "$bin" report "$tmp/nan"

# -- results.csv one row behind results.json (a SIGKILL between the writes) --
mkdir -p "$tmp/behind"
cp "$fix/results.csv" "$tmp/behind/"
py "$fix/results.json" "$tmp/behind/results.json" '
import copy
r = copy.deepcopy([x for x in d["results"] if x["name"] == "numa/cpu_node:1/mem_node:1/dev_node:0"][0])
r["name"] = "numa/cpu_node:1/mem_node:1/dev_node:1"
r["params"]["dev_node"] = 1
r["metrics"]["dma_latency_ns"]["median"] = 123456789
d["results"].append(r)'
out=$("$bin" report "$tmp/behind" 2>&1); rc=$?
check "CSV behind the JSON: exit 0 (rc=$rc)" test "$rc" = 0
check "CSV behind the JSON: results.csv rewritten with the last JSON row" \
	grep -q '^[^,]*,[^,]*,[^,]*,[^,]*,numa/cpu_node:1/mem_node:1/dev_node:1,' "$tmp/behind/results.csv"
check "CSV behind the JSON: the last row is in the figure data (numa.dat: 1 1 123456789)" \
	grep -qx '1 1 123456789' "$tmp/behind/plots/data/numa.dat"

# -- hostile text: gnuplot injection, HTML, CSV ------------------------------
pwn=$tmp/pwned
mkdir -p "$tmp/hostile"
P="$pwn" py "$fix/results.json" "$tmp/hostile/results.json" '
import os
p = os.environ["P"]
evil = [
    "\x27; system(\"touch %s-1\"); \x27" % p,
    "\"; system(\"touch %s-2\"); \"" % p,
    "`touch %s-3`" % p,
    "@evil \x27.system(\"touch %s-4\").\x27" % p,
    "a\\\x27; system(\"touch %s-5\") #\n<script>alert(1)</script> & \"q\", x" % p,
]
d["context"]["host"] = evil[0]
d["context"]["lab_host"] = evil[1]
d["context"]["suite"] = evil[2]
d["context"]["platform"] = "host"  # a lab run would not draw its flat DMA timings
for i, r in enumerate(d["results"]):
    if r["name"].startswith("hugepage/page_size:2m"):
        r["params"]["page_size"] = evil[3]
    if r["name"].startswith("numa/"):
        r["params"]["dev_node"] = evil[4]
        r["params"]["window"] = evil[1]
    if r["name"].startswith("map/"):
        r["name"] = evil[i % 5] + "/" + str(i)
    if r["name"].startswith("iotlb_reach/page_size:4k"):
        r["params"]["page_size"] = evil[0]
d["results"][0]["name"] = evil[4]'
out=$(env P="$pwn" "$bin" report "$tmp/hostile" 2>&1); rc=$?
check "hostile names/params: report exits 0 (rc=$rc: $(tail -n1 <<<"$out"))" test "$rc" = 0
check "hostile names/params: no command ran (no $pwn-*)" bash -c "! ls '$pwn'-* >/dev/null 2>&1"
check "hostile names: HTML-escaped (no raw <script>, &lt;script&gt; present)" \
	bash -c "! grep -q '<script>' '$tmp/hostile/report.html' && grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;' '$tmp/hostile/report.html'"
bad=$(python3 - "$tmp/hostile" <<'PY'
import csv, json, re, sys
d = sys.argv[1]
# results.csv's text cells (issue 20 item 5): control characters and
# U+FFFE/FFFF become '?', a cell a spreadsheet would run as a formula
# (= + - @ tab CR first, not a plain number) gets a leading '
def cell(s):
    t = re.sub("[\x00-\x1f\x7f\ufffe\uffff]", "?", s)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
        t = "'" + t
    return t
names = {cell(r["name"]) for r in json.load(open(d + "/results.json"))["results"]}
got = {row["name"] for row in csv.DictReader(open(d + "/results.csv", newline=""))}
print("; ".join(sorted(repr(n) for n in names ^ got)))
PY
)
check "hostile names: CSV quoting round-trips every name (control characters as ?, formula cells with a leading ')${bad:+: $bad}" test -z "$bad"
if ((have_gp)); then
	svgs=$(ls "$tmp"/hostile/plots/*.svg 2>/dev/null | wc -l)
	check "hostile names/params: figures still drawn ($svgs SVGs)" test "$svgs" -ge 4
fi
mkdir -p "$tmp/hcmp"
"$bin" compare "$fix" "$tmp/hostile" -o "$tmp/hcmp/compare.csv" >"$tmp/hcmp/out" 2>&1; rc=$?
check "hostile names: compare exits 0, runs no command, prints no control character (rc=$rc)" \
	bash -c "[[ $rc == 0 ]] && ! ls '$pwn'-* >/dev/null 2>&1 && ! grep -qP '[\\x00-\\x08\\x0b-\\x1f\\x7f]' '$tmp/hcmp/out'"

# -- deep and huge JSON ------------------------------------------------------
mkdir -p "$tmp/deep"
python3 -c "import sys; sys.stdout.write('[' * 100000 + ']' * 100000)" >"$tmp/deep/results.json"
one_line_err "100k-deep JSON: report exits 1, one line naming results.json" 1 \
	"deep/results.json:1: maximum parsing depth reached" "$bin" report "$tmp/deep"
one_line_err "100k-deep JSON: compare exits 1, one line" 1 "maximum parsing depth" \
	"$bin" compare "$fix" "$tmp/deep" -o "$tmp/cmp/c.csv"
python3 -c "
import json, sys
d = json.load(open('$fix/results.json'))
d['context']['cpu'] = {'a': None}
x = d['context']['cpu']
for _ in range(2000):
    x['a'] = {'a': None}; x = x['a']
sys.setrecursionlimit(10000)
json.dump(d, open('$tmp/deep2.json', 'w'))"
mkdir -p "$tmp/deep2" && mv "$tmp/deep2.json" "$tmp/deep2/results.json"
out=$("$bin" report "$tmp/deep2" 2>&1); rc=$?
check "2000-deep context object: report exits 0 or 1 with one line, no crash (rc=$rc)" \
	bash -c "[[ $rc == 0 || ( $rc == 1 && \$(wc -l <<<'$out') == 1 ) ]]"
mkdir -p "$tmp/huge"
truncate -s 600M "$tmp/huge/results.json"
one_line_err "a 600 MB results.json: exit 1 at once, one line (over 512 MiB)" 1 \
	"over the 512 MiB" "$bin" report "$tmp/huge"
rm -rf "$tmp/huge"

# -- full filesystems --------------------------------------------------------
if [[ $(id -u) != 0 ]]; then
	ok "full tmpfs # SKIP needs root to mount a tmpfs"
	exit 0
fi
mnt=$tmp/mnt
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=16m,nr_inodes=4096 tmpfs "$mnt" 2>/dev/null; then
	ok "full tmpfs # SKIP mount -t tmpfs failed here"
	exit 0
fi
# a complete report on disk first: its size tells where to fill
mkdir -p "$tmp/ref"
cp "$fix/results.json" "$tmp/ref/"
"$bin" report "$tmp/ref" >/dev/null 2>&1
need_plots=$(du -sB4096 --apparent-size "$tmp/ref/plots" | cut -f1)
need_html=$(du -B4096 --apparent-size "$tmp/ref/report.html" | cut -f1)
need_csv=$(du -B4096 --apparent-size "$tmp/ref/results.csv" | cut -f1)
fill_to() { # leave $1 4k blocks free in $mnt
	local avail
	rm -f "$mnt/filler"
	sync
	avail=$(df -B4096 --output=avail "$mnt" | tail -n1 | tr -d ' ')
	fallocate -l $(((avail - $1) * 4096)) "$mnt/filler"
}

# 1. no room for results.csv
mkdir -p "$mnt/r1" && cp "$fix/results.json" "$mnt/r1/"
fill_to 0
one_line_err "full tmpfs, no room at all: exit 3, one line" 3 "results.csv: No space left on device" \
	"$bin" report "$mnt/r1"
check "full tmpfs, no room at all: no temporary left, no report.html" \
	bash -c "$(declare -f no_tmp); no_tmp '$mnt/r1' && [[ ! -e '$mnt/r1/report.html' ]]"
rm -rf "$mnt/r1"

# 2. room for the CSV and the figures but not report.html; an older
# complete report.html must stay as it was.
rm -f "$mnt/filler"
mkdir -p "$mnt/r2" && cp "$fix/results.json" "$mnt/r2/" && cp "$tmp/ref/report.html" "$mnt/r2/"
fill_to $((need_csv + need_plots + need_html / 2))
out=$("$bin" report "$mnt/r2" 2>&1); rc=$?
check "full tmpfs while drawing: exit 3, one line ($out)" \
	bash -c "[[ $rc == 3 && \$(wc -l <<<'$out') == 1 && '$out' == *'No space left on device'* || '$out' == *'incomplete'* ]]"
check "full tmpfs while drawing: report.html not half-written (the old one intact), no temporary" \
	bash -c "$(declare -f no_tmp); cmp -s '$tmp/ref/report.html' '$mnt/r2/report.html' && no_tmp '$mnt/r2'"
rm -rf "$mnt/r2"

# 2b. room for the CSV and the data files but not the figures (gnuplot's
# output is cut short: it must not be taken for a figure)
for extra in 3 12 40; do
	rm -rf "$mnt/filler" "$mnt/r3"
	mkdir -p "$mnt/r3" && cp "$fix/results.json" "$mnt/r3/"
	fill_to $((need_csv + extra))
	out=$("$bin" report "$mnt/r3" 2>&1); rc=$?
	check "full tmpfs, $extra blocks for the figures: exit 3, one line, no report.html, no temporary ($out)" \
		bash -c "$(declare -f no_tmp); [[ $rc == 3 && \$(wc -l <<<'$out') == 1 && ! -e '$mnt/r3/report.html' ]] && no_tmp '$mnt/r3'"
done
rm -rf "$mnt/r3"

# 3. compare into a full filesystem
rm -f "$mnt/filler"
mkdir -p "$mnt/c"
fill_to 0
ERR_ONLY=1 one_line_err "full tmpfs: compare exits 3, one line on stderr" 3 "No space left on device" \
	"$bin" compare "$fix" "$fix" -o "$mnt/c/compare.csv"
check "full tmpfs: compare leaves no compare.csv and no temporary" \
	bash -c "$(declare -f no_tmp); [[ ! -e '$mnt/c/compare.csv' ]] && no_tmp '$mnt/c'"
rm -rf "$mnt/c" "$mnt/filler"

# 4. no inodes left
rm -f "$mnt/filler"
mkdir -p "$mnt/r4" && cp "$fix/results.json" "$mnt/r4/"
i=0
while touch "$mnt/i$i" 2>/dev/null; do i=$((i + 1)); done
one_line_err "tmpfs out of inodes: report exits 3, one line" 3 "results.csv: No space left on device" \
	"$bin" report "$mnt/r4"
check "tmpfs out of inodes: no report.html" test ! -e "$mnt/r4/report.html"
