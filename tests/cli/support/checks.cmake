# Shared by the tests/cli/*.cmake scripts (this folder is not globbed as a test itself).

# run_checked(<out_var> <err_var> <command>...): runs the command, fails the test with its output when it
# exits non-zero, and sets the two variables to its standard output and standard error.
function(run_checked out_var err_var)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

# run_ok(<out_var> <command>...): run_checked keeping standard output only.
function(run_ok out_var)
  run_checked(out err ${ARGN})
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# run_ok_with_stderr(<out_var> <command>...): like run_ok, <out_var> holds standard output then standard
# error (for messages grl writes to stderr, such as progress and "finished:").
function(run_ok_with_stderr out_var)
  run_checked(out err ${ARGN})
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# expect_error(<expected> <command>...): the command must fail (non-zero exit) with <expected> in its
# standard error, which is left in expect_error_stderr for further checks by the caller.
function(expect_error expected)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "expected failure: ${ARGN}\n${out}")
  endif()
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "error of '${ARGN}' lacks '${expected}':\n${err}")
  endif()
  set(expect_error_stderr "${err}" PARENT_SCOPE)
endfunction()

function(expect_in text expected)
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "output lacks '${expected}':\n${text}")
  endif()
endfunction()

function(expect_not_in text unexpected)
  string(FIND "${text}" "${unexpected}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "output has '${unexpected}':\n${text}")
  endif()
endfunction()

# skip_unless_info_has(<text> <why>): runs `grl info` into `info` and ends the calling test as skipped,
# saying <why>, unless that output holds <text> (a macro, so that return() leaves the test script).
macro(skip_unless_info_has text why)
  run_ok(info ${GRL} info)
  string(FIND "${info}" "${text}" _info_at)
  if(_info_at EQUAL -1)
    message("grl-test-skipped: ${why}:\n${info}")
    return()
  endif()
endmacro()
