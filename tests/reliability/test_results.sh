#!/usr/bin/env bash
# Reliability (issue 8, items 1-3): no shell and no path escape from data,
# atomic run directories under concurrency, and every results write checked.
#   - hostile --run-id (a quote), latest, ., .., a/b; a hostile suite file name
#   - rerun of a results.json whose context.suite holds a quote or ../../x
#   - 6 concurrent runs with automatic ids, 3 with the same --run-id
#   - make run's directory claim (scripts/run.sh) under 4 concurrent claims
#   - a full tmpfs (full before the run, and filling during it), a tmpfs
#     without inodes, a results path of 1100+ characters and one over PATH_MAX
# Runs as root (tmpfs mounts); without root the mount cases are skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-rel-results-XXXXXX)
mounts=()
cleanup() {
	local m
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
small=(--engine null --min-reps 2 --max-reps 2 --warmup 0)
# lines on stderr that are not progress lines ("[i/n] ...")
errlines() { grep -v '^\[[0-9]*/[0-9]*\] ' "$1"; }
one_line() { [[ $(errlines "$1" | wc -l) == 1 ]]; }
py() { python3 -c "$@"; }

# ---- 1. hostile names: refused before anything runs or is created ----
res=$tmp/names
mkdir -p "$res"
hostile="x';touch $tmp/PWNED;'"
"$bin" run "${small[@]}" --results-dir "$res" --run-id "$hostile" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc == 1 && ! -e $tmp/PWNED && -z $(ls -A "$res") ]] && one_line "$tmp/err" &&
	grep -q "^iommubench: --run-id=x';touch .*: character ''' not allowed; expected" "$tmp/err"; then
	ok "--run-id with a quote: exit 1, one line, no command ran, nothing created"
else
	nok "--run-id with a quote: rc=$rc pwned=$([[ -e $tmp/PWNED ]] && echo yes || echo no) err=$(head -c 300 "$tmp/err")"
fi
for id in latest . .. a/b -x ""; do
	"$bin" run "${small[@]}" --results-dir "$res" --run-id "$id" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc == 1 && -z $(ls -A "$res") ]] && one_line "$tmp/err" && grep -q -- "--run-id=.*expected 1-128 characters" "$tmp/err"; then
		ok "--run-id '$id': exit 1, one line ($(cut -d: -f2-3 "$tmp/err" | head -n1))"
	else
		nok "--run-id '$id': rc=$rc err=$(head -c 300 "$tmp/err") created=$(ls -A "$res")"
	fi
done
"$bin" run --engine null --results-dir "$res" --claimed-run-id .. >/dev/null 2>"$tmp/err"
rc=$?
[[ $rc == 1 ]] && one_line "$tmp/err" && ok "--claimed-run-id ..: exit 1, one line" ||
	nok "--claimed-run-id ..: rc=$rc $(head -c 300 "$tmp/err")"

sdir=$tmp/suites
mkdir -p "$sdir"
# (a file name cannot hold '/': the command is relative, run from $sdir)
sfile="q';touch PWNED2;'.suite"
printf '[global]\nmin_reps=2\nmax_reps=2\n[j]\nengine=null\n' >"$sdir/$sfile"
(cd "$sdir" && "$OLDPWD/$bin" run --suite "./$sfile" --results-dir "$res") >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc == 1 && ! -e $sdir/PWNED2 && ! -e PWNED2 && -z $(ls -A "$res") ]] && one_line "$tmp/err" &&
	grep -q "suite=q';touch PWNED2;': character ''' not allowed" "$tmp/err"; then
	ok "suite file named with a quote: exit 1, one line naming the suite name, nothing ran"
else
	nok "suite file named with a quote: rc=$rc err=$(head -c 300 "$tmp/err")"
fi

# ---- 2. rerun of a hostile results.json ----
"$bin" run "${small[@]}" --results-dir "$tmp/src" --run-id base >/dev/null 2>&1
src=$tmp/src/adhoc/base/results.json
if [[ ! -f $src ]]; then
	nok "rerun: no source results.json to tamper with"
