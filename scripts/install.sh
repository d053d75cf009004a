#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install [PREFIX=/usr/local] [DESTDIR=]: the built harness as a tool.
#   $DESTDIR$PREFIX/bin/iommubench
#   $DESTDIR$PREFIX/lib/iommubench/libiommubench-mpi.so      (when built: MPI)
#   $DESTDIR$PREFIX/share/iommubench/plots/*.gp              (report finds them
#   $DESTDIR$PREFIX/share/iommubench/suites/*.suite           relative to bin/)
#   $DESTDIR$PREFIX/share/man/man1/iommubench.1               (generated: help --man)
#   $DESTDIR$PREFIX/share/bash-completion/completions/iommubench (help --completion bash)
#   $DESTDIR$PREFIX/share/doc/iommubench/{LICENSE,Linux-syscall-note}
# PREFIX, DESTDIR and IB_BUILD (the Makefile's BUILD) come from the
# environment, never from shell text; each is checked first (one line
# naming it, exit 1).  `install.sh --check` only checks (the Makefile runs
# it before building).
set -uo pipefail
PROG=install
cd "$(dirname "$0")/.." || exit 3

die() { # code message
	echo "$PROG: $2" >&2
	exit "$1"
}

# what a value looks like in a message: control characters as '?'
shown() {
	printf '%s' "${1:0:200}" | tr -c '[:print:]' '?'
}

# NAME VALUE [empty-ok]: an absolute path of A-Z a-z 0-9 . _ + - /, no '..'
check_path() {
	local name=$1 v=$2 why=
	if [[ -z $v ]]; then
		[[ ${3:-} == empty-ok ]] && return 0
		why="empty"
	elif [[ $v != /* ]]; then
		why="not an absolute path"
	elif [[ ! $v =~ ^[A-Za-z0-9._+/-]+$ ]]; then
		why="a character outside A-Z a-z 0-9 . _ + - /"
	elif [[ /$v/ == */../* || /$v/ == */./* ]]; then
		why="a . or .. component"
	elif ((${#v} > 1024)); then
		why="longer than 1024 characters"
	fi
	[[ -z $why ]] && return 0
	die 1 "$name=$(shown "$v"): $why; expected an absolute path of letters, digits and . _ + - / (e.g. /usr/local)"
}

PREFIX=${PREFIX-/usr/local}
DESTDIR=${DESTDIR-}
B=${IB_BUILD:-build}
check_path PREFIX "$PREFIX"
check_path DESTDIR "$DESTDIR" empty-ok
[[ $B =~ ^[A-Za-z0-9._+/-]+$ ]] || die 1 "BUILD=$(shown "$B"): expected a path of letters, digits and . _ + - /"
[[ ${1:-} == --check ]] && exit 0

root=$DESTDIR${PREFIX%/}
for f in "$B/iommubench" "$B/iommubench.1" "$B/iommubench.bash-completion"; do
	[[ -f $f ]] || die 3 "$f: not built (make build)"
done

n=0
put() { # mode source destination-file
	install -D -m "$1" -- "$2" "$root/$3" || die 3 "could not install $2 as $root/$3"
	n=$((n + 1))
}
put 0755 "$B/iommubench" bin/iommubench
if [[ -f $B/libiommubench-mpi.so ]]; then
	put 0644 "$B/libiommubench-mpi.so" lib/iommubench/libiommubench-mpi.so
else
	echo "$PROG: no $B/libiommubench-mpi.so (built where libopenmpi-dev is installed): runs without MPI ranks" >&2
fi
for f in plots/*.gp; do put 0644 "$f" "share/iommubench/plots/${f##*/}"; done
for f in bench/suites/*.suite; do put 0644 "$f" "share/iommubench/suites/${f##*/}"; done
put 0644 "$B/iommubench.1" share/man/man1/iommubench.1
put 0644 "$B/iommubench.bash-completion" share/bash-completion/completions/iommubench
put 0644 LICENSE share/doc/iommubench/LICENSE
put 0644 LICENSES/Linux-syscall-note share/doc/iommubench/Linux-syscall-note
echo "$PROG: $n files under $(shown "$root") (bin/iommubench, lib/iommubench, share/iommubench, man page, bash completion)"
