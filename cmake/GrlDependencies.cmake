# Every dependency comes from Debian's archive (scripts/install-deps.sh installs them).
# Torch_DIR may point at a newer LibTorch (for example the one bundled with PyTorch 2.x + CUDA).
find_package(Torch REQUIRED)
find_package(mujoco REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C CXX)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
if(GRL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# yaml-cpp 0.7 exports the target "yaml-cpp"; newer releases call it "yaml-cpp::yaml-cpp".
if(TARGET yaml-cpp::yaml-cpp)
  set(GRL_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(GRL_YAML_TARGET yaml-cpp)
endif()

# HDF5's find module gives variables, not a target; wrap them once.
if(NOT TARGET grl_hdf5)
  add_library(grl_hdf5 INTERFACE)
  target_include_directories(grl_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(grl_hdf5 INTERFACE ${HDF5_CXX_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(grl_hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

# TorchConfig gives TORCH_LIBRARIES and TORCH_CXX_FLAGS (the C++ ABI define); wrap them in one target.
if(NOT TARGET grl_torch)
  add_library(grl_torch INTERFACE)
  target_link_libraries(grl_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(grl_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  separate_arguments(_grl_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(grl_torch INTERFACE ${_grl_torch_flags})
endif()
