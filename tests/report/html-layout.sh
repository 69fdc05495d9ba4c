#!/usr/bin/env bash
# trace-stats' HTML report in headless Chromium at 1280 px: every section is there, the body
# does not overflow sideways (wide tables scroll inside their own box), and every inline SVG
# is well-formed XML that the browser draws with a size.
# usage: html-layout.sh BIN_DIR [negative]
#   negative: a 2,000 px block and a broken SVG are put into the page; the check must fail.
# Skips (77) without Chromium (Debian: chromium).
set -euo pipefail
bin=$1 mode=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then echo "skip: chromium is not installed"; exit 77; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/gen-traces" --seed 42 --records 2000 --broken-every 250 >"$work/dump.ndjson"
SOURCE_DATE_EPOCH=0 "$bin/trace-stats" -q --group-by model --compare reward --experiments --outliers iqr \
  --report "$work/report.html" -o /dev/null "$work/dump.ndjson"
if [[ $mode == negative ]]; then
  sed -i 's|<h2>Categories</h2>|<div style="width:2000px">too wide</div><svg xmlns="http://www.w3.org/2000/svg"><rect></svg>&|' "$work/report.html"
fi
# The probe: the report plus a script writing the layout width and each SVG's drawn size
# into the DOM, which --dump-dom prints once the page has loaded.
sed 's|</body>|<script>const e = document.documentElement; document.body.dataset.scrollWidth = e.scrollWidth; document.body.dataset.clientWidth = e.clientWidth; document.body.dataset.svgs = [...document.querySelectorAll("svg")].map(s => { const r = s.getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height); }).join(",");</script>&|' \
  "$work/report.html" >"$work/probe.html"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,900 --virtual-time-budget=5000 \
  --user-data-dir="$work/profile" --dump-dom "file://$work/probe.html" >"$work/dom.html" 2>"$work/browser.log" || {
  echo "chromium failed:"; cat "$work/browser.log"; exit 1; }
python3 - "$work/report.html" "$work/dom.html" <<'PY'
import re, sys, xml.etree.ElementTree as ET
report, dom = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
failures = []
for section in ["Numeric fields", "Distributions", "Categories", "Achievements", "Comparison of reward between groups",
                "Failures", "Outliers of reward (iqr)", "Experiments", "Provenance"]:
    if not re.search(rf"<h2( id=\w+)?>{re.escape(section)}</h2>", report):
        failures.append(f"section missing: {section}")
svgs = re.findall(r"<svg\b.*?</svg>", report, re.S)
for i, svg in enumerate(svgs):
    try:
        ET.fromstring(svg)
    except ET.ParseError as e:
        failures.append(f"SVG {i + 1} does not parse: {e}")
body = re.search(r"<body([^>]*)>", dom)
attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1))) if body else {}
if "scroll-width" not in attributes:
    failures.append("the probe did not run (no layout width in the DOM)")
else:
    scroll, client = int(attributes["scroll-width"]), int(attributes["client-width"])
    print(f"layout: {scroll} px of content in a {client} px window; {len(svgs)} SVGs")
    if scroll > client:
        failures.append(f"the page overflows sideways: {scroll} px > {client} px")
    sizes = attributes.get("svgs", "").split(",") if attributes.get("svgs") else []
    if len(sizes) != len(svgs):
        failures.append(f"{len(svgs)} SVGs in the file, {len(sizes)} in the browser")
    for i, size in enumerate(sizes):
        w, h = map(int, size.split("x"))
        if w < 50 or h < 30:
            failures.append(f"SVG {i + 1} is drawn {w}x{h} px")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PY
