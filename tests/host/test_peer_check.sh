#!/usr/bin/env bash
# make peer-check's cheap parts (issue 10), without a lab boot:
# - scripts/peer/patch.py applies each patch to the real kernel source (when
#   linux-source-<series> is installed), and fails loudly, in one line,
#   leaving the file untouched, on a source where a substitution does not
#   match exactly once;
# - scripts/peer/report.py on a recorded run (tests/fixtures/peer): ratios,
#   verdicts, the JSON, and exit 2 when a point is missing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
work=$(mktemp -d /tmp/ib-peer-XXXXXX)
trap 'rm -rf "$work"' EXIT
ok() { if eval "$1"; then echo "ok - $2"; else echo "not ok - $2${3:+: $3}"; fi; }

# the patch script on the packaged source: only when it is installed
kv=$(bash scripts/lab/kernel.sh release 2>/dev/null)
tarball=
[[ $kv =~ ^([0-9]+\.[0-9]+) ]] && tarball=/usr/src/linux-source-${BASH_REMATCH[1]}.tar.xz
if [[ -d build/peer/src/kernel ]]; then
	src=build/peer/src # extracted by scripts/peer/build.sh
elif [[ -f $tarball ]]; then
	d=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$work" --strip-components=1 "$d/kernel/dma/map_benchmark.c" \
		"$d/include/linux/map_benchmark.h" "$d/tools/testing/selftests/dma/dma_map_benchmark.c"
	src=$work
else
	src=
fi
if [[ -n $src ]]; then
	for k in module-100ns module-ns; do
		cp "$src/kernel/dma/map_benchmark.c" "$work/$k.c"
		python3 scripts/peer/patch.py "$k" "$work/$k.c" 2>"$work/err"
		ok '[[ $? == 0 ]] && grep -q "set_cpus_allowed_ptr(tsk\[i\]" "$work/$k.c" && ! grep -q kthread_bind_mask "$work/$k.c"' \
			"patch $k: kthread_bind_mask -> set_cpus_allowed_ptr" "$(cat "$work/err")"
	done
	ok '[[ $(grep -c "div64_ul(.*_delta, *1);" "$work/module-ns.c") == 2 && $(grep -c "div64_ul(.*_delta, *100);" "$work/module-100ns.c") == 2 ]]' \
		"patch module-ns: the two divisions by 100 become divisions by 1 (100ns variant keeps them)"
	cp "$src/tools/testing/selftests/dma/dma_map_benchmark.c" "$work/tool.c"
	python3 scripts/peer/patch.py tool-ns "$work/tool.c"
	ok '[[ $? == 0 && $(grep -c "latency(ns)" "$work/tool.c") == 2 ]]' "patch tool-ns: prints ns"
	cp "$src/include/linux/map_benchmark.h" "$work/h.h"
	python3 scripts/peer/patch.py header "$work/h.h"
	ok '[[ $? == 0 ]] && cmp -s "$work/h.h" "$src/include/linux/map_benchmark.h"' "header check: Debian's expansion[76] struct, file unchanged"
else
	echo "ok - patch.py on the packaged kernel source # SKIP linux-source not installed (bash scripts/deps.sh peer)"
fi

# a changed source: the substitution is missing, or matches twice
printf 'int x;\n\t\tcond_resched();\n' >"$work/changed.c"
cp "$work/changed.c" "$work/changed.orig"
out=$(python3 scripts/peer/patch.py module-ns "$work/changed.c" 2>&1); rc=$?
ok '[[ $rc == 2 && $(wc -l <<<"$out") == 1 && $out == *"changed.c: expected 1 occurrence of"*"kthread_bind_mask"*"found 0"* ]] && cmp -s "$work/changed.c" "$work/changed.orig"' \
	"patch on a source without kthread_bind_mask: exit 2, one line naming file and text, file untouched" "rc=$rc $out"
printf 'kthread_bind_mask(tsk[i], cpumask_of_node(node));\nkthread_bind_mask(tsk[i], cpumask_of_node(node));\n' >"$work/twice.c"
out=$(python3 scripts/peer/patch.py module-100ns "$work/twice.c" 2>&1); rc=$?
ok '[[ $rc == 2 && $out == *"found 2"* ]]' "patch on a source with the text twice: exit 2" "rc=$rc $out"
out=$(python3 scripts/peer/patch.py nonsense "$work/twice.c" 2>&1); rc=$?
ok '[[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == *"usage: patch.py {module-100ns,"* ]]' "patch.py with an unknown kind: exit 1, one line" "rc=$rc $out"

# the report on a recorded run
out=$(python3 scripts/peer/report.py tests/fixtures/peer "$work/pc.json" 2>&1); rc=$?
ok '[[ $rc == 0 && $(grep -c "^strict \|^lazy " <<<"$out") == 8 ]]' "report.py on the recorded run: exit 0, 8 points" "rc=$rc $(tail -n2 <<<"$out")"
python3 - "$work/pc.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
d = json.load(open(sys.argv[1]))
pts = {(p["mode"], p["page_size"], p["metric"]): p for p in d["points"]}
p = pts[("strict", "4k", "map_ns")]
ok(p["peer_mean_ns_100ns_units"] == 1000 and p["peer_mean_ns"] == 1081,
   "peer means: upstream '1.0 us' = 1000 ns, ns variant 1081 ns (%s, %s)" % (p["peer_mean_ns_100ns_units"], p["peer_mean_ns"]))
ok(all(q["ratio_notrace"] == round(q["ours_notrace_mean_ns"] / q["peer_mean_ns"], 4) for q in d["points"]),
   "ratio = ours (tracefs off) mean / peer ns mean on every point")
ok(all(q["verdict"] == ("PASS" if abs(q["ratio_notrace"] - 1) <= 0.05 else "FAIL") for q in d["points"]),
   "verdict PASS iff within ±5 %")
ok(all(q["ratio_api_adjusted"] == round((q["ours_notrace_mean_ns"] - {"map_ns": 158, "unmap_ns": -124}[q["metric"]]) / q["peer_mean_ns"], 4)
       for q in d["points"]), "api-adjusted ratio takes +158 ns (map) / -124 ns (unmap) off our mean")
ok(not any(q["ours_notrace_tracefs_counted"] for q in d["points"]) and all(q["ours_live_tracefs_counted"] for q in d["points"]),
   "tracefs counts only in the live run")
PY
cp -r tests/fixtures/peer "$work/partial" && rm "$work/partial/peer-lazy-2m-ns.txt"
out=$(python3 scripts/peer/report.py "$work/partial" "$work/p2.json" 2>&1); rc=$?
ok '[[ $rc == 2 && $out == *"missing: peer-lazy-2m-ns.txt"* ]]' "report.py with a missing peer output: exit 2 naming it" "rc=$rc $(tail -n1 <<<"$out")"
