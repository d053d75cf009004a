#!/usr/bin/env bash
# The test runner's pool (tests/lib/runner.sh), on fake tests: jobs really
# run side by side (a waits for b's marker: with one job at a time it would
# time out), longest first by the last run's seconds then the estimates,
# results counted in list order whatever the finishing order, and the exit
# code rules (4 = skipped, a crash = one failure).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
work=$(mktemp -d /tmp/ib-runner-XXXXXX)
trap 'rm -rf "$work"' EXIT
logdir=$work/logs
mkdir -p "$logdir"
. tests/lib/runner.sh

# fake tests: each appends its name to started.txt when it starts
cat >"$work/t.sh" <<'SH'
#!/usr/bin/env bash
# t.sh NAME MODE [ARG]
echo "$1" >>"$W/started.txt"
case $2 in
wait) # until ARG's marker exists (10 s at most)
	for _ in $(seq 100); do [[ -e $W/${3//\//_}.mark ]] && { echo "ok - $1 saw $3 running"; exit 0; }; sleep 0.1; done
	echo "not ok - $1 never saw $3"; exit 0 ;;
mark) touch "$W/${1//\//_}.mark"; for _ in $(seq 100); do [[ -e $W/done ]] && break; sleep 0.1; done; echo "ok - $1"; exit 0 ;;
pass) echo "ok - $1"; [[ $1 == a ]] && touch "$W/done"; exit 0 ;;
skip) echo "no such device"; exit 4 ;;
crash) echo "segfault here"; exit 3 ;;
late) echo "ok - $1 check"; exit 2 ;;
esac
SH
export W=$work

