# End to end on a dataset made here: `grl collect` writes hopper random-policy data, `grl train` runs
# GMPO (tiny budgets) into a run directory, `grl eval` scores the checkpoint alone, `grl resume`
# of a finished run has nothing left to do.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 40 --seed 1 --out ${WORK}/hopper-random.hdf5)
expect_in("${collected}" "40 episodes")
run_ok(info ${GRL} dataset info ${WORK}/hopper-random.hdf5)
expect_in("${info}" "infos/qpos")

set(tiny gmpo.critic.steps=6 gmpo.policy.steps=5 gmpo.critic.batch_size=64 gmpo.policy.batch_size=32
         gmpo.policy.model.network.name=mlp gmpo.policy.model.network.hidden=[32,32] gmpo.policy.model.grid_points=4
         evaluation.episodes=2 evaluation.max_episode_steps=30 trainer.log_every=2 trainer.checkpoint_every=3)
run_ok(trained ${GRL} train --algo gmpo --preset ${SOURCE_DIR}/presets/gmpo/cpu-icfm.yaml --dataset ${WORK}/hopper-random.hdf5
       --seed 2 --name tiny --runs-dir ${WORK}/runs ${tiny})
expect_in("${trained}" "finished: ${WORK}/runs/tiny")
foreach(f config.yaml metrics.jsonl checkpoints/latest.pt checkpoints/critic.pt checkpoints/policy.pt)
  if(NOT EXISTS ${WORK}/runs/tiny/${f})
    message(FATAL_ERROR "run lacks ${f}")
  endif()
endforeach()
file(READ ${WORK}/runs/tiny/config.yaml resolved)
expect_in("${resolved}" "seed: 2")
expect_in("${resolved}" "grid_points: 4")
expect_in("${resolved}" "expectile: 0.7")
file(READ ${WORK}/runs/tiny/metrics.jsonl metrics)
expect_in("${metrics}" "\"stage\":\"eval/policy\"")
expect_in("${metrics}" "\"score_mean\"")

# The checkpoint alone is enough: the dataset file may be gone.
file(RENAME ${WORK}/hopper-random.hdf5 ${WORK}/moved.hdf5)
run_ok(evaluated ${GRL} eval --checkpoint ${WORK}/runs/tiny/checkpoints/latest.pt --episodes 3 --seed 5)
expect_in("${evaluated}" "3 episodes, seed 5, lockstep")
expect_in("${evaluated}" "normalized score ")
run_ok(again ${GRL} eval --checkpoint ${WORK}/runs/tiny/checkpoints/latest.pt --episodes 3 --seed 5)
if(NOT again STREQUAL evaluated)
  string(REGEX REPLACE "[0-9.]+ s\n" "" a "${again}")
  string(REGEX REPLACE "[0-9.]+ s\n" "" b "${evaluated}")
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "the same evaluation gave different results:\n${evaluated}\n${again}")
  endif()
endif()
file(RENAME ${WORK}/moved.hdf5 ${WORK}/hopper-random.hdf5)
run_ok(resumed ${GRL} resume ${WORK}/runs/tiny)
expect_in("${resumed}" "finished: ${WORK}/runs/tiny")
