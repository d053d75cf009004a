# shellcheck shell=bash
# Sourced by tests: render a report.html in headless Chromium (Debian's
# chromium package, installed by make deps) and check that it is not blank
# and that every <img> figure loaded with a nonzero size.
#   chromium_render HTML WORKDIR NFIGURES LABEL
# Prints TAP-ish "ok - " / "not ok - " lines.
chromium_render() {
	local html=$1 work=$2 nfig=$3 label=$4 chrome size verdict
	chrome=$(command -v chromium || command -v chromium-browser || true)
	if [[ -z $chrome ]]; then
		echo "ok - $label: chromium render # SKIP chromium not installed (make deps)"
		return 0
	fi
	mkdir -p "$work"
	local copts=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$work/chrome")
	timeout 120 "$chrome" "${copts[@]}" --screenshot="$work/shot.png" --window-size=1280,4000 \
		"file://$(realpath "$html")" >"$work/chrome.log" 2>&1
	size=$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)
	if ((size > 50000)); then
		echo "ok - $label: chromium screenshot (${size} bytes)"
	else
		echo "not ok - $label: chromium screenshot missing or blank-sized (${size} bytes)"
	fi
	# The probe page sits next to the report so relative figure paths resolve.
	local probe
	probe=$(dirname "$(realpath "$html")")/.probe-$$.html
	sed 's|</body>|<script>window.addEventListener("load",()=>{for(const i of document.images){i.dataset.nw=i.naturalWidth;i.dataset.nh=i.naturalHeight;const r=i.getBoundingClientRect();i.dataset.rw=Math.round(r.width);i.dataset.rh=Math.round(r.height)}document.body.dataset.probed="1"})</script></body>|' \
		"$html" >"$probe"
	timeout 120 "$chrome" "${copts[@]}" --window-size=1280,4000 --virtual-time-budget=5000 --dump-dom \
		"file://$probe" >"$work/dom.html" 2>>"$work/chrome.log"
	rm -f "$probe"
	verdict=$(python3 - "$work/dom.html" "$nfig" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.imgs = []; self.probed = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("data-probed") == "1": self.probed = True
        if tag == "img": self.imgs.append(a)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8", errors="replace").read())
want = int(sys.argv[2])
bad = [i.get("alt") for i in p.imgs if not all(int(i.get(k, "0") or 0) > 0 for k in ("data-nw", "data-nh", "data-rw", "data-rh"))]
if not p.probed: print("probe script did not run")
elif len(p.imgs) != want: print(f"{len(p.imgs)} <img> in the rendered DOM, expected {want}")
elif bad: print("figures without a size: " + ", ".join(map(str, bad)))
PY
)
	if [[ -z $verdict ]]; then
		echo "ok - $label: chromium: $nfig figures rendered with nonzero size"
	else
		echo "not ok - $label: chromium: $verdict"
	fi
}

# The DOM headless Chromium makes of a report (scripts run, layout done):
#   chromium_dump_dom HTML OUT    returns 1 (and writes nothing) without chromium
chromium_dump_dom() {
	local html=$1 out=$2 chrome work
	chrome=$(command -v chromium || command -v chromium-browser || true)
	[[ -n $chrome ]] || return 1
	work=$(mktemp -d)
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$work" --virtual-time-budget=3000 --dump-dom \
		"file://$(realpath "$html")" >"$out" 2>"$work.log"
	rm -rf "$work" "$work.log"
	[[ -s $out ]]
}