pool() { # jobs label=mode[:arg]... -> the runner's output in $work/out.txt
	local jobs=$1 spec
	shift
	POOL_LABELS=() POOL_CMDS=()
	for spec in "$@"; do
		POOL_LABELS+=("${spec%%=*}")
		local m=${spec#*=}
		POOL_CMDS+=("bash $work/t.sh ${spec%%=*} ${m/:/ }")
	done
	pass=0 fail=0 skip=0 failed_names=()
	rm -f "$work/started.txt" "$work"/*.mark "$work/done"
	pool_run "$jobs" >"$work/out.txt"
}
declare -A POOL_EST=()

# 1. side by side: a waits for b's marker; b stays until a is done
pool 2 x/a=wait:x/b x/b=mark
if grep -q 'ok - x/a saw x/b running' "$logdir/x_a.log" && ((pass == 2 && fail == 0)); then
	ok "two jobs run at once (a saw b running)"
else
	nok "two jobs at once: pass=$pass fail=$fail: $(cat "$logdir/x_a.log")"
fi
summary=$(printf 'x/a: 1 passed, 0 failed, 0 skipped (%s s)\nx/b: 1 passed, 0 failed, 0 skipped (%s s)' \
	"$(cat "$logdir/x_a.log.secs")" "$(cat "$logdir/x_b.log.secs")")
check "results counted in list order: a before b" \
	diff <(echo "$summary") <(grep -v '^\[' "$work/out.txt")
# each test's line as it ends, with a running count, before the summary
check "each result printed as it ends: [1/2] a (it ends first), [2/2] b, then the summary" \
	diff <(sed 's/^/[1\/2] /;2s/^\[1/[2/' <<<"$summary"; echo "$summary") "$work/out.txt"

# 2. longest first: recorded seconds, then estimates, then the default 60
echo 10 >"$logdir/o_p.log.secs"
echo 500 >"$logdir/o_q.log.secs"
echo junk >"$logdir/o_r.log.secs"
POOL_EST=([o/s]=90 [o/r]=5)
pool 1 o/p=pass o/q=pass o/r=pass o/s=pass o/t=pass
check "order: q (500 s last run), s (est 90), t (default 60), p (10 s), r (junk secs, est 5)" \
	diff <(printf '%s\n' o/q o/s o/t o/p o/r) "$work/started.txt"
check "each run records its seconds (o/q now $(cat "$logdir/o_q.log.secs"))" grep -qx '[0-9]*' "$logdir/o_q.log.secs"
POOL_EST=()

# 3. exit codes
pool 2 e/skip=skip e/crash=crash e/late=late e/fine=pass
if ((pass == 2 && fail == 2 && skip == 1)); then
	ok "exit 4 without lines: one skip; exit 3 without lines and exit 2 after ok lines: one failure each"
else
	nok "exit codes: pass=$pass fail=$fail skip=$skip: $(cat "$work/out.txt")"
fi
grep -q '^ok - e/skip # SKIP no such device$' "$logdir/e_skip.log" && ok "the skip names the script's last line" ||
	nok "skip line: $(tail -n1 "$logdir/e_skip.log")"
[[ ${failed_names[*]} == *"e/crash: e/crash: exited 3: segfault here"* && ${failed_names[*]} == *"e/late: e/late: exited 2 after its checks"* ]] &&
	ok "failures named with exit code and last line" || nok "failed_names: ${failed_names[*]}"

# 4. tests/run.sh refuses a bad LAB_JOBS / LAB_EXTRA_KERNELS in one line, exit 1
for bad in "LAB_JOBS=0" "LAB_JOBS=two" "LAB_EXTRA_KERNELS=6.12;rm"; do
	out=$(env "$bad" TESTS=lab bash tests/run.sh 2>&1); rc=$?
	if [[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"tests: ${bad%%=*}="*expected* ]]; then
		ok "run.sh $bad refused: exit 1"
	else
		nok "run.sh $bad: rc=$rc: $out"
	fi
done

# 5. TAP: numbered lines and cmocka's skips are counted; a plan longer than
# what was printed is one failure (the script stopped early)
cat >"$work/tap.sh" <<'SH'
echo "1..5"
echo "ok 1 - first"
echo "not ok 2 - second: why"
echo "ok 3 - third # SKIP no device"
echo "not ok 4 # SKIP cmocka's skip"
SH
pass=0 fail=0 skip=0 failed_names=()
run_tap n/tap bash "$work/tap.sh" >"$work/out.txt"
if ((pass == 1 && fail == 2 && skip == 2)) &&
	[[ ${failed_names[*]} == *"n/tap: second: why"* && ${failed_names[*]} == *"n/tap: n/tap: planned 5 results, printed 4"* ]]; then
	ok "numbered TAP counted (1 passed, 2 skipped), a short plan is a failure"
else
	nok "numbered TAP: pass=$pass fail=$fail skip=$skip: ${failed_names[*]}"
fi

# 6. tests/lib/tap.sh makes a script's output real TAP: its unnumbered
# lines (from echo, a subshell, a background job) numbered in order, the
# plan at the end; no results and exit 4: a skip-all plan
mkdir -p "$work/repo/tests/lib" "$work/repo/tests/x"
cp tests/lib/tap.sh "$work/repo/tests/lib/"
cat >"$work/repo/tests/x/s.sh" <<'SH'
#!/usr/bin/env bash
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
ok "helper"
echo "# a comment"
( echo "not ok - from a subshell" )
{ echo "ok - from a job # SKIP none"; } &
wait
echo "1..99"
check "check" true
[[ ${1:-} == skip ]] && exit 4
exit 0
SH
cat >"$work/repo/tests/x/skip.sh" <<'SH'
#!/usr/bin/env bash
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
echo "no such device"
exit 4
SH
out=$(env -u IB_TAP_FILTERED -u IB_TAP_PROVE bash "$work/repo/tests/x/s.sh"); rc=$?
want=$'ok 1 - helper\n# a comment\nnot ok 2 - from a subshell\nok 3 - from a job # SKIP none\n# 1..99\nok 4 - check\n1..4'
[[ $rc == 0 && $out == "$want" ]] && ok "tap.sh numbers every result line and ends with the plan" ||
	nok "tap.sh: rc=$rc: $out"
out=$(env -u IB_TAP_FILTERED -u IB_TAP_PROVE bash "$work/repo/tests/x/skip.sh"); rc=$?
[[ $rc == 4 && $out == $'no such device\n1..0 # SKIP no such device' ]] &&
	ok "tap.sh: no results and exit 4: '1..0 # SKIP <last line>', exit 4 kept" || nok "tap.sh skip: rc=$rc: $out"
if command -v prove >/dev/null; then
	out=$(cd "$work/repo" && env -u IB_TAP_FILTERED IB_TAP_PROVE=1 prove -e bash tests/x/skip.sh 2>&1); rc=$?
	[[ $rc == 0 && $out == *"skipped: no such device"* ]] && ok "prove reads a skipped script as skipped" ||
		nok "prove on a skip: rc=$rc: $out"
	out=$(cd "$work/repo" && env -u IB_TAP_FILTERED IB_TAP_PROVE=1 prove -e bash tests/x/s.sh 2>&1); rc=$?
	[[ $rc != 0 && $out == *"Failed test:  2"* ]] && ok "prove reads tap.sh's output: test 2 failed" ||
		nok "prove on s.sh: rc=$rc: $out"
else
	ok "prove reads tap.sh's output # SKIP no prove (perl)"
fi
