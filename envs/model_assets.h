// Where the MJCF models are found, and the one shared, immutable mjModel per model file.
//
// Search order (the first folder that holds the file wins):
//   1. $GRL_ASSET_DIR
//   2. <folder of the running executable>/../share/grl/assets   (an installed grl)
//   3. <source tree>/envs/assets                                (running from a build tree)
// so that nothing depends on the working directory.
#pragma once

#include <mujoco/mujoco.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace grl::envs {

// The folders searched, in order; $GRL_ASSET_DIR is included only when set.
std::vector<std::filesystem::path> asset_search_path();

// The full path of `file_name` ("hopper.xml"); throws std::runtime_error listing every folder
// that was searched when none holds it.
std::filesystem::path find_asset(const std::string& file_name);

// The model in `file_name`, compiled once per resolved path and shared by every caller. Throws
// std::runtime_error with MuJoCo's message and the path when the file does not compile.
std::shared_ptr<const mjModel> load_model(const std::string& file_name);

}  // namespace grl::envs
