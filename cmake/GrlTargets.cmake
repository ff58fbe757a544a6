# Shared target conventions: warnings, the LibTorch precompiled header, test suites.

function(grl_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter -Winvalid-pch)
  if(GRL_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# One precompiled <torch/torch.h>, built once and reused by every target that includes torch.
# Reuse requires identical compile flags, so targets add definitions through generated headers,
# not -D flags.
add_library(grl_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/pch_anchor.cpp)
target_link_libraries(grl_torch_pch PUBLIC grl_torch)
grl_set_warnings(grl_torch_pch)
if(GRL_USE_PCH)
  target_precompile_headers(grl_torch_pch PRIVATE ${CMAKE_CURRENT_LIST_DIR}/torch_pch.h)
endif()

function(grl_use_torch target)
  target_link_libraries(${target} PUBLIC grl_torch)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    # The shared PCH is built -fPIC; GCC refuses it for -fPIE objects. -fPIC objects link fine into PIE.
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  if(GRL_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM grl_torch_pch)
  endif()
endfunction()

# grl_add_library(<name> [TORCH] [DEPENDS libs...]) builds every .cpp under the calling folder.
function(grl_add_library name)
  cmake_parse_arguments(ARG "TORCH" "" "DEPENDS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
  grl_set_warnings(${name})
  if(ARG_TORCH)
    grl_use_torch(${name})
  endif()
endfunction()

# grl_add_test_suite(<folder> DEPENDS libs...) builds tests/<folder>/*.cpp into one GoogleTest binary.
function(grl_add_test_suite folder)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp)
  if(NOT sources)
    return()
  endif()
  set(target grl_${folder}_tests)
  add_executable(${target} ${sources})
  target_link_libraries(${target} PUBLIC ${ARG_DEPENDS} GTest::gtest GTest::gtest_main)
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  grl_set_warnings(${target})
  grl_use_torch(${target})
  # Tests that drive the command line (the benchmark runner starts `grl bench cell` processes) find
  # the binary in GRL_BINARY.
  if(TARGET grl)
    add_dependencies(${target} grl)
  endif()
  gtest_discover_tests(${target}
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    # One variable per property: gtest_discover_tests splits a list value into separate arguments,
    # which kept only the first of two ENVIRONMENT entries.
    PROPERTIES ENVIRONMENT "GRL_TEST_TMPDIR=${CMAKE_CURRENT_BINARY_DIR}/tmp"
               ENVIRONMENT_MODIFICATION "GRL_BINARY=set:${PROJECT_BINARY_DIR}/grl"
    DISCOVERY_TIMEOUT 60)
endfunction()
