# shellcheck shell=bash
# Sourced by the report tests (tests/report/test_*.sh) from the repository
# root: the harness binary, the fixture run, a temporary dir removed on
# exit, and the TAP-ish helpers.
bin=${IB_BIN:-build/iommubench}
fix=tests/fixtures/report/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib/tap.sh
