#!/usr/bin/env python3
"""Checks notebooks (standard library only).

  check_outputs.py EXECUTED.ipynb ...          executed copies: no error output,
                                               and every promised figure shown
  check_outputs.py --cleared SOURCE.ipynb ...  committed sources: no outputs

A notebook promises figures in its metadata: "protoseg": {"figures": [...]}.
A promised name that is also a tag of a code cell (cell metadata "tags") must
have an inline image in that very cell; the other names are counted: the
notebook must show at least as many images as it promises figures.

What counts as an inline image is what GoNB emits: gonbui.DisplayPNG and
DisplayImage send a display_data output with "image/png" (base64); DisplaySVG
sends "text/html" holding "<div><svg ...>" (not "image/svg+xml"); an <img> with
a data: URL inside HTML counts too.
"""
import json
import re
import sys

IMG_IN_HTML = re.compile(r"<svg[\s>]|<img[^>]+src=[\"']data:image/", re.I)


def text_of(v):
    return "".join(v) if isinstance(v, list) else (v or "")


def images_in(cell):
    n = 0
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data or "image/svg+xml" in data:
            n += 1
        elif IMG_IN_HTML.search(text_of(data.get("text/html"))):
            n += 1
    return n


def check_executed(path):
    nb = json.load(open(path))
    promised = nb.get("metadata", {}).get("protoseg", {}).get("figures", [])
    problems, total, tagged = [], 0, {}
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename', '')}: {out.get('evalue', '')}"[:300])
            text = text_of(out.get("text"))
            if "panic:" in text or re.search(r"^exit status \d+", text, re.M):
                problems.append(f"cell {i}: {text.strip()[:300]}")
        n = images_in(cell)
        total += n
        for tag in cell.get("metadata", {}).get("tags", []):
            tagged[tag] = tagged.get(tag, 0) + n
    for fig in promised:
        if fig in tagged and tagged[fig] == 0:
            problems.append(f"figure {fig!r}: its cell shows no image")
    if total < len(promised):
        problems.append(f"{total} inline images for {len(promised)} promised figures")
    if problems:
        sys.exit(f"{path}:\n  " + "\n  ".join(problems))
    print(f"   {path}: {total} inline images; promised {len(promised)}: {', '.join(promised)}")


def check_cleared(path):
    nb = json.load(open(path))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c.get("outputs") or c.get("execution_count") is not None]
    if dirty:
        sys.exit(f"{path}: committed with outputs in cells {dirty}; clear them "
                 f"(Jupyter: Edit > Clear Outputs of All Cells) before committing")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--cleared"]:
        for p in args[1:]:
            check_cleared(p)
    else:
        for p in args:
            check_executed(p)
