# shellcheck shell=bash
# Sourced by every test script, right after its `cd` to the repository root:
# makes the script's output real TAP (numbered results and a plan), which
# `prove` and tests/run.sh (tests/lib/runner.sh) both read.
#
# The first time it is sourced, in a process not yet under the numbering
# filter, it runs the same script again as a child with its stdout through
# tap_number and exits with the child's status: every "ok - x" / "not ok - x"
# line (printed by these helpers, by echo, from a subshell, a background job
# or another program) becomes "ok N - x" / "not ok N - x", in the order
# printed, and the plan "1..N" follows the last one.  A script that printed
# no result and exited 4 (skipped, as everywhere in iommubench) gets
# "1..0 # SKIP <its last line>".  Scripts it runs inherit IB_TAP_FILTERED
# and are numbered by the outer filter, as part of its stream.
#   ok NAME / nok NAME           print "ok - NAME" / "not ok - NAME"
#   check NAME CMD [ARG...]      ok when CMD succeeds, else not ok
# IB_TAP_PROVE=1 (tests/prove.sh): exit 4 becomes 0, so that prove counts a
# skipped script as skipped instead of failed.
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

# stdin -> numbered TAP on stdout; "<count>\t<last line>" into $1 at the end.
tap_number() {
	awk -v out="$1" '
		/^ok - / { n++; sub(/^ok - /, "ok " n " - ") }
		/^ok( #|$)/ { n++; sub(/^ok/, "ok " n) }
		/^not ok - / { n++; sub(/^not ok - /, "not ok " n " - ") }
		/^not ok( #|$)/ { n++; sub(/^not ok/, "not ok " n) }
		# a plan from a program this script ran is not this stream'"'"'s plan
		/^1\.\.[0-9]/ { $0 = "# " $0 }
		{ print; fflush(); if ($0 != "") last = $0 }
		END { printf "%d\t%s\n", n, last > out }'
}

if [[ -z ${IB_TAP_FILTERED:-} ]]; then
	export IB_TAP_FILTERED=1
	_tap_script=$(readlink -f "/proc/$$/fd/255" 2>/dev/null)
	if [[ -f $_tap_script ]]; then
		_tap_count=$(mktemp "${TMPDIR:-/tmp}/ib-tap.XXXXXX")
		bash "$_tap_script" "$@" | tap_number "$_tap_count"
		_tap_rc=${PIPESTATUS[0]}
		IFS=$'\t' read -r _tap_n _tap_last <"$_tap_count"
		rm -f "$_tap_count"
		if ((_tap_n == 0 && _tap_rc == 4)); then
			echo "1..0 # SKIP ${_tap_last:-skipped}"
		else
			echo "1..${_tap_n:-0}"
		fi
		if ((_tap_rc == 4)) && [[ -n ${IB_TAP_PROVE:-} ]]; then
			_tap_rc=0
		fi
		exit "$_tap_rc"
	fi
	# not a script file (sourced from an interactive shell): no filter
fi
