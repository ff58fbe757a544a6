#include "envs/model_assets.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "common/data_files.h"

namespace grl::envs {

namespace {

const DataFolder kModels{"GRL_ASSET_DIR", "assets", "envs/assets", "MuJoCo model"};

}  // namespace

std::vector<std::filesystem::path> asset_search_path() { return data_search_path(kModels); }

std::filesystem::path find_asset(const std::string& file_name) { return find_data_file(kModels, file_name); }

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
