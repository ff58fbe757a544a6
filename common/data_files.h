// Files the program ships beside its code (MuJoCo models, behaviour policies), found without
// depending on the working directory. For a folder described by a DataFolder the search order is:
//   1. $<env_var>                                              (when set)
//   2. <folder of the running executable>/../share/grl/<installed_subdir>   (an installed grl)
//   3. <source tree>/<source_subdir>                           (running from a build tree)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace grl {

struct DataFolder {
  std::string env_var;          // "GRL_ASSET_DIR"
  std::string installed_subdir; // "assets" (under share/grl)
  std::string source_subdir;    // "envs/assets"
  std::string what;             // "MuJoCo model": how messages name one file
};

std::vector<std::filesystem::path> data_search_path(const DataFolder& folder);
// The first existing `file_name` on the search path; throws std::runtime_error listing every folder
// searched and the variable that adds one.
std::filesystem::path find_data_file(const DataFolder& folder, const std::string& file_name);

}  // namespace grl
