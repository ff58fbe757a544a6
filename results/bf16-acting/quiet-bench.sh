#!/bin/bash
# Quiet-machine benchmarks of the bf16 acting path (run when nothing else runs).
cd /tmp/bu
echo "== $(date)"; uptime
./grl info 2>&1 | grep -E "sgemm|bf16|cpu|CPU"
echo "== grl_perf_generative_core --quick"
./perf/grl_perf_generative_core --quick
for p in fp32 bf16; do
  echo "== grl_perf_evaluation --skip-reference --precision $p"
  ./perf/grl_perf_evaluation --skip-reference --precision $p
done
echo "== grl_perf_evaluation --precision bf16 (with one-at-a-time)"
./perf/grl_perf_evaluation --precision bf16
for p in fp32 bf16; do
  echo "== grl eval GMPO hopper 100 episodes $p"
  ./grl eval --checkpoint /work/runs/bf16/gmpo-hopper/checkpoints/latest.pt --episodes 100 --precision $p | sed -n 2p
done
echo "== $(date)"
