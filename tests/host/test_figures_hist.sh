#!/usr/bin/env bash
# Publication figures and full distributions (issue 24 §1, §2), on a cpu
# engine run of this machine (no module needed):
#  - every timing metric carries a histogram whose counts add up to n,
#    written on one line; its size per row;
#  - the report's CDF is drawn from it: one point per bucket, the
#    cumulative fraction ending at 1, the caption says so;
#  - report draws PDFs by default (one and two columns, complete files),
#    --figure-format cairolatex adds .tex + .pdf naming its graphics
#    without a directory, --figure-format svg draws no PDF, a bad list is
#    refused in one line (exit 1);
#  - compare --merge-ranks: two ranks' rows merged into one whose n is the
#    sum, whose median is that of the merged histogram (by hand here), and
#    whose counters add.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-fighist-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

for id in a b; do
	"$bin" run --engine cpu --page-size 4k --window 1m --iterations 2000 --max-reps 3 \
		--results-dir "$tmp" --run-id $id >/dev/null 2>&1 || { nok "cpu run $id failed"; exit 1; }
done
A=$tmp/adhoc/a
out=$(python3 - "$A/results.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
r = d["results"][0]
m = r["metrics"]["dma_latency_ns"]
h = m["histogram"]
n = sum(c for _, c in h["buckets"])
lows = [l for l, _ in h["buckets"]]
line = [l for l in text.splitlines() if '"buckets": [[' in l]
print(h["scheme"], n == m["n"], lows == sorted(set(lows)), len(h["buckets"]), len(line),
      len(json.dumps(h, separators=(",", ":"))))
PY
)
read -r scheme sum_ok sorted_ok nb nlines hbytes <<<"$out"
[[ $scheme == log-linear-ns/5/40 && $sum_ok == True && $sorted_ok == True && $nb -ge 2 && $nlines -ge 1 ]] &&
	ok "dma_latency_ns.histogram: scheme $scheme, $nb buckets ascending, counts add up to n, one line ($hbytes bytes)" ||
	nok "histogram: $out"

# the CDF from the histogram
"$bin" report "$A" >/dev/null 2>&1
read -r npts last < <(awk 'NR > 1 && NF == 2 { n++; l = $2 } END { print n, l }' "$A/plots/data/latency_cdf.dat")
[[ $npts == $((nb + 1)) && $last == 1 ]] && grep -q 'full histogram in results.json' "$A/report.html" &&
	ok "latency CDF: $npts points (a bucket each, after the 0 anchor), ending at 1; the caption says histogram" ||
	nok "CDF: $npts points (want $((nb + 1))), last $last"

# PDF by default, one and two columns, complete
pdfs=0
for f in "$A"/plots/pdf/latency_cdf.pdf "$A"/plots/pdf/latency_cdf-2col.pdf; do
	[[ -s $f && $(head -c 5 "$f") == %PDF- ]] && tail -c 16 "$f" | grep -q '%%EOF' && pdfs=$((pdfs + 1))
done
[[ $pdfs == 2 ]] && ok "report draws plots/pdf/latency_cdf.pdf and -2col.pdf by default, complete" ||
	nok "PDFs: $pdfs of 2; $(ls "$A/plots/pdf" 2>&1 | tr '\n' ' ')"
w1=$(grep -ao 'MediaBox *\[[^]]*\]' "$A/plots/pdf/latency_cdf.pdf" | head -n1)
w2=$(grep -ao 'MediaBox *\[[^]]*\]' "$A/plots/pdf/latency_cdf-2col.pdf" | head -n1)
[[ $w1 == *" 252 "* && $w2 == *" 504 "* ]] &&
	ok "one column 3.5 in (252 pt) wide, two columns 7 in (504 pt): $w1, $w2" || nok "sizes: $w1 / $w2"
