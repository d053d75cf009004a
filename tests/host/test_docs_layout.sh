#!/usr/bin/env bash
# docs/architecture.md "Code layout" is the one description of the tree
# (issue 21 §4): every file under harness/src/, kernels/ and scripts/
# (tracked, or new and not ignored) is named there, and every file it names
# exists.  The layout block: a directory at the start of a line ("dir/"),
# then its files one per line, indented two spaces ("  name  what").
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
doc=docs/architecture.md
roots=(harness/src kernels scripts)

# the block's files, as paths
named=$(awk '
	/^## Code layout/ { sec = 1; next }
	sec && /^## / { exit }
	sec && /^```/ { inb = !inb; next }
	sec && inb && /^[^ ]+\/( |$)/ { dir = $1; next }
	sec && inb && /^  [^ ]/ { print dir $1 }' "$doc" | sort)
if [[ -z $named ]]; then
	nok "$doc: no Code layout block with files found"
	exit 0
fi
tree=$(git ls-files --cached --others --exclude-standard -- "${roots[@]}" | while read -r f; do [[ -e $f ]] && echo "$f"; done | sort -u)

missing=$(comm -23 <(echo "$tree") <(echo "$named"))
if [[ -z $missing ]]; then
	ok "every file under ${roots[*]} ($(wc -l <<<"$tree")) is in $doc's layout"
else
	while IFS= read -r f; do nok "$f: not in $doc's Code layout"; done <<<"$missing"
fi
stale=$(while IFS= read -r f; do [[ -f $f ]] || echo "$f"; done <<<"$named")
if [[ -z $stale ]]; then
	ok "every file $doc's layout names ($(wc -l <<<"$named")) exists"
else
	while IFS= read -r f; do nok "$f: named in $doc's Code layout, no such file"; done <<<"$stale"
fi
dups=$(uniq -d <<<"$named")
[[ -z $dups ]] && ok "each file named once" || nok "named more than once: $(tr '\n' ' ' <<<"$dups")"
# one layout: the other docs point to it instead of listing files again
other=$(grep -lE '^## (Code layout|Files)$' README.md docs/*.md | grep -v "^$doc$")
[[ -z $other ]] && ok "no other doc has a Code layout section" || nok "layout sections outside $doc: $other"