else
	for s in "x';touch $tmp/PWNED3;'" "../../x" ".." "latest" "a/../../b"; do
		py "import json,sys; d=json.load(open(sys.argv[1])); d['context']['suite']=sys.argv[2]; json.dump(d, open(sys.argv[3], 'w'))" \
			"$src" "$s" "$tmp/hostile.json"
		rm -rf "$tmp/rr" "$tmp/x" "$tmp/b"
		mkdir -p "$tmp/rr/results"
		"$bin" rerun "$tmp/hostile.json" --results-dir "$tmp/rr/results" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [[ $rc == 1 && ! -e $tmp/PWNED3 && ! -e $tmp/x && ! -e $tmp/b && -z $(ls -A "$tmp/rr/results") ]] &&
			one_line "$tmp/err" && grep -q "context.suite=.*expected 1-128 characters" "$tmp/err"; then
			ok "rerun with context.suite '$s': exit 1, one line naming context.suite, nothing created"
		else
			nok "rerun with context.suite '$s': rc=$rc err=$(head -c 300 "$tmp/err") found=$(find "$tmp/rr" "$tmp/x" "$tmp/b" 2>/dev/null | tr '\n' ' ')"
		fi
	done
	# a results dir whose suite directory is a symlink out of it
	mkdir -p "$tmp/conf/results" "$tmp/conf/elsewhere"
	ln -s ../elsewhere "$tmp/conf/results/adhoc"
	"$bin" rerun "$src" --results-dir "$tmp/conf/results" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc == 1 && -z $(ls -A "$tmp/conf/elsewhere") ]] && one_line "$tmp/err" && grep -q "outside" "$tmp/err"; then
		ok "rerun into a suite dir that is a symlink out of --results-dir: exit 1, one line, nothing written outside"
	else
		nok "rerun through a symlinked suite dir: rc=$rc err=$(head -c 300 "$tmp/err") elsewhere=$(ls -A "$tmp/conf/elsewhere")"
	fi
	"$bin" rerun "$src" --results-dir "$tmp/rr2" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[[ $rc == 0 && -f $(sed -n 's/.*results in //p' "$tmp/out")/results.json ]] &&
		ok "rerun of a valid results.json still works" || nok "valid rerun: rc=$rc $(tail -n1 "$tmp/err")"
fi

# ---- 3. concurrent runs ----
res=$tmp/conc
mkdir -p "$res"
pids=()
for i in 1 2 3 4 5 6; do
	"$bin" run "${small[@]}" --results-dir "$res" >"$tmp/auto$i.out" 2>"$tmp/auto$i.err" &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	wait "${pids[i - 1]}"
	echo $? >"$tmp/auto$i.rc"
done
good=0 dirs=()
for i in 1 2 3 4 5 6; do
	d=$(sed -n 's/.*; results in //p' "$tmp/auto$i.out")
	if [[ $(cat "$tmp/auto$i.rc") == 0 && -n $d ]] &&
		py "import json,sys,os; d=json.load(open(sys.argv[1]+'/results.json')); assert d['complete'] and len(d['results'])==1 and d['results'][0]['status']=='ok' and d['context']['run_id']==os.path.basename(sys.argv[1])" "$d" 2>/dev/null; then
		good=$((good + 1))
		dirs+=("$d")
	fi
done
ndirs=$(printf '%s\n' "${dirs[@]}" | sort -u | wc -l)
nrun=$(find "$res/adhoc" -mindepth 1 -maxdepth 1 -type d | wc -l)
if [[ $good == 6 && $ndirs == 6 && $nrun == 6 && -L $res/adhoc/latest ]]; then
	ok "6 concurrent runs with automatic ids: 6 exit 0, 6 directories ($(printf '%s\n' "${dirs[@]}" | sed 's|.*/||' | sort | tr '\n' ' ')), each with its row"
else
	nok "6 concurrent automatic runs: $good good, $ndirs distinct dirs, $nrun on disk; rcs $(cat "$tmp"/auto*.rc | tr '\n' ' ')"
fi

pids=()
for i in 1 2 3; do
	"$bin" run "${small[@]}" --results-dir "$res" --run-id same >"$tmp/same$i.out" 2>"$tmp/same$i.err" &
	pids+=($!)
done
for i in 1 2 3; do
	wait "${pids[i - 1]}"
	echo $? >"$tmp/same$i.rc"
done
n0=0 n1=0 bad=""
for i in 1 2 3; do
	rc=$(cat "$tmp/same$i.rc")
	if [[ $rc == 0 ]]; then
		n0=$((n0 + 1))
	elif [[ $rc == 1 ]] && one_line "$tmp/same$i.err" && grep -q -- "--run-id=same: .* already exists" "$tmp/same$i.err"; then
		n1=$((n1 + 1))
	else
		bad+=" run $i: rc=$rc $(head -c 200 "$tmp/same$i.err")"
	fi
done
if [[ $n0 == 1 && $n1 == 2 && -z $bad ]] &&
	py "import json,sys; d=json.load(open(sys.argv[1])); assert d['complete'] and len(d['results'])==1" "$res/adhoc/same/results.json"; then
	ok "3 concurrent runs with the same --run-id: 1 exit 0 with its row, 2 exit 1 with one line ('already exists')"
