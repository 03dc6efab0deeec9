#!/usr/bin/env bash
# Runs the PyTorch reference U-Net (bench/pytorch_unet.py, 2 threads,
# OMP_WAIT_POLICY=PASSIVE) and the Go benchmarks of package unet
# (BenchmarkTrainStep/offline, BenchmarkInference) in one invocation and prints
# images/s side by side with the ratio Go / PyTorch (> 1: Go is faster).
#
# Then the 3D U-Net (bench/compare3d.sh: Base 8, 32×64×64 volumes, batch 2,
# against PyTorch's Conv3d U-Net), unless WITH_3D=0.
#
# Usage: bench/compare.sh [bases (default 8,16)] [sizes (default 64)]
# Env: BENCHTIME (go -benchtime, default 20x: 5 swung ±30 % on a shared machine), REPS (PyTorch repetitions, 10),
#      GO_BENCH_PKG (default ./unet), PYTHON (default /usr/bin/python3),
#      WITH_3D (default 1).
# Needs Debian's python3-torch for the PyTorch side (apt-get install -y
# python3-torch); it is a benchmark tool, not a dependency of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
BASES=${1:-8,16}
SIZES=${2:-64}
BENCHTIME=${BENCHTIME:-20x}
REPS=${REPS:-10}
PYTHON=${PYTHON:-/usr/bin/python3}
PKG=${GO_BENCH_PKG:-./unet}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 "$PYTHON" bench/pytorch_unet.py \
    --bases "$BASES" --sizes "$SIZES" --threads 2 --reps "$REPS" | tee "$tmp/torch.txt"
else
  echo "# PyTorch not available for $PYTHON (apt-get install -y python3-torch); Go numbers only"
  : > "$tmp/torch.txt"
fi

pattern="TrainStep/offline/base=($(echo "$BASES" | tr , '|'))/size=($(echo "$SIZES" | tr , '|'))\$|Inference/base=($(echo "$BASES" | tr , '|'))/size=($(echo "$SIZES" | tr , '|'))\$"
go test -run '^$' -bench "$pattern" -benchtime "$BENCHTIME" "$PKG" | tee "$tmp/go.txt"

echo
printf '%-10s %5s %5s | %10s %10s | %10s %10s | %8s\n' what base size "torch ms" "go ms" "torch im/s" "go im/s" "go/torch"
for what in train inference; do
  for base in ${BASES//,/ }; do
    for size in ${SIZES//,/ }; do
      tl=$(grep -E "^torch $what base=$base size=$size " "$tmp/torch.txt" || true)
      tms=$(sed -nE 's/.* ms=([0-9.]+).*/\1/p' <<<"$tl")
      tips=$(sed -nE 's/.*images\/s=([0-9.]+).*/\1/p' <<<"$tl")
      if [ "$what" = train ]; then name="TrainStep/offline/base=$base/size=$size"; else name="Inference/base=$base/size=$size"; fi
      gl=$(grep -E "^Benchmark$name(-[0-9]+)? " "$tmp/go.txt" || true)
      gms=$(awk '{for(i=1;i<=NF;i++) if($i=="ns/op") printf "%.1f", $(i-1)/1e6}' <<<"$gl")
      gips=$(awk '{for(i=1;i<=NF;i++) if($i=="images/s") print $(i-1)}' <<<"$gl")
      ratio=$(awk -v g="$gips" -v t="$tips" 'BEGIN{ if (g != "" && t != "" && t > 0) printf "%.2f", g/t; else print "-" }')
      printf '%-10s %5s %5s | %10s %10s | %10s %10s | %8s\n' "$what" "$base" "$size" "${tms:--}" "${gms:--}" "${tips:--}" "${gips:--}" "$ratio"
    done
  done
done
if [ "${WITH_3D:-1}" = 1 ]; then
  echo
  echo "# 3D"
  BENCHTIME="$BENCHTIME" PYTHON="$PYTHON" bash bench/compare3d.sh
fi
