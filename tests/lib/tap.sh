# shellcheck shell=bash
# Sourced by tests: TAP-ish result lines, as tests/run.sh counts them.
#   ok NAME / nok NAME           print "ok - NAME" / "not ok - NAME"
#   check NAME CMD [ARG...]      ok when CMD succeeds, else not ok
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
