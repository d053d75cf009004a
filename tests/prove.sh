#!/usr/bin/env bash
# One tier of tests under prove (TAP::Harness), as CI tools read them:
#   bash tests/prove.sh unit|golden|host|reliability|report|lab [prove options]
# unit: the cmocka binaries (make unit) with CMOCKA_MESSAGE_OUTPUT=TAP; the
# others: the tier's scripts, whose output tests/lib/tap.sh makes TAP (exit
# 4, skipped, counts as a skip here).  tests/run.sh runs every tier and
# counts the same lines.
set -uo pipefail
cd "$(dirname "$0")/.."
tier=${1:-}
shift || true
command -v prove >/dev/null || { echo "prove: not installed (perl)" >&2; exit 3; }
case $tier in
unit)
	tests=()
	for t in build/tests/test_*; do [[ -x $t && -f $t ]] && tests+=("$t"); done
	((${#tests[@]})) || { echo "prove unit: no unit tests built (make unit)" >&2; exit 3; }
	CMOCKA_MESSAGE_OUTPUT=TAP exec prove --exec '' "$@" "${tests[@]}" ;;
golden) IB_TAP_PROVE=1 exec prove --exec bash "$@" tests/golden/test_golden.sh ;;
host | reliability | report) IB_TAP_PROVE=1 exec prove --exec bash "$@" tests/"$tier"/*.sh ;;
lab) IB_TAP_PROVE=1 exec prove --exec bash "$@" tests/lab/run-guest.sh tests/lab/host/*.sh ;;
*)
	echo "usage: tests/prove.sh unit|golden|host|reliability|report|lab [prove options]" >&2
	exit 1 ;;
esac
