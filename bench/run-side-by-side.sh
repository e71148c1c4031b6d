#!/bin/sh
# Every number in docs/benchmarks.md, in one session: the C bandwidth anchor, then the SAM step of each layout
# and thread count, each followed at once by PyTorch's SAM on the same layout and thread count.
# Needs: gcc, python3-torch (apt-get install -y python3-torch), the peer scripts in ../shared/bench.
set -eu
cd "$(dirname "$0")/.."
PEERS=${PEERS:-/work/shared/bench}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
dotnet build bench/Sam.Benchmarks -c Release -v q -nologo
gcc -O3 -march=native -fopenmp -o "$OUT/stream_triad" "$PEERS/stream_triad.c" -lm
"$OUT/stream_triad" 100000000 10 1,2 > "$OUT/stream_triad.jsonl"
dotnet bench/Sam.Benchmarks/bin/Release/net10.0/Sam.Benchmarks.dll step --threads 1,2 \
  --torch "/usr/bin/python3 $PEERS/torch_sam_step.py" --json "$OUT/step.jsonl" | tee "$OUT/step.txt"
