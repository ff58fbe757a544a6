#include "envs/model_assets.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

#include "grl_version.h"

namespace grl::envs {

namespace {

std::filesystem::path executable_directory() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

}  // namespace

std::vector<std::filesystem::path> asset_search_path() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("GRL_ASSET_DIR"); env && *env) dirs.emplace_back(env);
  if (const auto exe_dir = executable_directory(); !exe_dir.empty())
    dirs.push_back((exe_dir / ".." / "share" / "grl" / "assets").lexically_normal());
  dirs.push_back(std::filesystem::path(GRL_SOURCE_DIR) / "envs" / "assets");
  return dirs;
}

std::filesystem::path find_asset(const std::string& file_name) {
  const auto dirs = asset_search_path();
  for (const auto& dir : dirs) {
    std::error_code ec;
    const auto candidate = dir / file_name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  std::string looked;
  const char* env = std::getenv("GRL_ASSET_DIR");
  if (!env || !*env) looked += "\n  $GRL_ASSET_DIR (not set)";
  for (const auto& dir : dirs) looked += "\n  " + dir.string();
  throw std::runtime_error("cannot find the MuJoCo model '" + file_name + "'; looked in:" + looked +
                           "\nset GRL_ASSET_DIR to the folder that holds it (envs/assets in the source tree)");
}

std::shared_ptr<const mjModel> load_model(const std::string& file_name) {
  // mj_loadXML is not safe to call concurrently; one lock covers the cache and the parser.
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const mjModel>> cache;
  const std::string path = std::filesystem::absolute(find_asset(file_name)).lexically_normal().string();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  char error[1024] = "";
  mjModel* model = mj_loadXML(path.c_str(), nullptr, error, sizeof(error));
  if (!model) throw std::runtime_error("cannot compile the MuJoCo model " + path + ": " + error);
  std::shared_ptr<const mjModel> shared(model, [](const mjModel* m) { mj_deleteModel(const_cast<mjModel*>(m)); });
  cache.emplace(path, shared);
  return shared;
}

}  // namespace grl::envs