rm -rf "$A/plots"
out=$("$bin" report "$A" --figure-format cairolatex 2>&1); rc=$?
[[ $rc == 0 && -s $A/plots/tex/latency_cdf.tex && -s $A/plots/tex/latency_cdf.pdf &&
	-s $A/plots/latency_cdf.svg && ! -e $A/plots/pdf && ! -e $A/plots/latency_cdf.png ]] &&
	grep -q 'includegraphics\[[^]]*\]{latency_cdf}' "$A/plots/tex/latency_cdf.tex" &&
	ok "--figure-format cairolatex: tex/latency_cdf.tex naming its graphics latency_cdf (+ the svg)" ||
	nok "cairolatex: rc $rc $out; $(ls -R "$A/plots" | tr '\n' ' ')"
ls "$A"/plots/tex/.* 2>/dev/null | grep -q tmp && nok "temporaries left in plots/tex" ||
	ok "no temporary left in plots/tex"
out=$("$bin" report "$A" --figure-format svg,eps 2>&1); rc=$?
[[ $rc == 1 && $out == "iommubench: report: --figure-format svg,eps: expected a comma list of svg, png, pdf, cairolatex" ]] &&
	ok "--figure-format svg,eps: one line, exit 1" || nok "bad format: rc $rc: $out"
out=$("$bin" finish "$A" --figure-format pdf,x 2>&1); rc=$?
[[ $rc == 1 && $out == *"--figure-format pdf,x: expected a comma list"* ]] &&
	ok "finish --figure-format pdf,x: refused, exit 1" || nok "finish bad format: rc $rc: $out"

# compare --merge-ranks: rank 0 = run a's row, rank 1 = run b's
python3 - "$A/results.json" "$tmp/adhoc/b/results.json" "$tmp/ranks.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
rows = []
for k, d in enumerate((a, b)):
    r = d["results"][0]
    r["name"] = "cpu/rank:%d" % k
    r["params"]["rank"] = k
    r["params"]["host"] = "h%d" % k
    r["counters"] = {"iommu_maps": {"value": 10 + k, "source": "test"}}
    rows.append(r)
a["results"] = rows
json.dump(a, open(sys.argv[3], "w"), indent=1)
PY
out=$("$bin" compare "$tmp/ranks.json" "$tmp/ranks.json" --merge-ranks -o "$tmp/m.csv" 2>&1); rc=$?
want=$(python3 - "$tmp/ranks.json" <<'PY'
import json, math, sys
rows = json.load(open(sys.argv[1]))["results"]
ms = [r["metrics"]["dma_latency_ns"] for r in rows]
h = {}
for m in ms:
    for low, c in m["histogram"]["buckets"]:
        h[low] = h.get(low, 0) + c
n = sum(h.values())
k = math.ceil(0.5 * n)  # nearest rank
acc = 0
for low in sorted(h):
    acc += h[low]
    if acc >= k:
        w = 1 if low < 32 else 2 ** (int(math.log2(low)) - 5)
        mid = low + (w - 1) / 2
        mid = min(max(mid, min(m["min"] for m in ms)), max(m["max"] for m in ms))
        break
print("%.10g" % mid, n)
PY
)
read -r med n <<<"$want"
got=$(awk -F, '$3 == "cpu" && $4 == "dma_latency_ns" { print $6 }' "$tmp/m.csv")
cnt=$(grep -c '^cpu ' <<<"$out")
[[ $rc == 0 && $out == *"the ranks of 1 point(s) merged"* && $got == "$med" ]] &&
	ok "compare --merge-ranks: one row 'cpu', dma_latency_ns median $got = the merged histogram's (n $n)" ||
	nok "merge-ranks: rc $rc, median '$got' want '$med': $(head -c 600 <<<"$out")"
[[ $(grep -E '^cpu +iommu_maps' <<<"$out" | awk '{ print $3 }') == 21 ]] &&
	ok "compare --merge-ranks: counters added (10 + 11 = 21)" || nok "merged counter: $(grep iommu_maps <<<"$out")"
out=$("$bin" compare "$tmp/ranks.json" --by-rank --merge-ranks 2>&1); rc=$?
[[ $rc == 1 && $out == "iommubench: compare: --merge-ranks and --by-rank: expected one of them" ]] &&
	ok "--merge-ranks with --by-rank: refused, exit 1" || nok "both: rc $rc: $out"
