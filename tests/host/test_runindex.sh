#!/usr/bin/env bash
# results/index.html (docs/report.md, "The index of runs"): finish
# --link-latest (what scripts/run.sh runs after every run) rewrites it with
# every run under the results directory once (latest is a link, not a run),
# each row's counts by status as results.json has them, a link to each
# report.html, the compare command of each consecutive pair in a suite, and
# every text escaped (a run directory and a host name holding HTML).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
[[ -x $bin ]] || { nok "runindex: $bin missing (make build)"; exit 1; }
# finish draws the report too: the checkout's plots whatever binary (build/san)
export IOMMUBENCH_PLOTS_DIR=${IOMMUBENCH_PLOTS_DIR:-$PWD/plots}
tmp=$(mktemp -d /tmp/ib-runindex-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/results
mkdir -p "$r/hugepage" "$r/other"
cp -r tests/fixtures/compare/a "$r/hugepage/labA-20261124T070000Z"
cp -r tests/fixtures/compare/b "$r/hugepage/labB-20261124T080000Z"
evil='x<b>&"y'\''z'
cp -r tests/fixtures/report/run "$r/other/$evil"
# a host name with markup in it
sed -i 's|"host": "lab"|"host": "<script>alert(1)</script>"|' "$r/other/$evil/results.json"
grep -q '<script>' "$r/other/$evil/results.json" || nok "fixture edit: host not replaced"
mkdir -p "$r/compare/a-vs-b" "$r/hugepage/empty"

(cd "$tmp" && "$OLDPWD/$bin" finish results/hugepage/labB-20261124T080000Z --link-latest) >"$tmp/out" 2>&1
rc=$?
check "finish --link-latest exits 0" test "$rc" = 0
check "latest -> the run" test "$(readlink "$r/hugepage/latest")" = labB-20261124T080000Z
check "results/index.html written" test -s "$r/index.html"

py=/usr/bin/python3
[[ -x $py ]] || py=python3
"$py" - "$r" >"$tmp/py.out" 2>&1 <<'EOF'
import html.parser, json, os, sys
root = sys.argv[1]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.row = None; self.cell = None
        self.links = []; self.codes = []; self.code = None; self.tags = []
    def handle_starttag(self, t, a):
        self.tags.append(t)
        if t == "tr": self.row = []
        if t == "td": self.cell = ""
        if t == "a": self.links.append(dict(a)["href"])
        if t == "code": self.code = ""
    def handle_endtag(self, t):
        if t == "td": self.row.append(self.cell); self.cell = None
        if t == "tr" and self.row: self.rows.append(self.row)
        if t == "code": self.codes.append(self.code); self.code = None
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
        if self.code is not None: self.code += d
p = P(); p.feed(open(os.path.join(root, "index.html")).read())
fails = []
def expect(name, got, want):
    if got != want: fails.append(f"{name}: {got!r} != {want!r}")
if "script" in p.tags: fails.append("a <script> element: not escaped")
want = {}
for s in sorted(os.listdir(root)):
    for d in sorted(os.listdir(os.path.join(root, s))) if os.path.isdir(os.path.join(root, s)) else []:
        f = os.path.join(root, s, d, "results.json")
        if os.path.islink(os.path.join(root, s, d)) or not os.path.isfile(f): continue
        doc = json.load(open(f)); st = [x["status"] for x in doc["results"]]
        want[doc["context"]["run_id"]] = [doc["context"]["host"], str(st.count("ok")),
                                          str(st.count("skipped")), str(st.count("error"))]
got = {r[1].replace(" (no report)", ""): [r[3], r[5], r[6], r[7]] for r in p.rows}
expect("runs and their counts", got, want)
expect("one line per run", len(p.rows), len(want))
expect("report links", p.links, ["hugepage/labB-20261124T080000Z/report.html"])
expect("compare pairs", p.codes, ["iommubench compare results/hugepage/labA-20261124T070000Z "
                                  "results/hugepage/labB-20261124T080000Z"])
print("; ".join(fails) if fails else f"{len(p.rows)} runs")
sys.exit(1 if fails else 0)
EOF
if (($? == 0)); then ok "index: $(cat "$tmp/py.out"), counts as in results.json, links, pairs, escaped"; else nok "index: $(tail -n 3 "$tmp/py.out" | tr '\n' ' ')"; fi
check "no temporary left" test -z "$(find "$r" -maxdepth 1 -name '.index.html.*')"

# a second run of the suite: finish rewrites the index with it
cp -r tests/fixtures/compare/a "$r/other/labA-20261125T070000Z"
(cd "$tmp" && "$OLDPWD/$bin" finish results/other/labA-20261125T070000Z --link-latest) >/dev/null 2>&1
check "the next finish adds its run and a pair in its suite" test \
	"$(grep -c '<tr><td>' "$r/index.html")" = 4 -a "$(grep -c '<li><code>' "$r/index.html")" = 2
# the pair with the odd directory: its command, unescaped and split as a
# shell would, is exactly the argv
"$py" - "$r/index.html" "$evil" >"$tmp/pair.out" 2>&1 <<'EOF'
import html, re, shlex, sys
codes = [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", open(sys.argv[1]).read())]
want = ["iommubench", "compare", "results/other/labA-20261125T070000Z", "results/other/" + sys.argv[2]]
ok = any(shlex.split(c) == want for c in codes)
print("ok" if ok else f"no pair {want} in {codes}")
sys.exit(0 if ok else 1)
EOF
check "the odd directory's compare command is shell-quoted, then escaped: $(cat "$tmp/pair.out")" test "$(cat "$tmp/pair.out")" = ok
# finish without --link-latest (a redraw by hand) leaves the index alone
rm "$r/index.html"
"$bin" finish "$r/other/labA-20261125T070000Z" >/dev/null 2>&1
check "finish without --link-latest writes no index" test ! -e "$r/index.html"