else
	nok "3 runs with the same --run-id: $n0 exit 0, $n1 refused;$bad"
fi

# make run's claim (scripts/run.sh): 4 claims of one second's id at once
(
	res=$tmp/claim suite=smoke
	eval "$(sed -n '/^claim_run_dir() {/,/^}/p' scripts/run.sh)"
	for i in 1 2 3 4; do (claim_run_dir host-20261129T000000Z && echo "$runid") & done
	wait
) >"$tmp/claims" 2>&1
if [[ $(sort -u "$tmp/claims" | wc -l) == 4 && $(find "$tmp/claim/smoke" -mindepth 1 -maxdepth 1 -type d | wc -l) == 4 ]] &&
	grep -qx "host-20261129T000000Z-4" "$tmp/claims"; then
	ok "scripts/run.sh: 4 claims in the same second get 4 directories ($(sort "$tmp/claims" | tr '\n' ' '))"
else
	nok "scripts/run.sh claims: $(tr '\n' ' ' <"$tmp/claims")"
fi

# ---- 4. full disk, no inodes, long paths ----
# a run that cannot keep its results: exit 3, one line, no "results in", no .tmp
check_failed_run() { # label dir expect-regex
	local label=$1 dir=$2 want=$3 rc tmps
	"$bin" run "${small[@]}" --results-dir "$dir" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	tmps=$(find "$dir" -name '*.tmp' 2>/dev/null | wc -l)
	if [[ $rc == 3 && $tmps == 0 ]] && ! grep -q "results in" "$tmp/out" && one_line "$tmp/err" &&
		errlines "$tmp/err" | grep -qE "$want"; then
		ok "$label: exit 3, one line ($(errlines "$tmp/err" | sed "s|$tmp|\$tmp|g" | cut -c1-140)), no 'results in', no .tmp"
	else
		nok "$label: rc=$rc tmps=$tmps out=$(tail -n1 "$tmp/out") err=$(errlines "$tmp/err" | head -c 300)"
	fi
}

mnt() { # dir options
	mkdir -p "$1"
	mount -t tmpfs -o "$2" tmpfs "$1" && mounts+=("$1")
}

if [[ $(id -u) != 0 ]]; then
	ok "full tmpfs, no inodes # SKIP needs root to mount tmpfs"
else
	if mnt "$tmp/full" size=64k; then
		dd if=/dev/zero of="$tmp/full/filler" bs=4k 2>/dev/null
		check_failed_run "full tmpfs (filled before the run)" "$tmp/full" "^iommubench: .*No space left on device$"
	else
		nok "could not mount a tmpfs"
	fi
	if mnt "$tmp/fills" size=64k; then
		check_failed_run "64 KiB tmpfs filled by the run itself" "$tmp/fills" "^iommubench: writing .*: No space left on device$"
	fi
	if mnt "$tmp/inodes" size=1m,nr_inodes=8; then
		check_failed_run "tmpfs with 8 inodes" "$tmp/inodes" "^iommubench: .*No space left on device$"
	fi
fi

