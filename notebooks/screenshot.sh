#!/usr/bin/env bash
# Renders an executed notebook to HTML and screenshots it with headless Chromium.
# Usage: [CELLS=...] notebooks/screenshot.sh [EXECUTED.ipynb] [OUT.png] [WIDTHxHEIGHT]
#   defaults: notebooks/.executed/01-protoseg-basics.ipynb docs/img/notebook-01.png 1000x740,
#   CELLS=tag:fig-sam (the README picture).
# CELLS picks the cells shown, comma-separated: "all", a Python slice of cell
# indices ("0:3", "5"), or "tag:NAME" (the code cell tagged NAME and the
# Markdown cell above it). Chromium shoots the top WIDTHxHEIGHT of the page.
# Run notebooks/run.sh first (it writes the executed copies).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nb=$(realpath "${1:-$root/notebooks/.executed/01-protoseg-basics.ipynb}")
out=$(realpath -m "${2:-$root/docs/img/notebook-01.png}")
size=${3:-1000x740}
cells=${CELLS:-tag:fig-sam}
[ -s "$nb" ] || { echo "no executed notebook $nb: run notebooks/run.sh first"; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium: apt-get install -y chromium"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== $nb ($cells) -> HTML"
python3 - "$nb" "$cells" "$tmp/page.ipynb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
cells, picked = nb["cells"], []
for part in sys.argv[2].split(","):
    if part == "all":
        picked += range(len(cells))
    elif part.startswith("tag:"):
        i = next((i for i, c in enumerate(cells) if part[4:] in c.get("metadata", {}).get("tags", [])), None)
        if i is None:
            sys.exit(f"no cell tagged {part[4:]!r}")
        picked += [i - 1, i] if i > 0 and cells[i - 1]["cell_type"] == "markdown" else [i]
    else:
        a = [int(x) if x else None for x in part.split(":")]
        picked += range(len(cells))[slice(*a)] if len(a) > 1 else a
nb["cells"] = [cells[i] for i in picked]
json.dump(nb, open(sys.argv[3], "w"))
PY
# The lab template is nbconvert's default; code cells are shown.
jupyter nbconvert --to html --output-dir "$tmp" --output page "$tmp/page.ipynb" >"$tmp/nbconvert.log" 2>&1 || {
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
