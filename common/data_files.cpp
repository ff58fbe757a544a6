#include "common/data_files.h"

#include <cstdlib>
#include <stdexcept>

#include "grl_version.h"

namespace grl {

namespace {

std::filesystem::path executable_directory() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

}  // namespace

std::vector<std::filesystem::path> data_search_path(const DataFolder& folder) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv(folder.env_var.c_str()); env && *env) dirs.emplace_back(env);
  if (const auto exe_dir = executable_directory(); !exe_dir.empty())
    dirs.push_back((exe_dir / ".." / "share" / "grl" / folder.installed_subdir).lexically_normal());
  dirs.push_back(std::filesystem::path(GRL_SOURCE_DIR) / folder.source_subdir);
  return dirs;
}

std::filesystem::path find_data_file(const DataFolder& folder, const std::string& file_name) {
  const auto dirs = data_search_path(folder);
  for (const auto& dir : dirs) {
    std::error_code ec;
    const auto candidate = dir / file_name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  std::string looked;
  const char* env = std::getenv(folder.env_var.c_str());
  if (!env || !*env) looked += "\n  $" + folder.env_var + " (not set)";
  for (const auto& dir : dirs) looked += "\n  " + dir.string();
  throw std::runtime_error("cannot find the " + folder.what + " '" + file_name + "'; looked in:" + looked + "\nset " +
                           folder.env_var + " to the folder that holds it (" + folder.source_subdir +
                           " in the source tree)");
}

}  // namespace grl
