#!/bin/sh
# Every number in docs/benchmarks.md, in one session: for each layout and thread count, the C reference kernels
# (../shared/bench/stream_triad.c, built here: the independent anchor; bench/c/transactional_ref.c, the transactional
# twins of its steps and AdamW), then the product's step rows, then PyTorch's SAM on the same layout and thread count.
#
# Usage: bench/run-side-by-side.sh [PEERS_DIR] [-- extra `step` options, e.g. --layouts resnet18 --budget 3]
#   PEERS_DIR  folder holding stream_triad.c and torch_sam_step.py; default: ../shared/bench relative to the
#              repository root (or $PEERS). Output goes to bench/results/ (or $OUT).
# Needs: the .NET SDK, gcc with OpenMP, python3-torch for /usr/bin/python3 (apt-get install -y python3-torch;
#        without it the PyTorch rows are skipped).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PEERS=${PEERS:-../shared/bench}
if [ $# -gt 0 ] && [ "$1" != "--" ]; then PEERS=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
if [ ! -f "$PEERS/stream_triad.c" ]; then
  echo "run-side-by-side.sh: no stream_triad.c in '$PEERS' (pass the peers folder as the first argument)" >&2
  exit 2
fi
PEERS_GIVEN=$PEERS
PEERS=$(cd "$PEERS" && pwd)
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
PY=${PYTHON:-/usr/bin/python3}

{
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(uname -srm)  nproc=$(nproc)"
  echo "# uptime: $(uptime)"
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|L1d|L2|L3|Hypervisor)' | sed 's/^/# /'
  echo "# command: bench/run-side-by-side.sh $PEERS_GIVEN $*"
} | tee "$OUT/machine.txt"

dotnet build bench/Sam.Benchmarks -c Release -v q -nologo
gcc -O3 -march=native -fopenmp -o "$OUT/stream_triad" "$PEERS/stream_triad.c" -lm
# Our own C references: AdamW (in place, and the two transactional ways) and SGD-momentum into second buffers; sqrtf
# vectorizes only without errno.
gcc -O3 -march=native -fno-math-errno -fopenmp -o "$OUT/transactional_ref" bench/c/transactional_ref.c -lm

TORCH=""
if "$PY" -c "import torch" 2>/dev/null; then
  TORCH="$PY $PEERS/torch_sam_step.py"
else
  echo "# $PY cannot import torch: PyTorch rows skipped (apt-get install -y python3-torch)" | tee -a "$OUT/machine.txt"
fi

set -- step --threads 1,2 --c "$OUT/stream_triad,$OUT/transactional_ref" --json "$OUT/step.jsonl" "$@"
if [ -n "$TORCH" ]; then set -- "$@" --torch "$TORCH"; fi
dotnet bench/Sam.Benchmarks/bin/Release/net10.0/Sam.Benchmarks.dll "$@" | tee "$OUT/step.txt"
echo "# uptime at the end: $(uptime)" | tee -a "$OUT/step.txt"

# The TorchSharp step (fast path, device path, a naive TorchSharp SAM, the span backend) and the ceiling of naive/fast
# on this machine, measured with the same C reference. TORCHSHARP=0 skips it (it restores TorchSharp-cpu and libtorch).
if [ "${TORCHSHARP:-1}" != 0 ]; then
  dotnet build bench/Sam.TorchSharp.Bench -c Release -v q -nologo
  dotnet bench/Sam.TorchSharp.Bench/bin/Release/net10.0/Sam.TorchSharp.Bench.dll "${TORCHSHARP_LAYOUTS:-resnet18,many-small,flat100m}" 1,2 2 "$OUT/stream_triad,$OUT/transactional_ref" | tee "$OUT/torchsharp.txt"
  echo "# uptime at the end: $(uptime)" | tee -a "$OUT/torchsharp.txt"
fi
