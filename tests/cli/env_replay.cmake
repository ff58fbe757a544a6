# `grl env replay`: per-step CSV; replaying from the written initial state reproduces the seeded
# replay exactly; bad actions are errors naming file and line, and leave no output file.
cmake_policy(SET CMP0007 NEW)  # keep the empty fields of the initial row
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/actions.csv "a0,a1,a2\n0.1,0.2,0.3\n2,-3,0.5\n# a comment\n\n-0.4,0.9,0\n0,0,0\n")

function(run_grl)
  execute_process(COMMAND ${GRL} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "grl ${ARGN} failed (${rc}): ${err}\n${out}")
  endif()
endfunction()

run_grl(env replay --env hopper --actions ${WORK}/actions.csv --seed 3 --with-state --out ${WORK}/seeded.csv)
file(STRINGS ${WORK}/seeded.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 6)
  message(FATAL_ERROR "expected a header and 5 rows (initial + 4 steps), got ${n}")
endif()
list(GET rows 0 header)
if(NOT header MATCHES "^step,reward,terminal,timeout,obs_0,.*,obs_10,qpos_0,.*,qpos_5,qvel_0,.*,qvel_5$")
  message(FATAL_ERROR "unexpected header: ${header}")
endif()
list(GET rows 1 initial)
string(REPLACE "," ";" initial "${initial}")
list(LENGTH initial columns)
if(NOT columns EQUAL 27)  # step, reward, terminal, timeout, 11 obs, 6 qpos, 6 qvel (3 empty)
  message(FATAL_ERROR "initial row has ${columns} fields")
endif()
list(SUBLIST initial 15 6 qpos)
list(SUBLIST initial 21 6 qvel)
string(REPLACE ";" "," qpos "${qpos}")
string(REPLACE ";" "," qvel "${qvel}")
list(GET rows 2 first_step)
if(NOT first_step MATCHES "^1,[-0-9.e]+,0,0,")
  message(FATAL_ERROR "first step row: ${first_step}")
endif()

# The same initial state given explicitly, and through a state file, gives identical rows.
run_grl(env replay --env hopper --actions ${WORK}/actions.csv --qpos ${qpos} --qvel ${qvel} --with-state --out ${WORK}/from_state.csv)
file(WRITE ${WORK}/state.txt "# qpos then qvel\n${qpos}\n${qvel}\n")
run_grl(env replay --env hopper --actions ${WORK}/actions.csv --state ${WORK}/state.txt --with-state --out ${WORK}/from_file.csv)
file(READ ${WORK}/seeded.csv seeded)
file(READ ${WORK}/from_state.csv from_state)
file(READ ${WORK}/from_file.csv from_file)
if(NOT seeded STREQUAL from_state OR NOT seeded STREQUAL from_file)
  message(FATAL_ERROR "replay from the written initial state differs from the seeded replay:\n${seeded}\n---\n${from_state}")
endif()

# A NaN action is an error naming the file, the line and the action index; nothing is written.
file(WRITE ${WORK}/bad.csv "0,0,0\n0.1,nan,0\n")
expect_error("bad.csv:2: hopper: action[1] is nan"
             ${GRL} env replay --env hopper --actions ${WORK}/bad.csv --seed 0 --out ${WORK}/bad_out.csv)
if(EXISTS ${WORK}/bad_out.csv)
  message(FATAL_ERROR "a failed replay left an output file")
endif()
file(WRITE ${WORK}/short.csv "0.1,0.2\n")
expect_error("short.csv:1: expected 3 action values, got 2"
             ${GRL} env replay --env hopper --actions ${WORK}/short.csv --seed 0 --out ${WORK}/short_out.csv)
# --out naming an input file is refused before anything is written: the atomic rename would replace it.
file(READ ${WORK}/actions.csv actions_before)
expect_error("--out ${WORK}/actions.csv is the --actions file; the replay would replace it"
             ${GRL} env replay --env hopper --actions ${WORK}/actions.csv --seed 0 --out ${WORK}/actions.csv)
file(READ ${WORK}/actions.csv actions_after)
if(NOT actions_before STREQUAL actions_after)
  message(FATAL_ERROR "the refused replay changed its actions file")
endif()
