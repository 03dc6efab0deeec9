#!/usr/bin/env bash
# Executes every notebook headless in the quick configuration, fails on any cell
# error, and checks that each notebook shows the figures it promises.
# Executed copies go to notebooks/.executed/ (a build artefact, not committed).
# Usage: notebooks/run.sh [NOTEBOOK.ipynb ...]   (default: every notebooks/[0-9]*.ipynb)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="${GOBIN:-$HOME/go/bin}:$PATH"
export PROTOSEG_QUICK="${PROTOSEG_QUICK:-1}"
export PROTOSEG_CACHE="${PROTOSEG_CACHE:-$PWD/.executed/cache}"
mkdir -p .executed
notebooks=()
for nb in "$@"; do notebooks+=("$(basename "$nb")"); done
[ ${#notebooks[@]} -eq 0 ] && notebooks=([0-9]*.ipynb)
# The committed sources carry no outputs (executed copies are build artefacts).
python3 check_outputs.py --cleared "${notebooks[@]}"
all_start=$(date +%s)
for nb in "${notebooks[@]}"; do
	start=$(date +%s)
	echo "== $nb"
	jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1200 \
		--output-dir .executed --output "$nb" "$nb" >.executed/"${nb%.ipynb}".log 2>&1 || {
		echo "FAILED: $nb (log: notebooks/.executed/${nb%.ipynb}.log)"
		grep -v '^I[0-9]\{4\}' .executed/"${nb%.ipynb}".log | tail -30
		exit 1
	}
	python3 check_outputs.py ".executed/$nb"
	echo "   $(($(date +%s) - start)) s"
done
echo "== notebooks OK: ${#notebooks[@]} in $(($(date +%s) - all_start)) s"
