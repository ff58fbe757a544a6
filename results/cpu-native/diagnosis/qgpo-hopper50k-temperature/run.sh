#!/bin/bash
# QGPO on hopper-medium-native-50k-v0, seed 0: the CPU preset against its temperatures scaled to D4RL's reward scale.
cd /work/main
export GRL_DATASET_DIR=/tmp/grlds
G=/tmp/grl-run/grl2
$G train --algo qgpo --preset presets/qgpo/cpu.yaml --dataset hopper-medium-native-50k-v0 --seed 0 --runs-dir /work/runs/qgpo-temp --name preset > /work/runs/qgpo-temp/preset.stdout 2>&1 &
$G train --algo qgpo --preset presets/qgpo/cpu.yaml --dataset hopper-medium-native-50k-v0 --seed 0 --runs-dir /work/runs/qgpo-temp --name scaled qgpo.guidance.alpha=0.078 qgpo.guidance.beta=0.234 > /work/runs/qgpo-temp/scaled.stdout 2>&1 &
wait
for r in preset scaled; do
  for w in 0 1; do
    echo "== $r w=$w" >> /work/runs/qgpo-temp/eval.txt
    $G eval --checkpoint /work/runs/qgpo-temp/$r/checkpoints/latest.pt --episodes 100 qgpo.guidance_scale=$w >> /work/runs/qgpo-temp/eval.txt 2>&1
  done
done
echo done >> /work/runs/qgpo-temp/eval.txt