# 1100+ characters: works in full (no truncation) ...
long=$tmp/long
while ((${#long} < 1150)); do long+=/$(printf 'd%.0s' {1..100}); done
"$bin" run "${small[@]}" --results-dir "$long" --run-id l >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc == 0 && -f $long/adhoc/l/results.json && -f $long/adhoc/l/results.csv ]] &&
	grep -qF "results in $long/adhoc/l" "$tmp/out"; then
	ok "results path of ${#long} characters: exit 0, written at the full path"
else
	nok "results path of ${#long} characters: rc=$rc $(errlines "$tmp/err" | head -c 200)"
fi
# ... and beyond PATH_MAX it is an error, not a truncated path
long=$tmp/longer
while ((${#long} < 4200)); do long+=/$(printf 'e%.0s' {1..200}); done
"$bin" run "${small[@]}" --results-dir "$long" --run-id l >"$tmp/out" 2>"$tmp/err"
rc=$?
made=$(find "$tmp/longer" -name adhoc 2>/dev/null | wc -l)
if [[ $rc == 3 && $made == 0 ]] && one_line "$tmp/err" && grep -q "File name too long" "$tmp/err" && ! grep -q "results in" "$tmp/out"; then
	ok "results path of ${#long} characters: exit 3, one line (File name too long), nothing created at a truncated path"
else
	nok "results path of ${#long} characters: rc=$rc made=$made err=$(errlines "$tmp/err" | tail -c 200)"
fi

# no system()/popen() left in the harness
if grep -nE '\b(system|popen)\s*\(' harness/src/*/*.c >"$tmp/grep"; then
	nok "system()/popen() in harness/src: $(tr '\n' ' ' <"$tmp/grep")"
else
	ok "no system()/popen() in harness/src"
fi

# ---- 7. no debris (issue 20 item 7): a signal during report or compare ----
# A gnuplot stand-in writes its output temporary (the path after outfile=
# in -e), records its pid and sleeps: the signal lands while a temporary
# exists and a child writes it.  The command must die of the signal, kill
# the stand-in, and leave no *.tmp anywhere in the run or output directory.
printf '%s\n' '#!/bin/sh' \
	'f=$(printf "%s\n" "$2" | sed -n "s/.*outfile='"'"'\([^'"'"']*\)'"'"'.*/\1/p")' \
	'echo $$ >"$IB_STANDIN_PID"' \
	'printf "<svg>\n" >"$f"' \
	'exec sleep 30' >"$tmp/writing-gnuplot"
chmod +x "$tmp/writing-gnuplot"
# debris_case NAME SIG DIR CMD...: runs CMD with the stand-in, signals it once
# a *.tmp exists under DIR, checks the exit code, the stand-in and DIR
debris_case() {
	local name=$1 sig=$2 dir=$3 pid rc want seen=0 left sp
	shift 3
	rm -f "$tmp/standin.pid"
	# default dispositions whatever this test inherited (nohup ignores
	# SIGHUP, and the harness rightly keeps an ignored SIGHUP ignored)
	IB_STANDIN_PID=$tmp/standin.pid IOMMUBENCH_GNUPLOT=$tmp/writing-gnuplot \
		env --default-signal=INT,TERM,HUP "$@" >"$tmp/debris.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[[ -s $tmp/standin.pid && -n $(find "$dir" -name '*.tmp' 2>/dev/null) ]] && { seen=1; break; }
		sleep 0.1
	done
	kill -"$sig" "$pid"
	{ wait "$pid"; rc=$?; } 2>/dev/null
	want=$((128 + $(kill -l "$sig")))
	left=$(find "$dir" -name '*.tmp' 2>/dev/null | tr '\n' ' ')
	sp=$(cat "$tmp/standin.pid" 2>/dev/null)
	if [[ $seen == 1 && $rc == "$want" && -z $left ]] && ! kill -0 "$sp" 2>/dev/null; then
		ok "$name, SIG$sig with a temporary being written: exit $rc, gnuplot stand-in killed, no *.tmp left"
	else
		nok "$name, SIG$sig: seen=$seen rc=$rc (want $want) left='$left' stand-in $sp $(kill -0 "$sp" 2>/dev/null && echo alive) $(tail -n1 "$tmp/debris.out")"
		[[ -n $sp ]] && kill "$sp" 2>/dev/null
	fi
}
for sig in INT TERM HUP; do
	rm -rf "$tmp/debris-run"
	cp -r tests/fixtures/report/run "$tmp/debris-run"
	debris_case "report" "$sig" "$tmp/debris-run" "$bin" report "$tmp/debris-run"
	rm -rf "$tmp/debris-cmp"
	mkdir -p "$tmp/debris-cmp"
	debris_case "compare" "$sig" "$tmp/debris-cmp" "$bin" compare tests/fixtures/compare/a \
		tests/fixtures/compare/b -o "$tmp/debris-cmp/compare.csv"
done

# ---- 8. text safe in every output (issue 20 item 5) ----
# The report fixture with an ESC, BEL and U+FFFF in context.host (and
# lab_host, which the figure titles of a qemu-lab run name), an ESC
# sequence in a row name, and formula cells (=, @, -, tab) in text fields,
# beside a negative number and a number-looking string that must stay as
# they are.  The real gnuplot draws it (every SVG must parse as XML), the
# HTML must hold no control character, the CSVs (results.csv, compare.csv)
# must neutralise exactly the formula cells.
ctl=$tmp/ctl/run
mkdir -p "$tmp/ctl"
cp -r tests/fixtures/report/run "$ctl"
python3 - "$ctl/results.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
c = d["context"]
c["host"] = c["lab_host"] = "evil\x1b[31m\x07host\uffff"  # lab_host titles a qemu-lab run
c["run_id"] = '=HYPERLINK("http://x/")'
r = d["results"]
r[0]["name"] += "\x1b]0;pwned\x07"
r[0]["params"]["device"] = "@SUM(1+1)"
r[1]["params"]["device"] = "-2+3"
r[2]["params"]["device"] = "-5"
r[3]["params"]["mem_node_obtained"] = -1
r[4]["params"]["device"] = "\t=1+1"
json.dump(d, open(p, "w"), indent=1)
PY
if command -v gnuplot >/dev/null; then
	"$bin" report "$ctl" >"$tmp/ctl.out" 2>&1; rc=$?
	got=$(python3 - "$ctl" <<'PY'
import csv, glob, re, sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
bad = []
svgs = sorted(glob.glob(d + "/plots/*.svg"))
for s in svgs:
    try:
        ET.parse(s)
    except ET.ParseError as e:
        bad.append("%s: %s" % (s.rsplit("/", 1)[1], e))
html = open(d + "/report.html", "rb").read()
ctl = re.findall(rb"[\x00-\x08\x0b-\x1f\x7f]|\xef\xbf[\xbe\xbf]", html)
rows = list(csv.reader(open(d + "/results.csv", newline="")))
h = rows[0]
col = lambda name, i: rows[i][h.index(name)]
# the first CSV line of each results row (results.csv: one line per metric)
first = {}
for i, row in enumerate(rows[1:], 1):
    first.setdefault(row[h.index("name")], i)
names = list(first)
formula = [x for row in rows[1:] for x in row
           if x[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", x)]
print(len(svgs) >= 2, len(bad), len(ctl), b"evil?[31m?host?" in html,
      col("run_id", 1) == "'=HYPERLINK(\"http://x/\")", col("host", 1) == "evil?[31m?host?",
      col("device", first[names[0]]), col("device", first[names[1]]), col("device", first[names[2]]),
      col("mem_node_obtained", first[names[3]]), col("device", first[names[4]]),
      names[0].endswith("?]0;pwned?"), len(formula), "|".join(bad)[:300])
PY
)
	if [[ $rc == 0 && $got == "True 0 0 True True True '@SUM(1+1) '-2+3 -5 -1 '?=1+1 True 0 " ]]; then
		ok "ESC/BEL/U+FFFF in host and names, formula cells: report exit 0, every SVG parses as XML, HTML without control characters, CSV cells '@SUM, '-2+3, '?=1+1 neutralised, -5 and -1 kept"
	else
		nok "control characters and formula cells in the report: rc=$rc got '$got' $(tail -n1 "$tmp/ctl.out")"
	fi
	"$bin" compare "$ctl" tests/fixtures/report/run -o "$tmp/ctl/compare.csv" >"$tmp/ctl-cmp.out" 2>&1; rc=$?
	got=$(python3 - "$tmp/ctl" "$tmp/ctl-cmp.out" <<'PY'
import csv, glob, sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
svgs = sorted(glob.glob(d + "/compare-*.svg"))
bad = 0
for s in svgs:
    try:
        ET.parse(s)
    except ET.ParseError:
        bad += 1
rows = list(csv.reader(open(d + "/compare.csv", newline="")))
out = open(sys.argv[2], "rb").read()
print(len(svgs) > 0, bad, rows[1][0], sum(b < 0x20 and b not in (9, 10) for b in out))
PY
)
	if [[ $rc == 0 && $got == "True 0 '=HYPERLINK(\"http://x/\") 0" ]]; then
		ok "compare of that run: exit 0, overlay SVGs parse as XML, compare.csv run_a neutralised, no control characters on the terminal"
	else
		nok "compare with control characters: rc=$rc got '$got' $(tail -n1 "$tmp/ctl-cmp.out")"
	fi
else
	ok "control characters in the report # SKIP no gnuplot"
fi
# duplicate keys: refused with one line naming the key, not last-one-wins
mkdir -p "$tmp/dup/run"
python3 - "$tmp/dup/run/results.json" <<'PY'
import sys
t = open("tests/fixtures/report/run/results.json").read()
t = t.replace('"host": "lab",', '"host": "lab",\n  "host": "other",', 1)
open(sys.argv[1], "w").write(t)
PY
for cmd in report compare; do
	if [[ $cmd == report ]]; then
		"$bin" report "$tmp/dup/run" >"$tmp/dup.out" 2>"$tmp/dup.err"; rc=$?
	else
		"$bin" compare tests/fixtures/report/run "$tmp/dup/run" -o "$tmp/dup/c.csv" >"$tmp/dup.out" 2>"$tmp/dup.err"; rc=$?
	fi
	if [[ $rc == 1 ]] && one_line "$tmp/dup.err" && grep -q "results.json:[0-9]*: duplicate object key near '\"host\"'" "$tmp/dup.err"; then
		ok "$cmd of a results.json with a duplicate key: exit 1, $(cat "$tmp/dup.err")"
	else
		nok "$cmd with a duplicate key: rc=$rc $(head -c 300 "$tmp/dup.err")"
	fi
done
