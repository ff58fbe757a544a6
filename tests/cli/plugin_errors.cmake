# Broken plugins are refused with the documented messages and do not take grl down: `grl plugins`
# lists each failure (and exits 1), any other command warns and runs (exit 0), and a refused plugin
# registers none of its names.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# check_refused(<fixture> <expected message part>...)
function(check_refused fixture)
  set(file ${PLUGIN_FIXTURES}/lib${fixture}.so)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "fixture ${file} was not built")
  endif()
  execute_process(COMMAND ${GRL} --plugin ${file} plugins OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "grl plugins with ${fixture} exited ${rc}, expected 1:\n${out}\n${err}")
  endif()
  expect_in("${out}" "FAILED  plugin ${file}: ")
  foreach(part ${ARGN})
    expect_in("${out}" "${part}")
  endforeach()
  expect_in("${err}" "grl: warning: plugin ${file}: ")
  expect_in("${err}" "(going on without it)")
  expect_in("${out}" "  gmpo ")  # the built-ins are all still there
  expect_in("${out}" "  bc ")
  # Another command runs to its end despite the broken plugin.
  execute_process(COMMAND ${GRL} --plugin ${file} env info --env hopper OUTPUT_VARIABLE info_out ERROR_VARIABLE info_err
                  RESULT_VARIABLE info_rc)
  if(NOT info_rc EQUAL 0)
    message(FATAL_ERROR "grl env info with the broken plugin ${fixture} exited ${info_rc}:\n${info_out}\n${info_err}")
  endif()
  expect_in("${info_out}" "hopper")
  set(last_out "${out}" PARENT_SCOPE)
endfunction()

check_refused(undefined_symbol "cannot be loaded: " "undefined symbol: grl_fixture_symbol_that_grl_lacks")
check_refused(no_entry_point "not a GenerativeRL++ plugin: it does not define grl_plugin_info"
              "GRL_PLUGIN(name, register_function)")
check_refused(wrong_api_version "'fixture-wrong-api' was built for plugin API version 2, but this grl has version 1"
              "rebuild it against this GenerativeRL++")
check_refused(wrong_torch_version "'fixture-wrong-torch' was built against LibTorch"
              "rebuild it with the same Torch_DIR as grl")
check_refused(duplicate_name "the algorithm 'bc' is already registered (by built-in baselines); nothing of plugin")
expect_not_in("${last_out}" "fixture_fresh")
check_refused(throws_on_register "registration failed: fixture refuses to register")
expect_not_in("${last_out}" "fixture_never")

# A file that does not exist.
execute_process(COMMAND ${GRL} --plugin ${WORK}/libmissing.so plugins OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect_in("${out}" "FAILED  plugin ${WORK}/libmissing.so: no such file")

# Every .so in a GRL_PLUGIN_PATH folder is tried; a missing entry is a warning.
execute_process(COMMAND ${CMAKE_COMMAND} -E env GRL_PLUGIN_PATH=${PLUGIN_FIXTURES}:${WORK}/no-such-folder ${GRL} plugins
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect_in("${err}" "GRL_PLUGIN_PATH entry ${WORK}/no-such-folder does not exist")
foreach(fixture duplicate_name no_entry_point throws_on_register undefined_symbol wrong_api_version wrong_torch_version)
  expect_in("${out}" "FAILED  plugin ${PLUGIN_FIXTURES}/lib${fixture}.so: ")
endforeach()
expect_in("${out}" "plugins: 6")
