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
. tests/lib/tap.sh
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
	cp "$src/kernel/dma/map_benchmark.c" "$work/module-sg.c"
	python3 scripts/peer/patch.py module-sg "$work/module-sg.c" 2>"$work/err"
	ok '[[ $? == 0 ]] && python3 - "$work/module-sg.c" <<"PY"
import re, sys
t = open(sys.argv[1]).read()
loop = t.index("while (!kthread_should_stop())")
win = re.findall(r"map_stime = ktime_get\(\);(.*?)map_etime = ktime_get\(\);", t, re.S)
uwin = re.findall(r"unmap_stime = ktime_get\(\);(.*?)unmap_etime = ktime_get\(\);", t, re.S)
assert len(win) == 2 and len(uwin) == 1, (len(win), len(uwin))  # "unmap_stime" also matches "map_stime"
assert "dma_map_sgtable(map->dev, &sgt, map->dir, 0)" in win[0] and "dma_map_single" not in t
assert uwin[0].strip().startswith("dma_unmap_sgtable(map->dev, &sgt, map->dir, 0);") and "dma_unmap_single" not in t
assert 0 < t.index("sg_alloc_table(&sgt, 1, GFP_KERNEL)") < t.index("sg_set_buf(sgt.sgl, buf, size)") < loop
assert t.index("sg_free_table(&sgt)") > loop and t.count("div64_ul(map_delta,  1)") == 1 and t.count("div64_ul(unmap_delta, 1)") == 1
PY' "patch module-sg: dma_map_sgtable/dma_unmap_sgtable of a one-entry table built before the loop, timed alone, raw ns" "$(cat "$work/err")"
	# a source changed where only the sgtable variant patches: module-sg fails, module-ns does not
	sed 's/dma_unmap_single(map->dev, dma_addr, size, map->dir);/dma_unmap_single(map->dev, dma_addr, size, map->dir, 0);/' \
		"$src/kernel/dma/map_benchmark.c" >"$work/unmap-changed.c"
	cp "$work/unmap-changed.c" "$work/unmap-changed.orig"
	out=$(python3 scripts/peer/patch.py module-sg "$work/unmap-changed.c" 2>&1); rc=$?
	ok '[[ $rc == 2 && $(wc -l <<<"$out") == 1 && $out == *"unmap-changed.c: expected 1 occurrence of"*"dma_unmap_single(map->dev, dma_addr, size, map->dir);"*"found 0"* ]] && cmp -s "$work/unmap-changed.c" "$work/unmap-changed.orig"' \
		"patch module-sg on a source whose dma_unmap_single call changed: exit 2, one line, file untouched" "rc=$rc $out"
	python3 scripts/peer/patch.py module-ns "$work/unmap-changed.c" 2>/dev/null
	ok '[[ $? == 0 ]]' "patch module-ns on the same source: still applies (it does not patch the unmap)"
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
ok((p["peer_upstream_mean_ns_100ns_units"], p["peer_upstream_mean_ns"], p["peer_sgtable_mean_ns"]) == (1000, 1085, 1243),
   "peer means: upstream '1.0 us' = 1000 ns, upstream ns 1085, sgtable 1243 (%s, %s, %s)" % (
       p["peer_upstream_mean_ns_100ns_units"], p["peer_upstream_mean_ns"], p["peer_sgtable_mean_ns"]))
P = d["points"]
ok(all(q["ratio"] == round(q["ours_default_mean_ns"] / q["peer_sgtable_mean_ns"], 4) for q in P),
   "headline ratio = ours (default counters) mean / peer sgtable mean on every point")
ok(all(q["verdict"] == ("PASS" if abs(q["ratio"] - 1) <= 0.05 else "FAIL") for q in P),
   "verdict PASS iff the like-for-like ratio is within ±5 %")
ok(all(q["ratio_vs_upstream"] == round(q["ours_default_mean_ns"] / q["peer_upstream_mean_ns"], 4)
       and q["ratio_vs_upstream_100ns_units"] == round(q["ours_default_mean_ns"] / q["peer_upstream_mean_ns_100ns_units"], 4)
       for q in P), "ratios against upstream (raw ns and 100 ns units) shown next to it")
ok(all(q["api_delta_ns"] == round(q["peer_upstream_mean_ns"] - q["peer_sgtable_mean_ns"], 1) for q in P)
   and "api_delta_ns" in p and p["api_delta_ns"] == 1085 - 1243,
   "API difference measured per point: peer upstream - peer sgtable (strict 4k map %s ns)" % p["api_delta_ns"])
ok(all(q["probe_cost_ns"] == round(q["ours_live_mean_ns"] - q["ours_default_mean_ns"], 1) for q in P),
   "probe cost = ours inline - ours default")
ok(all(q["ours_default_counters_live"] is not None and "tracefs" not in q["ours_default_counters_live"]
       and "tracefs" in q["ours_default_counting_pass"] for q in P)
   and all("tracefs" in q["ours_live_counters_live"] for q in P),
   "default rows: tracefs only in the counting pass; inline rows: tracefs live")
ok(d["missing"] == [] and d["refused"] == [], "nothing missing or refused")
PY
cp -r tests/fixtures/peer "$work/partial" && rm "$work/partial/peer-lazy-2m-sg.txt"
out=$(python3 scripts/peer/report.py "$work/partial" "$work/p2.json" 2>&1); rc=$?
ok '[[ $rc == 2 && $out == *"missing: peer-lazy-2m-sg.txt"* ]]' "report.py with a missing peer output: exit 2 naming it" "rc=$rc $(tail -n1 <<<"$out")"
# a "default" run that is not observer-free, or does not show it: refused
for case in live nopass; do
	rm -rf "$work/bad" && cp -r tests/fixtures/peer "$work/bad"
	python3 - "$work/bad/peer/default/results.json" "$case" <<'PY'
import json, sys
path, case = sys.argv[1:]
d = json.load(open(path))
r = d["results"][0]
if case == "live":     # tracefs live while timing (--counters inline, or a harness from before it)
    r["params"]["counters_live"] = ["tracefs"]
    r.pop("counting_pass", None)
else:                  # tracefs unmounted: no counting pass, nothing to show
    r.pop("counting_pass", None)
    r["counters"] = {}
json.dump(d, open(path, "w"))
PY
	out=$(python3 scripts/peer/report.py "$work/bad" "$work/bad.json" 2>&1); rc=$?
	ok '[[ $rc == 2 && $out == *"refused: ours default map4k/iommu_mode:dma-strict: "* ]]' \
		"report.py refuses a default row with $case: exit 2 naming the row" "rc=$rc $(tail -n1 <<<"$out")"
done
