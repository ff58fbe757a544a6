#!/bin/bash
# Python PyTorch (Debian's python3-torch 1.13.1, the same libtorch and OpenBLAS as grl) and grl on the
# same 2-core machine, nothing else running. Usage: bench.sh <grl build dir> [<old perf dir>]
# The second argument, perf programs built before common/memory_reuse.h, gives the before/after lines.
set -u
build=${1:?grl build dir}
old=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
reference=$here/../../perf/reference/generative_core_reference.py
echo "== $(date -u)"; uptime
"$build"/grl info 2>&1 | grep -E "LibTorch|sgemm|bf16|BLAS|cpu"
/usr/bin/python3 -c "import torch; print('python3-torch', torch.__version__)"
for threads in 1 2 0; do
  echo "== python reference --threads $threads (0: the libraries' defaults)"
  /usr/bin/python3 "$reference" --threads "$threads"
done
for threads in 1 2; do
  echo "== grl_perf_generative_core --threads $threads"
  "$build"/perf/grl_perf_generative_core --threads "$threads"
done
if [ -n "$old" ]; then
  echo "== before common/memory_reuse.h: grl_perf_generative_core --threads 1"
  "$old"/grl_perf_generative_core --threads 1
fi
for precision in fp32 bf16; do
  echo "== grl_perf_evaluation --precision $precision"
  "$build"/perf/grl_perf_evaluation --precision "$precision"
done
echo "== $(date -u)"
