#!/usr/bin/env bash
# The 3D counterpart of bench/compare.sh: PyTorch's Conv3d U-Net
# (bench/pytorch_unet.py --dims 3, 2 threads, OMP_WAIT_POLICY=PASSIVE) and the
# Go benchmarks of package unet's 3D network (BenchmarkTrainStep3D,
# BenchmarkInference3D: Base 8, 32×64×64 volumes, batch 2, offline) in one
# invocation, volumes/s side by side with the ratio Go / PyTorch (> 1: Go is
# faster), and the CPU time per step of each (less sensitive to other jobs
# than the wall clock). Wrap it in `flock /work/bench.lock` on a shared machine.
#
# Usage: bench/compare3d.sh
# Env: BENCHTIME (go -benchtime, default 5x), REPS (PyTorch repetitions, 5),
#      PYTHON (default /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-5x}
REPS=${REPS:-5}
PYTHON=${PYTHON:-/usr/bin/python3}
BASE=8 SIZE=32x64x64 BATCH=2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 "$PYTHON" bench/pytorch_unet.py --dims 3 \
    --bases $BASE --sizes $SIZE --batch $BATCH --threads 2 --reps "$REPS" | tee "$tmp/torch.txt"
else
  echo "# PyTorch not available for $PYTHON (apt-get install -y python3-torch); Go numbers only"
  : > "$tmp/torch.txt"
fi
go test -run '^$' -bench "^Benchmark(TrainStep3D|Inference3D)\$" -benchtime "$BENCHTIME" ./unet | tee "$tmp/go.txt"

echo
printf '%-10s | %9s %9s | %11s %11s | %8s | %12s %9s\n' what "torch ms" "go ms" "torch vol/s" "go vol/s" "go/torch" "torch cpu-ms" "go cpu-ms"
for what in train inference; do
  tl=$(grep -E "^torch3d $what base=$BASE size=$SIZE batch=$BATCH " "$tmp/torch.txt" || true)
  tms=$(sed -nE 's/.* ms=([0-9.]+).*/\1/p' <<<"$tl")
  tvps=$(sed -nE 's/.*volumes\/s=([0-9.]+).*/\1/p' <<<"$tl")
  if [ "$what" = train ]; then name=TrainStep3D; else name=Inference3D; fi
  gl=$(grep -E "^Benchmark$name/base=$BASE/size=$SIZE/batch=$BATCH(-[0-9]+)? " "$tmp/go.txt" || true)
  gms=$(awk '{for(i=1;i<=NF;i++) if($i=="ns/op") printf "%.1f", $(i-1)/1e6}' <<<"$gl")
  gvps=$(awk '{for(i=1;i<=NF;i++) if($i=="volumes/s") print $(i-1)}' <<<"$gl")
  tcpu=$(sed -nE 's/.* cpu_ms=([0-9.]+).*/\1/p' <<<"$tl")
  gcpu=$(awk '{for(i=1;i<=NF;i++) if($i=="cpu-ms/op") print $(i-1)}' <<<"$gl")
  ratio=$(awk -v g="$gvps" -v t="$tvps" 'BEGIN{ if (g != "" && t != "" && t > 0) printf "%.2f", g/t; else print "-" }')
  printf '%-10s | %9s %9s | %11s %11s | %8s | %12s %9s\n' "$what" "${tms:--}" "${gms:--}" "${tvps:--}" "${gvps:--}" "$ratio" "${tcpu:--}" "${gcpu:--}"
done
