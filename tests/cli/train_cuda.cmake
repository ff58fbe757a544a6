# GMPO, GMPG and the nine baselines on a GPU: `grl --device cuda train` from each CPU preset (tiny
# budgets), `grl --device cuda eval` of each checkpoint, and the same checkpoint evaluated on the CPU
# (a run trained on a cluster's GPU is watched and scored on a laptop). Skipped without a CUDA device.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/support/tiny_budgets.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

skip_unless_info_has("cuda:0" "no CUDA device")

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 40 --seed 1 --out ${WORK}/hopper-random.hdf5)
set(common evaluation.episodes=2 evaluation.max_episode_steps=30 trainer.log_every=2 trainer.checkpoint_every=3)
set(algorithms gmpo gmpg bc iql td3_bc cql idql sfbc diffusion_ql srpo qgpo)
foreach(algo ${algorithms})
  run_ok_with_stderr(trained ${GRL} --device cuda train --algo ${algo} --preset ${SOURCE_DIR}/presets/${preset_${algo}}
                     --dataset ${WORK}/hopper-random.hdf5 --seed 3 --name ${algo} --runs-dir ${WORK}/runs
                     ${common} ${tiny_${algo}})
  expect_in("${trained}" "finished: ${WORK}/runs/${algo}")
  file(READ ${WORK}/runs/${algo}/metrics.jsonl metrics)
  expect_in("${metrics}" "\"score_mean\"")
  expect_not_in("${metrics}" "null")
  foreach(device cuda cpu)
    run_ok(evaluated ${GRL} --device ${device} eval --checkpoint ${WORK}/runs/${algo}/checkpoints/latest.pt
           --episodes 2 --seed 5)
    expect_in("${evaluated}" "${algo} on hopper")
    expect_in("${evaluated}" "normalized score ")
  endforeach()
endforeach()
