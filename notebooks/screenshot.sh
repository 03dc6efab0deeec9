#!/usr/bin/env bash
# Renders an executed notebook to HTML and screenshots it with headless Chromium.
# Usage: notebooks/screenshot.sh [EXECUTED.ipynb] [OUT.png] [WIDTHxHEIGHT]
#   defaults: notebooks/.executed/01-protoseg-basics.ipynb docs/img/notebook-01.png 1000x2400
# Run notebooks/run.sh first (it writes the executed copies).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nb=$(realpath "${1:-$root/notebooks/.executed/01-protoseg-basics.ipynb}")
out=$(realpath -m "${2:-$root/docs/img/notebook-01.png}")
size=${3:-1000x2400}
[ -s "$nb" ] || { echo "no executed notebook $nb: run notebooks/run.sh first"; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium: apt-get install -y chromium"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== $nb -> HTML"
# --no-input=false: show the code; the lab template is nbconvert's default.
jupyter nbconvert --to html --output-dir "$tmp" --output page "$nb" >"$tmp/nbconvert.log" 2>&1 || {
	cat "$tmp/nbconvert.log"; exit 1
}
mkdir -p "$(dirname "$out")"
echo "== screenshot ${size/x/×} -> $out"
flags=(--headless --disable-gpu --disable-background-networking --disable-component-update
	--disable-sync --no-first-run --hide-scrollbars --user-data-dir="$tmp/profile"
	--window-size="${size/x/,}" --screenshot="$out")
[ "$(id -u)" -eq 0 ] && flags+=(--no-sandbox)
# MathJax and fonts come from a CDN when online; offline the page still renders
# (TeX stays as source). Give the page a moment either way.
timeout 120 "$browser" "${flags[@]}" --virtual-time-budget=10000 "file://$tmp/page.html" >"$tmp/chromium.log" 2>&1 || {
	tail -20 "$tmp/chromium.log"; exit 1
}
[ -s "$out" ] || { echo "no screenshot written"; tail -20 "$tmp/chromium.log"; exit 1; }
echo "   $(stat -c %s "$out") bytes"
