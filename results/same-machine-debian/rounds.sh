#!/bin/bash
# The comparisons of issues 5 and 6 repeated in interleaved rounds (this VM's speed drifts by 10-20%
# from minute to minute), nothing else running. Usage: rounds.sh <grl build dir> [rounds]
set -u
build=${1:?grl build dir}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
reference=$here/../../perf/reference/generative_core_reference.py
echo "== $(date -u)"
for round in $(seq "$rounds"); do
  for threads in 0 1 2; do
    echo "== round $round: python --only training --threads $threads"
    /usr/bin/python3 "$reference" --only training --threads "$threads" | grep -E "openblas|batch"
  done
  for threads in 1 2; do
    echo "== round $round: grl_perf_generative_core --only training --threads $threads"
    "$build"/perf/grl_perf_generative_core --only training --threads "$threads" | grep batch
  done
  echo "== round $round: python --only act --threads 0"
  /usr/bin/python3 "$reference" --only act --threads 0 | grep -E "batch 1 |evaluation"
  echo "== round $round: grl_perf_generative_core --only act --threads 1"
  "$build"/perf/grl_perf_generative_core --only act --threads 1 | grep -E "batch 1 "
  for precision in fp32 bf16; do
    echo "== round $round: grl_perf_evaluation --skip-reference --precision $precision"
    "$build"/perf/grl_perf_evaluation --skip-reference --precision "$precision" | grep lockstep
  done
done
echo "== $(date -u)"
