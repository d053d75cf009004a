#!/usr/bin/env bash
# make peer-check, build step: the kernel's own dma_map_benchmark (module and
# selftest tool) from Debian's packaged kernel source, for the lab kernel.
# Extracts only the three files it needs from
# /usr/src/linux-source-<series>.tar.xz into build/peer/src/ (none of that
# source is in the repository), patches them (scripts/peer/patch.py) and
# builds three variants:
#   build/peer/mod-100ns/map_benchmark.ko + build/peer/dma_map_benchmark     as upstream (100 ns units)
#   build/peer/mod-ns/map_benchmark.ko    + build/peer/dma_map_benchmark-ns  raw nanoseconds
#   build/peer/mod-sg/map_benchmark.ko    + build/peer/dma_map_benchmark-ns  raw ns, the timed calls
#       dma_map_sgtable/dma_unmap_sgtable of a one-entry sg table (like for
#       like with our map engine); the same struct, so the ns tool reads it
# The tools are static and built against the extracted header, the same one
# the module uses (Debian's 136-byte struct map_benchmark).
# Exit: 2 a build or patch step failed, 3 the source package is missing.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${IOMMUBENCH_BUILD:-$TOP/build}
out=$BUILD/peer
die() { echo "peer build: $2" >&2; exit "$1"; }

kv=$(bash "$TOP/scripts/lab/kernel.sh" check) || exit $?
[[ $kv =~ ^([0-9]+\.[0-9]+) ]] || die 3 "lab kernel $kv: cannot tell its series"
series=${BASH_REMATCH[1]}
tarball=/usr/src/linux-source-$series.tar.xz
[[ -f $tarball ]] || die 3 "$tarball missing (bash scripts/deps.sh peer installs linux-source-$series)"
files=(kernel/dma/map_benchmark.c include/linux/map_benchmark.h tools/testing/selftests/dma/dma_map_benchmark.c)

mkdir -p "$out" || die 2 "cannot create $out"
stamp=$out/src/.from
if [[ ! -f $stamp || $(cat "$stamp") != "$tarball $(stat -c %Y "$tarball")" ]]; then
	rm -rf "$out/src" "$out/src.tmp" && mkdir -p "$out/src.tmp" || die 2 "cannot create $out/src.tmp"
	tar -xJf "$tarball" -C "$out/src.tmp" --strip-components=1 "${files[@]/#/linux-source-$series/}" ||
		die 2 "extracting ${files[*]} from $tarball failed"
	echo "$tarball $(stat -c %Y "$tarball")" >"$out/src.tmp/.from"
	mv "$out/src.tmp" "$out/src" || die 2 "cannot rename $out/src.tmp"
fi
src=$out/src
python3 "$TOP/scripts/peer/patch.py" header "$src/include/linux/map_benchmark.h" || exit 2

for v in 100ns ns sg; do
	d=$out/mod-$v
	rm -rf "$d" && mkdir -p "$d/include/linux" || die 2 "cannot create $d"
	cp "$src/kernel/dma/map_benchmark.c" "$d/" && cp "$src/include/linux/map_benchmark.h" "$d/include/linux/" &&
		printf 'obj-m := map_benchmark.o\nccflags-y := -I$(src)/include\n' >"$d/Kbuild" || die 2 "cannot populate $d"
	python3 "$TOP/scripts/peer/patch.py" "module-$v" "$d/map_benchmark.c" || exit 2
	make -s -C "$(bash "$TOP/scripts/lab/kernel.sh" dir)/usr/src/linux-headers-$kv" M="$d" modules >"$d/build.log" 2>&1 ||
		{ tail -n 5 "$d/build.log" >&2; die 2 "building $d/map_benchmark.ko against the lab kernel's headers ($kv) failed"; }
	grep -q "warning:" "$d/build.log" && { grep "warning:" "$d/build.log" >&2; die 2 "building $d/map_benchmark.ko: compiler warnings (a patch went wrong?)"; }
	[[ $v == sg ]] && continue # read by the ns tool
	t=$out/tool-$v.c
	cp "$src/tools/testing/selftests/dma/dma_map_benchmark.c" "$t" || die 2 "cannot copy the tool source"
	python3 "$TOP/scripts/peer/patch.py" "tool-$v" "$t" || exit 2
	bin=$out/dma_map_benchmark$([[ $v == ns ]] && echo -ns)
	${CC:-cc} -static -O2 -Wall -Wno-unused-variable -I"$src/include" -o "$bin" "$t" || die 2 "building $bin failed"
done
echo "$kv" >"$out/kver"
echo "peer build: map_benchmark.ko (100 ns, ns and sgtable variants) and dma_map_benchmark for $kv from $(basename "$tarball")"
