# End to end for the offline baselines: on hopper random-policy data made here, `grl train` runs
# each of bc, iql, td3_bc, cql and the generative-policy baselines idql, sfbc, diffusion_ql, srpo and qgpo
# from its CPU preset (presets/<algo>/cpu.yaml; SRPO's is per environment, srpo/cpu-hopper.yaml) with
# tiny budgets and networks by override, and `grl eval` scores each checkpoint alone, with the
# dataset file gone.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/support/tiny_budgets.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 40 --seed 1 --out ${WORK}/hopper-random.hdf5)

set(common evaluation.episodes=2 evaluation.max_episode_steps=30 trainer.log_every=2 trainer.checkpoint_every=3
           trainer.eval_every=4)
set(normalized_bc true)
set(normalized_iql true)
set(normalized_td3_bc true)
set(normalized_cql true)
set(normalized_idql false)
set(normalized_sfbc false)
set(normalized_diffusion_ql false)
set(normalized_srpo false)
set(normalized_qgpo false)
set(algorithms bc iql td3_bc cql idql sfbc diffusion_ql srpo qgpo)
foreach(algo ${algorithms})
  run_ok(trained ${GRL} train --algo ${algo} --preset ${SOURCE_DIR}/presets/${preset_${algo}}
         --dataset ${WORK}/hopper-random.hdf5 --seed 3 --name ${algo} --runs-dir ${WORK}/runs ${common} ${tiny_${algo}})
  expect_in("${trained}" "finished: ${WORK}/runs/${algo}")
  file(READ ${WORK}/runs/${algo}/config.yaml resolved)
  expect_in("${resolved}" "algorithm: ${algo}")
  expect_in("${resolved}" "normalize_states: ${normalized_${algo}}")
  file(READ ${WORK}/runs/${algo}/metrics.jsonl metrics)
  expect_in("${metrics}" "\"score_mean\"")
endforeach()

# The checkpoints alone are enough: the dataset file may be gone (the state statistics travel along).
file(RENAME ${WORK}/hopper-random.hdf5 ${WORK}/moved.hdf5)
foreach(algo ${algorithms})
  run_ok(evaluated ${GRL} eval --checkpoint ${WORK}/runs/${algo}/checkpoints/latest.pt --episodes 2 --seed 5)
  expect_in("${evaluated}" "${algo} on hopper")
  expect_in("${evaluated}" "normalized score ")
endforeach()
