# Model lookup from an installed layout: <prefix>/bin/grl finds <prefix>/share/grl/assets before the
# source tree, and $GRL_ASSET_DIR before both.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/prefix/bin ${WORK}/prefix/share/grl/assets ${WORK}/override)
file(COPY ${GRL} DESTINATION ${WORK}/prefix/bin)
get_filename_component(grl_name ${GRL} NAME)
set(installed ${WORK}/prefix/bin/${grl_name})
foreach(model halfcheetah hopper walker2d ant)
  file(COPY ${SOURCE_DIR}/envs/assets/${model}.xml DESTINATION ${WORK}/prefix/share/grl/assets)
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=GRL_ASSET_DIR ${installed} env info --env hopper
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${out}" "model          ${WORK}/prefix/share/grl/assets/hopper.xml" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "installed grl did not use <prefix>/share/grl/assets (${rc}):\n${out}${err}")
endif()

# $GRL_ASSET_DIR wins; a model changed there shows in env info.
file(READ ${SOURCE_DIR}/envs/assets/hopper.xml hopper)
string(REPLACE "timestep=\"0.002\"" "timestep=\"0.004\"" hopper "${hopper}")
file(WRITE ${WORK}/override/hopper.xml "${hopper}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env GRL_ASSET_DIR=${WORK}/override ${installed} env info --env hopper
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${out}" "frame_skip     4 -> dt 0.016" at)
string(FIND "${out}" "${WORK}/override/hopper.xml" at_path)
if(NOT rc EQUAL 0 OR at EQUAL -1 OR at_path EQUAL -1)
  message(FATAL_ERROR "GRL_ASSET_DIR was not searched first (${rc}):\n${out}${err}")
endif()

# Neither $GRL_ASSET_DIR nor the installed folder holds ant.xml: the source tree is the last
# fallback. (The error for a model found nowhere is checked in tests/envs/model_assets_test.cpp.)
file(REMOVE ${WORK}/prefix/share/grl/assets/ant.xml)
execute_process(COMMAND ${CMAKE_COMMAND} -E env GRL_ASSET_DIR=${WORK}/override ${installed} env info --env ant
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${out}" "model          ${SOURCE_DIR}/envs/assets/ant.xml" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "the source tree was not the last fallback (${rc}):\n${out}${err}")
endif()
