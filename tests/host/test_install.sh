#!/usr/bin/env bash
# make install (README "Install", scripts/install.sh): into a DESTDIR with
# PREFIX=/usr, then the installed binary, run from / with no checkout in
# reach, draws a copied run's report from share/iommubench/plots and lists
# the suites from share/iommubench/suites; the man page renders and the
# bash completion is valid bash that completes; every command and option of
# `iommubench help` appears in both (they are generated from the same
# tables); bad PREFIX/DESTDIR are one line, exit 1, nothing installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
tmp=$(mktemp -d /tmp/ib-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
x=$tmp/x
bin=$x/usr/bin/iommubench

out=$(make -s --no-print-directory install DESTDIR="$x" PREFIX=/usr 2>&1)
rc=$?
check "make install DESTDIR=... PREFIX=/usr exits 0" test "$rc" = 0
want=(bin/iommubench share/man/man1/iommubench.1 share/bash-completion/completions/iommubench
	share/iommubench/plots/common.gp share/iommubench/suites/hugepage.suite
	share/doc/iommubench/LICENSE share/doc/iommubench/Linux-syscall-note)
[[ -f build/libiommubench-mpi.so ]] && want+=(lib/iommubench/libiommubench-mpi.so)
missing=()
for f in "${want[@]}"; do [[ -f $x/usr/$f ]] || missing+=("$f"); done
check "installed: ${#want[@]} expected files${missing:+ (missing: ${missing[*]})}" test "${#missing[@]}" = 0
check "the binary is executable, the rest is not" test -x "$bin" -a ! -x "$x/usr/share/iommubench/plots/common.gp"
check "plots and suites: every one of the checkout's" test \
	"$(ls plots/*.gp bench/suites/*.suite | wc -l)" = \
	"$(ls "$x"/usr/share/iommubench/plots/*.gp "$x"/usr/share/iommubench/suites/*.suite | wc -l)"
check "install says how many files" grep -q "^install: [0-9]* files under $x/usr" <<<"$out"

# the installed binary with no checkout: cwd /, a clean environment
cp -r tests/fixtures/report/run "$tmp/run"
rm -rf "$tmp/run/plots" "$tmp/run/report.html"
(cd / && env -i PATH=/usr/bin:/bin "$bin" report "$tmp/run") >"$tmp/report.out" 2>&1
rc=$?
drawn=$(sed -n 's/^report: .*(\([0-9]*\) of [0-9]* figures drawn)$/\1/p' "$tmp/report.out")
svgs=$(ls "$tmp"/run/plots/*.svg 2>/dev/null | wc -l)
check "installed report on a copied run: exit 0, report.html, figures drawn ($drawn, $svgs SVG)" \
	test "$rc" = 0 -a -s "$tmp/run/report.html" -a "${drawn:-0}" -ge 1 -a "$svgs" = "${drawn:-x}"
# the plots came from share/: without them the same report draws nothing
cp -r "$x" "$tmp/y"
rm -rf "$tmp/y/usr/share/iommubench/plots"
cp -r tests/fixtures/report/run "$tmp/run2"
rm -rf "$tmp/run2/plots" "$tmp/run2/report.html"
(cd / && env -i PATH=/usr/bin:/bin "$tmp/y/usr/bin/iommubench" report "$tmp/run2") >"$tmp/noplots.out" 2>&1
check "without share/iommubench/plots the installed report finds no plots" \
	test "$(ls "$tmp"/run2/plots/*.svg 2>/dev/null | wc -l)" = 0
suites=$(cd / && env -i PATH=/usr/bin:/bin "$bin" run --list-suites 2>&1)
check "the installed binary lists the suites from share/ ($suites)" \
	test "$suites" = "$(ls bench/suites/*.suite | sed 's|.*/||; s|\.suite$||' | paste -sd, | sed 's/,/, /g')"

# man page and completion
man1=$x/usr/share/man/man1/iommubench.1
comp=$x/usr/share/bash-completion/completions/iommubench
if command -v man >/dev/null; then
	page=$(MANWIDTH=200 man -l "$man1" 2>"$tmp/man.err")
	check "man -l renders it (NAME, COMMANDS, OPTIONS, EXIT STATUS), no warnings" \
		test ! -s "$tmp/man.err" -a \
		"$(grep -c -E '^(NAME|COMMANDS|OPTIONS|EXIT STATUS)$' <<<"$page")" = 4
	check "groff -ww finds nothing to warn about" test -z "$(groff -man -ww -z "$man1" 2>&1)"
else
	nok "man not installed (make deps DEPS=test: man-db)"
fi
check "the completion is valid bash (bash -n)" bash -n "$comp"
complete_words() { # words... -> COMPREPLY, one line
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _iommubench; echo "${COMPREPLY[*]}"' _ "$comp" "$@"
}
check "completes 'iommubench ru' -> run" test "$(complete_words iommubench ru)" = run
check "completes 'iommubench run --page-s' -> --page-size" test "$(complete_words iommubench run --page-s)" = --page-size
check "completes the values of --page-size" test "$(complete_words iommubench run --page-size '')" = "4k 2m 1g thp"
check "completes export's -o" test "$(complete_words iommubench export -)" = "--help -o"

# every command and option of `iommubench help` in both
help=$("$bin" help)
cmds=$(sed -n '/^usage:/,/^Exit codes/s/^  \([a-z][a-z-]*\) .*/\1/p; /^usage:/,/^Exit codes/s/^  \([a-z][a-z-]*\)$/\1/p' <<<"$help" | sort -u)
opts=$(sed -n '/^options (/,$s/^  [a-z_0-9]* *\(--[a-z0-9-]*\) .*/\1/p' <<<"$help" | sort -u)
page=$(MANWIDTH=1000 man -l "$man1" 2>/dev/null)
miss=()
for c in $cmds; do
	grep -q -E "^ +$c\$" <<<"$page" || miss+=("man:$c")
	grep -q -E "(^|[ '])$c( |'|$)" "$comp" || miss+=("completion:$c")
done
for o in $opts; do
	grep -q -e "^ *$o VALUE" <<<"$page" || miss+=("man:$o")
	grep -q -e " $o[ ']" "$comp" || miss+=("completion:$o")
done
check "all $(wc -w <<<"$cmds") commands and $(wc -w <<<"$opts") options in the man page and the completion${miss:+ (missing: ${miss[*]})}" \
	test "${#miss[@]}" = 0 -a "$(wc -w <<<"$cmds")" -ge 12 -a "$(wc -w <<<"$opts")" -ge 30

# bad PREFIX / DESTDIR: one line naming it, Error 1, nothing made or installed
P=$tmp/P
bad() { # name want-prefix make-args...
	local name=$1 want=$2 out rc mine
	shift 2
	rm -rf "$P" "$tmp/z"
	out=$(make -s --no-print-directory install "$@" 2>&1 </dev/null)
	rc=$?
	mine=$(grep -v -E '^make(\[[0-9]+\])?: \*\*\*' <<<"$out")
	if [[ $rc == 2 && $out == *"Error 1"* && ! -e $P && ! -e $tmp/z && $(grep -c . <<<"$mine") == 1 && $mine == "$want"* ]]; then
		ok "install $name: refused (Error 1), one line, nothing installed"
	else
		nok "install $name: rc=$rc P=$([[ -e $P ]] && echo CREATED) out=$(tr '\n' '|' <<<"$out" | cut -c1-300)"
	fi
}
bad "PREFIX relative" "install: PREFIX=usr: not an absolute path" PREFIX=usr DESTDIR="$tmp/z"
bad "PREFIX with ;" "install: PREFIX=" PREFIX="/usr;touch $P" DESTDIR="$tmp/z"
bad "PREFIX with \$(shell ...)" "install: PREFIX=" PREFIX="\$(shell touch $P)" DESTDIR="$tmp/z"
bad "PREFIX with .." "install: PREFIX=/usr/../etc: a . or .. component" PREFIX=/usr/../etc DESTDIR="$tmp/z"
bad "DESTDIR with backquotes" "install: DESTDIR=" DESTDIR="/tmp/\`touch $P\`"
