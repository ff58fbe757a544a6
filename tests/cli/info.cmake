# `grl info` runs and reports every component the issue asks for; `grl --help` lists it.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
execute_process(COMMAND ${GRL} info OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "grl info failed (${rc}): ${err}")
endif()
foreach(expected "LibTorch" "MuJoCo         2.2.2" "HDF5           1." "BLAS" "GFLOP/s" "threads        intra-op 1" "devices        cpu"
                 "subnormals     flushed to zero (FTZ+DAZ): this thread yes, intra-op threads 1/1")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "grl info output lacks '${expected}':\n${out}")
  endif()
endforeach()
execute_process(COMMAND ${GRL} info --threads 2 OUTPUT_VARIABLE out2 RESULT_VARIABLE rc2)
string(FIND "${out2}" "intra-op 2" at)
if(NOT rc2 EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "--threads 2 not applied:\n${out2}")
endif()
# Every compute thread flushes subnormal floats, the second OpenBLAS worker and OpenMP thread included.
string(FIND "${out2}" "subnormals     flushed to zero (FTZ+DAZ): this thread yes, intra-op threads 2/2, BLAS product flushed" at)
if(at EQUAL -1)
  message(FATAL_ERROR "grl info --threads 2 does not report subnormals flushed on every thread:\n${out2}")
endif()
# More than one thread: grl restarts itself once with OMP_WAIT_POLICY=PASSIVE (common/runtime.h),
# unless the user chose a policy; one thread leaves the variable alone.
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=OMP_WAIT_POLICY ${GRL} info --threads 2
                OUTPUT_VARIABLE passive RESULT_VARIABLE rc_passive)
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=OMP_WAIT_POLICY ${GRL} info
                OUTPUT_VARIABLE unset RESULT_VARIABLE rc_unset)
execute_process(COMMAND ${CMAKE_COMMAND} -E env OMP_WAIT_POLICY=ACTIVE ${GRL} info --threads 2
                OUTPUT_VARIABLE chosen RESULT_VARIABLE rc_chosen)
foreach(pair "passive;OpenMP wait    PASSIVE" "unset;OpenMP wait    unset" "chosen;OpenMP wait    ACTIVE")
  list(GET pair 0 name)
  list(GET pair 1 expected)
  string(FIND "${${name}}" "${expected}" at)
  if(NOT rc_${name} EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "grl info (${name}) should print '${expected}':\n${${name}}")
  endif()
endforeach()
expect_error("device 'cuda:7'" ${GRL} --device cuda:7 info)  # no GPU 7 here: the error names the device
execute_process(COMMAND ${GRL} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc4)
string(FIND "${help}" "info" at)
if(NOT rc4 EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "grl --help does not list info:\n${help}")
endif()
