# End to end for the offline baselines: on hopper random-policy data made here, `grl train` runs
# each of bc, iql, td3_bc and cql from its presets/<algo>/cpu.yaml (tiny budgets by override), and
# `grl eval` scores each checkpoint alone, with the dataset file gone.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run_ok out_var)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(expect_in text expected)
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "output lacks '${expected}':\n${text}")
  endif()
endfunction()

run_ok(collected ${GRL} collect --env hopper --policy random --episodes 40 --seed 1 --out ${WORK}/hopper-random.hdf5)

set(common evaluation.episodes=2 evaluation.max_episode_steps=30 trainer.log_every=2 trainer.checkpoint_every=3
           trainer.eval_every=4)
set(tiny_bc bc.steps=6 bc.batch_size=32 bc.actor.hidden=[16])
set(tiny_iql iql.steps=6 iql.batch_size=32 iql.actor.hidden=[16] iql.critic.network.mlp.hidden=[16])
set(tiny_td3_bc td3_bc.steps=6 td3_bc.batch_size=32 td3_bc.actor.hidden=[16] td3_bc.critic.hidden=[16])
set(tiny_cql cql.steps=6 cql.batch_size=32 cql.n_actions=3 cql.actor.hidden=[16] cql.critic.hidden=[16])
foreach(algo bc iql td3_bc cql)
  run_ok(trained ${GRL} train --algo ${algo} --preset ${SOURCE_DIR}/presets/${algo}/cpu.yaml
         --dataset ${WORK}/hopper-random.hdf5 --seed 3 --name ${algo} --runs-dir ${WORK}/runs ${common} ${tiny_${algo}})
  expect_in("${trained}" "finished: ${WORK}/runs/${algo}")
  file(READ ${WORK}/runs/${algo}/config.yaml resolved)
  expect_in("${resolved}" "algorithm: ${algo}")
  expect_in("${resolved}" "normalize_states: true")
  file(READ ${WORK}/runs/${algo}/metrics.jsonl metrics)
  expect_in("${metrics}" "\"score_mean\"")
endforeach()

# The checkpoints alone are enough: the dataset file may be gone (the state statistics travel along).
file(RENAME ${WORK}/hopper-random.hdf5 ${WORK}/moved.hdf5)
foreach(algo bc iql td3_bc cql)
  run_ok(evaluated ${GRL} eval --checkpoint ${WORK}/runs/${algo}/checkpoints/latest.pt --episodes 2 --seed 5)
  expect_in("${evaluated}" "${algo} on hopper")
  expect_in("${evaluated}" "normalized score ")
endforeach()
