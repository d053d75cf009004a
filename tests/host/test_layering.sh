#!/usr/bin/env bash
# The layers (docs/architecture.md): cli -> engines/output -> core ->
# counters.  No core/ or counters/ source includes an output/ or cli/ header
# (issue 21 §3).  A header's layer is the directory of the file that
# defines what it declares: harness/src/<dir>/<name>.c for ib_<name>.h,
# else the table below; a private header is its directory's.  The holes
# found must equal tests/host/layering-allow.txt, which only shrinks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
allow=tests/host/layering-allow.txt
# headers not named after the file that defines them
declare -A owner_of=([ib_run.h]=core [ib_commands.h]=cli [ib_exit.h]=core [ib_module.h]=core)

owner() { # header -> its layer, or nothing
	local h=$1 b c
	[[ -n ${owner_of[$h]:-} ]] && { echo "${owner_of[$h]}"; return; }
	for c in harness/src/*/"$h"; do [[ -f $c ]] && { basename "$(dirname "$c")"; return; }; done
	b=${h#ib_}
	for c in harness/src/*/"${b%.h}.c"; do [[ -f $c ]] && { basename "$(dirname "$c")"; return; }; done
}

unknown=() found=()
for f in harness/src/core/*.[ch] harness/src/counters/*.[ch]; do
	while IFS= read -r h; do
		l=$(owner "$h")
		if [[ -z $l ]]; then
			[[ -f kernels/include/uapi/$h ]] || unknown+=("$f: $h")
		elif [[ $l == output || $l == cli ]]; then
			found+=("$f $h")
		fi
	done < <(sed -nE 's/^#include "([^"/]+)".*/\1/p' "$f")
done
((${#unknown[@]} == 0)) && ok "every header core/ and counters/ include has a known layer" ||
	nok "headers of no known layer (name them in owner_of): ${unknown[*]}"

want=$(grep -vE '^(#|$)' "$allow" | sort)
got=$(printf '%s\n' "${found[@]}" | grep -v '^$' | sort)
new=$(comm -13 <(echo "$want") <(echo "$got"))
fixed=$(comm -23 <(echo "$want") <(echo "$got"))
[[ -z $new ]] && ok "no core/ or counters/ source includes an output/ or cli/ header beyond $allow ($(grep -c . <<<"$got") known)" ||
	while IFS= read -r v; do nok "layering: ${v% *} includes ${v##* }, an output/ or cli/ header"; done <<<"$new"
[[ -z $fixed ]] && ok "every hole in $allow is still there (a fixed one leaves the list)" ||
	while IFS= read -r v; do nok "$allow: '$v' is fixed: delete its line"; done <<<"$fixed"

# issue 21: every harness file <= 800 lines, every function <= 150
if out=$(python3 tests/lib/code_sizes.py); then
	ok "harness/src: no file over 800 lines, no function over 150"
else
	while IFS= read -r v; do nok "size: $v"; done <<<"$out"
fi
