#!/usr/bin/env python3
"""Checks executed notebooks: no error outputs, and at least one inline image
(image/png or image/svg+xml) per figure the notebook promises in its metadata
("protoseg": {"figures": [...]})."""
import json
import sys


def check(path):
    nb = json.load(open(path))
    promised = nb.get("metadata", {}).get("protoseg", {}).get("figures", [])
    images, errors = 0, []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(out.get("ename", "") + ": " + out.get("evalue", ""))
            data = out.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                images += 1
            text = "".join(out.get("text", [])) if isinstance(out.get("text"), list) else out.get("text", "")
            if "panic:" in text or "exit status" in text:
                errors.append(text.strip()[:300])
    if errors:
        sys.exit(f"{path}: cell errors: {errors}")
    if images < len(promised):
        sys.exit(f"{path}: {images} inline images for {len(promised)} promised figures {promised}")
    print(f"   {path}: {images} inline images (promised {len(promised)}: {', '.join(promised)})")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        check(p)
