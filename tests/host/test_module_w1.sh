#!/usr/bin/env bash
# Issue 11: the module builds with zero W=1 warnings against every kernel's
# headers here: the lab kernels make deps unpacked (build/lab/kernels: 6.1
# and 6.12) and any headers installed under /usr/src (cloud flavours, the
# running kernel's), each in its own directory of
# links (as make module-lab builds), feature probes (conftest.h) included.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
work=$(mktemp -d /tmp/ib-w1-XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0
for d in build/lab/kernels/*/usr/src/linux-headers-* /usr/src/linux-headers-*; do
	r=${d##*/linux-headers-}
	[[ -f $d/Makefile && $r != *-common* ]] || continue
	n=$((n + 1))
	b=$work/$r
	mkdir -p "$b"
	for f in kernels/iommubench/*.[ch] kernels/iommubench/Kbuild kernels/iommubench/conftest.sh kernels/iommubench/btf_func.py; do
		case $f in *.mod.c | */conftest.h) continue ;; esac
		ln -s "$PWD/$f" "$b/"
	done
	make -C "$d" M="$b" IB_UAPI="$PWD/kernels/include/uapi" W=1 modules >"$work/$r.log" 2>&1
	rc=$?
	w=$(grep -c 'warning:' "$work/$r.log")
	if ((rc == 0)) && [[ -f $b/iommubench.ko ]] && ((w == 0)); then
		ok "W=1 build against $r: iommubench.ko, 0 warnings ($(grep -c '^#define HAVE_' "$b/conftest.h") HAVE_* probes true)"
	else
		nok "W=1 build against $r: exit $rc, $w warning(s): $(grep -m1 -E 'warning:|error:' "$work/$r.log" || tail -n1 "$work/$r.log")"
	fi
done
((n)) || { echo "no kernel headers under build/lab/kernels or /usr/src (make deps fetches the lab kernels')"; exit 4; }
