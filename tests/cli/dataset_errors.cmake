# Bad input to `grl dataset`: a clear one-line error naming the file, and no HDF5 error stack.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/empty)

include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)

# expect_error, and HDF5 must not have printed its own error stack beside grl's message.
function(expect_dataset_error expected)
  expect_error("${expected}" ${ARGN})
  string(FIND "${expect_error_stderr}" "HDF5-DIAG" diag)
  if(NOT diag EQUAL -1)
    message(FATAL_ERROR "HDF5 printed its error stack:\n${expect_error_stderr}")
  endif()
endfunction()

expect_dataset_error("${WORK}/empty/hopper_medium-v2.hdf5"
             ${CMAKE_COMMAND} -E env D4RL_DATASET_DIR=${WORK}/empty ${GRL} dataset info hopper-medium-v2)
expect_dataset_error("set D4RL_DATASET_DIR" ${CMAKE_COMMAND} -E env D4RL_DATASET_DIR=${WORK}/empty ${GRL} dataset info hopper-medium-v2)
file(WRITE ${WORK}/notes.hdf5 "not an hdf5 file\n")
expect_dataset_error("${WORK}/notes.hdf5: not an HDF5 file" ${GRL} dataset info ${WORK}/notes.hdf5)
expect_dataset_error("MINARI_DATASETS_PATH" ${CMAKE_COMMAND} -E env MINARI_DATASETS_PATH=${WORK}/empty ${GRL} dataset convert mujoco/hopper/none-v0 --out ${WORK}/x.hdf5)
# The fixture has hopper's 11 observation columns; claiming halfcheetah must fail on the dims.
expect_dataset_error("has 11 columns but halfcheetah observations have 17"
             ${GRL} dataset info ${SOURCE_DIR}/tests/cli/data/minari/mujoco/hopper/tiny-v0 --env halfcheetah)
