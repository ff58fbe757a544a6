# The native-dataset path end to end, as a user regenerating our datasets walks it: `grl sac train`
# (a tiny run), `grl sac select-policies` into a policy folder, `grl dataset make` of a small native
# dataset from those policies, `grl dataset info` of it by id, `grl dataset list`, and the error for an
# id that is not a native dataset.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(ENV{GRL_POLICY_DIR} ${WORK}/policies)
set(ENV{GRL_DATASET_DIR} ${WORK}/datasets)

run_ok(trained ${GRL} sac train --env hopper --steps 600 --seed 3 --name sac-tiny --runs-dir ${WORK}/runs
       learning_starts=100 batch_size=16 actor.hidden=[16,16] critic.hidden=[16,16] eval_episodes=2
       eval_every=200 snapshot_every=200 checkpoint_every=300)
expect_in("${trained}" "finished: ${WORK}/runs/sac-tiny")
run_ok(selected ${GRL} sac select-policies ${WORK}/runs/sac-tiny --out ${WORK}/policies --episodes 2)
expect_in("${selected}" "chosen as expert")
expect_in("${selected}" "wrote ${WORK}/policies/hopper-{random,medium,expert}.pt")

run_ok(made ${GRL} dataset make hopper-medium-native-50k-v0)
expect_in("${made}" "made hopper-medium-native-50k-v0: ${WORK}/datasets/hopper_medium_native_50k-v0.hdf5")
expect_in("${made}" "50000 rows")
run_ok(again ${GRL} dataset make hopper-medium-native-50k-v0)
expect_in("${again}" "exists (--force makes it again)")

run_ok(info ${GRL} dataset info hopper-medium-native-50k-v0)
foreach(expected "rows         50000" "infos/action_log_probs" "metadata/policy/last_fc_log_std/weight"
                 "metadata/dataset_id                     \"hopper-medium-native-50k-v0\"" "env          hopper")
  expect_in("${info}" "${expected}")
endforeach()
run_ok(listed ${GRL} dataset list)
expect_in("${listed}" "hopper-medium-native-50k-v0")
expect_in("${listed}" "${WORK}/datasets/hopper_medium_native_50k-v0.hdf5")

execute_process(COMMAND ${GRL} dataset make hopper-full-replay-native-v0 OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "make of an unknown native id succeeded")
endif()
expect_in("${err}" "'hopper-full-replay-native-v0' is not a native dataset; the native datasets are:")

# The quick start on those policies, with tiny presets on the medium file made above (the shipped
# presets read medium-expert): it trains BC and GMPO, evaluates both and prints the table.
foreach(which gmpo bc)
  file(READ ${SOURCE_DIR}/presets/${which}/quickstart-hopper.yaml preset)
  string(REPLACE "hopper-medium-expert-native-50k-v0" "hopper-medium-native-50k-v0" preset "${preset}")
  string(REPLACE "steps: 10000" "steps: 40" preset "${preset}")
  string(REPLACE "hidden: [256, 256, 256]" "hidden: [32, 16]" preset "${preset}")
  string(REPLACE "episodes: 10" "episodes: 2" preset "${preset}")
  expect_in("${preset}" "steps: 40")
  file(WRITE ${WORK}/quick-${which}.yaml "${preset}")
endforeach()
run_ok(quick ${GRL} quickstart --preset ${WORK}/quick-gmpo.yaml --baseline-preset ${WORK}/quick-bc.yaml
       --runs-dir ${WORK}/runs --name quick)
expect_in("${quick}" "quick start on hopper-medium-native-50k-v0: returns and D4RL-normalised scores")
expect_in("${quick}" "dataset (")
expect_in("${quick}" "BC policy (2 episodes)")
expect_in("${quick}" "GMPO policy (2 episodes)")
expect_in("${quick}" "results/quickstart/report/table.md")
if(NOT EXISTS ${WORK}/runs/quick-bc/checkpoints/latest.pt)
  message(FATAL_ERROR "quickstart wrote no BC checkpoint in ${WORK}/runs/quick-bc")
endif()
file(READ ${WORK}/quick-bc.yaml other)
string(REPLACE "hopper-medium-native-50k-v0" "hopper-expert-native-50k-v0" other "${other}")
file(WRITE ${WORK}/quick-other.yaml "${other}")
expect_error("trains on 'hopper-expert-native-50k-v0' but ${WORK}/quick-gmpo.yaml on 'hopper-medium-native-50k-v0'"
             ${GRL} quickstart --preset ${WORK}/quick-gmpo.yaml --baseline-preset ${WORK}/quick-other.yaml
             --runs-dir ${WORK}/runs --name mismatch)
expect_in("${quick}" "run: ${WORK}/runs/quick")
