# The example plugin (examples/plugin, AWR with a flow-matching policy) built out of tree against the
# installed package: `cmake --install` of this build, find_package(GenerativeRLpp) in the example's
# own CMakeLists.txt, then the installed grl with `--plugin` lists it, trains it a few steps on a mini
# dataset with checkpoints and an evaluation, and `grl eval` scores the checkpoint (the plugin given
# again, as a user would); without the plugin the checkpoint is refused by name.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

set(prefix ${WORK}/prefix)
run_ok_with_stderr(installed ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file bin/grl include/grl/plugin/grl_plugin.h include/grl/algorithms/training/algorithm.h
             include/grl/grl_version.h lib/cmake/GenerativeRLpp/GenerativeRLppConfig.cmake share/grl/assets/hopper.xml)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "cmake --install did not install ${file}")
  endif()
endforeach()

# Built like a user would: only the installed prefix is known to the example's build.
run_ok_with_stderr(configured ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/plugin -B ${WORK}/build -G Ninja
       -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run_ok_with_stderr(built ${CMAKE_COMMAND} --build ${WORK}/build)
set(plugin ${WORK}/build/libawr_flow.so)
if(NOT EXISTS ${plugin})
  message(FATAL_ERROR "the example did not build ${plugin}:\n${built}")
endif()

set(grl ${prefix}/bin/grl)
run_ok_with_stderr(listed ${grl} --plugin ${plugin} plugins)
expect_in("${listed}" "loaded  awr-flow-example  ${plugin}  algorithms: awr_flow")
expect_in("${listed}" "awr_flow     plugin ${plugin}")

run_ok_with_stderr(collected ${grl} collect --env hopper --policy random --episodes 20 --seed 1 --out ${WORK}/mini.hdf5)
set(tiny env=hopper awr_flow.value_steps=6 awr_flow.policy_steps=6 awr_flow.batch_size=32 awr_flow.value.hidden=[16]
         awr_flow.policy.network.hidden=[16] awr_flow.policy.grid_points=3 evaluation.episodes=2
         evaluation.max_episode_steps=20 trainer.log_every=2 trainer.checkpoint_every=4)
run_ok_with_stderr(trained ${grl} --plugin ${plugin} train --preset ${SOURCE_DIR}/examples/plugin/awr_flow.yaml
       --dataset ${WORK}/mini.hdf5 --name awr --runs-dir ${WORK}/runs ${tiny})
expect_in("${trained}" "finished: ${WORK}/runs/awr")
file(READ ${WORK}/runs/awr/metrics.jsonl metrics)
expect_in("${metrics}" "\"value_loss\"")
expect_in("${metrics}" "\"weight_mean\"")
expect_in("${metrics}" "\"score_mean\"")
if(NOT EXISTS ${WORK}/runs/awr/checkpoints/latest.pt)
  message(FATAL_ERROR "no checkpoint written")
endif()

# The plugin's file is remembered in GRL_PLUGIN_PATH for processes grl starts; a user evaluating
# later names it again.
run_ok_with_stderr(evaluated ${grl} --plugin ${plugin} eval --checkpoint ${WORK}/runs/awr/checkpoints/latest.pt --episodes 2 --seed 5)
expect_in("${evaluated}" "awr_flow on hopper")
expect_in("${evaluated}" "normalized score ")

# Without the plugin the checkpoint's algorithm is unknown, and the message says which names exist.
execute_process(COMMAND ${grl} eval --checkpoint ${WORK}/runs/awr/checkpoints/latest.pt --episodes 1
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "eval of a plugin checkpoint without the plugin succeeded:\n${out}")
endif()
expect_in("${err}" "unknown algorithm 'awr_flow'")
