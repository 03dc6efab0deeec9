#!/usr/bin/env bash
# Scaling table of the Go U-Net on the cpu backend: for each size × Base, one
# process (the test binary of bench/scaling, TestScaling) times an offline Adam step and an inference pass
# (batch 10, median of STEPS after one untimed step) under /usr/bin/time -v,
# one configuration at a time, and prints a Markdown row with the peak RSS.
#
# Usage: bench/scaling.sh [sizes (default 64,128,256)] [bases (default 8,16,32,64)]
# Env: STEPS (timed repetitions, default 3), LOCK (a file to flock around each
#      configuration so that timing runs never overlap; default none),
#      BATCH (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-64,128,256}
BASES=${2:-8,16,32,64}
STEPS=${STEPS:-3}
BATCH=${BATCH:-10}
bin=$(mktemp -d)/scaling
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./bench/scaling

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), batch $BATCH, median of $STEPS"
echo "| size | Base | train step ms | inference ms | peak RSS MiB |"
echo "| ---: | ---: | ---: | ---: | ---: |"
for size in ${SIZES//,/ }; do
  for base in ${BASES//,/ }; do
    run=(env SCALING_BASE="$base" SCALING_SIZE="$size" SCALING_STEPS="$STEPS" SCALING_BATCH="$BATCH"
      "$bin" -test.run '^TestScaling$' -test.v)
    if [ -n "${LOCK:-}" ]; then run=(flock "$LOCK" "${run[@]}"); fi
    out=$( { /usr/bin/time -v "${run[@]}"; } 2>&1 ) || { echo "| $size | $base | failed: $(tail -1 <<<"$out") | | |"; continue; }
    train=$(sed -nE 's/.*train_ms=([0-9.]+).*/\1/p' <<<"$out")
    infer=$(sed -nE 's/.*infer_ms=([0-9.]+).*/\1/p' <<<"$out")
    rss=$(awk '/Maximum resident set size/ {printf "%.0f", $NF/1024}' <<<"$out")
    echo "| $size | $base | $train | $infer | $rss |"
  done
done
