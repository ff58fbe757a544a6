# `grl dataset convert` turns the Minari fixture (tests/cli/data) into a D4RL file, and `grl dataset
# info` reads it back: rows, episodes, transitions and return statistics computed by hand from the
# fixture's definition (rewards 1 + 0.01 t; episodes of 30 terminated, 40 truncated, 25 terminated).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(minari ${SOURCE_DIR}/tests/cli/data/minari)
execute_process(COMMAND ${GRL} dataset convert ${minari}/mujoco/hopper/tiny-v0 --out ${WORK}/hopper_tiny-v0.hdf5
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "convert failed (${rc}): ${err}")
endif()
string(FIND "${out}" "95 rows, 3 episodes (2 terminals, 1 timeouts)" at)
if(at EQUAL -1)
  message(FATAL_ERROR "unexpected convert output:\n${out}")
endif()

# Returns 30 + 0.01*435 = 34.35, 40 + 0.01*780 = 47.8, 25 + 0.01*300 = 28: mean 36.72, min 28, max 47.8,
# population std sqrt(((-2.3667)^2 + 11.0833^2 + (-8.7167)^2) / 3) = 8.25; hopper score of the mean 100 * (36.7167 + 20.272305) / 3254.572305 = 1.75.
execute_process(COMMAND ${GRL} dataset info ${WORK}/hopper_tiny-v0.hdf5 OUTPUT_VARIABLE info ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "info failed (${rc}): ${err}")
endif()
foreach(expected "format       D4RL layout" "genuine      no" "env          hopper (obs 11, act 3)" "rows         95"
                 "observations                            (95, 11)        float64"
                 "actions                                 (95, 3)         float32"
                 "terminals                               (95,)           bool" "next_observations" "metadata/minari_dataset_id"
                 "transitions  93 " "episodes     3 complete (2 terminals, 1 timeouts)"
                 "returns      mean 36.72  std 8.25  min 28.00  max 47.80" "normalised   mean 1.75")
  string(FIND "${info}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "grl dataset info lacks '${expected}':\n${info}")
  endif()
endforeach()

# The Minari id resolves under MINARI_DATASETS_PATH; every step is a transition there.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MINARI_DATASETS_PATH=${minari} ${GRL} dataset info mujoco/hopper/tiny-v0
                OUTPUT_VARIABLE minfo ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${minfo}" "transitions  95 (every step of every episode)" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "info on the Minari id failed (${rc}): ${err}\n${minfo}")
endif()

# The converted file found by its D4RL id under D4RL_DATASET_DIR.
file(MAKE_DIRECTORY ${WORK}/d4rl)
file(COPY_FILE ${WORK}/hopper_tiny-v0.hdf5 ${WORK}/d4rl/hopper_medium-v2.hdf5)
execute_process(COMMAND ${CMAKE_COMMAND} -E env D4RL_DATASET_DIR=${WORK}/d4rl ${GRL} dataset info hopper-medium-v2
                OUTPUT_VARIABLE byid ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${byid}" "dataset      ${WORK}/d4rl/hopper_medium-v2.hdf5" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "info by D4RL id failed (${rc}): ${err}\n${byid}")
endif()
