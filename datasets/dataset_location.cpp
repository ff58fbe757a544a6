#include "datasets/dataset_location.h"

#include <cctype>
#include <cstdlib>

#include "common/atomic_file.h"
#include "datasets/dataset_error.h"
#include "datasets/hdf5_file.h"

namespace grl::datasets {

namespace {

std::filesystem::path home() {
  const char* h = std::getenv("HOME");
  return h && *h ? std::filesystem::path(h) : std::filesystem::path("~");
}

std::vector<std::filesystem::path> search_dirs(const char* variable, const std::filesystem::path& fallback) {
  std::vector<std::filesystem::path> dirs;
  if (const char* dir = std::getenv(variable); dir && *dir) dirs.emplace_back(dir);
  if (dirs.empty() || dirs.front() != fallback) dirs.push_back(fallback);
  return dirs;
}

bool is_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

std::string looked_list(const std::vector<std::filesystem::path>& paths) {
  std::string out;
  for (const auto& p : paths) out += "\n  " + p.string();
  return out;
}

}  // namespace

std::vector<std::filesystem::path> d4rl_search_dirs() { return search_dirs("D4RL_DATASET_DIR", home() / ".d4rl" / "datasets"); }
std::vector<std::filesystem::path> native_search_dirs() { return search_dirs("GRL_DATASET_DIR", home() / ".grl" / "datasets"); }
std::vector<std::filesystem::path> minari_search_dirs() {
  return search_dirs("MINARI_DATASETS_PATH", home() / ".minari" / "datasets");
}

std::optional<envs::EnvSpec> infer_env(const std::string& text) {
  std::string word;
  std::vector<std::string> words;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  for (const auto& w : words)
    if (auto spec = envs::find_env_spec(w)) return spec;
  return std::nullopt;
}

DatasetFormat detect_format(const std::filesystem::path& file) {
  hdf5::Handle h5 = hdf5::open_file_readonly(file);
  if (hdf5::is_dataset(h5.get(), "observations")) return DatasetFormat::d4rl;
  for (const auto& child : hdf5::list_children(h5.get()))
    if (child.rfind("episode_", 0) == 0) return DatasetFormat::minari;
  return DatasetFormat::d4rl;
}

DatasetLocation locate_dataset(const std::string& name) {
  DatasetLocation location;
  location.name = name;
  const std::filesystem::path as_path(name);
  std::error_code ec;
  if (std::filesystem::is_directory(as_path, ec)) {
    for (const auto& candidate : {as_path / "data" / "main_data.hdf5", as_path / "main_data.hdf5"}) {
      if (is_file(candidate)) {
        location.format = DatasetFormat::minari;
        location.file = candidate;
        location.env = infer_env(std::filesystem::absolute(as_path).string());
        return location;
      }
    }
    throw DatasetError(name + ": is a folder without data/main_data.hdf5 (expected a D4RL .hdf5 file or a Minari dataset folder)");
  }
  if (std::filesystem::exists(as_path, ec)) {
    // A device or FIFO would make the HDF5 reader wait forever (/dev/zero never ends).
    try {
      require_regular_file(as_path, "dataset file (HDF5) or a Minari dataset folder");
    } catch (const std::runtime_error& e) {
      throw DatasetError(e.what());
    }
    location.file = as_path;
    location.format = detect_format(as_path);
    location.env = infer_env(location.format == DatasetFormat::minari ? std::filesystem::absolute(as_path).string()
                                                                       : as_path.filename().string());
    return location;
  }
  if (auto id = envs::try_parse_dataset_id(name)) {
    std::vector<std::filesystem::path> looked;
    for (const auto& dir : id->native ? native_search_dirs() : d4rl_search_dirs()) {
      looked.push_back(dir / id->d4rl_file_name());
      if (is_file(looked.back())) {
        location.file = looked.back();
        location.format = DatasetFormat::d4rl;
        location.env = envs::env_spec(id->env);
        return location;
      }
    }
    if (id->native) {
      throw DatasetError("native dataset '" + name + "' not made yet; looked for" + looked_list(looked) +
                         "\nMake it with `grl dataset make " + name + "` (GRL_DATASET_DIR sets the folder).");
    }
    throw DatasetError("dataset '" + name + "' not found; looked for" + looked_list(looked) +
                       "\nPut the D4RL file there or set D4RL_DATASET_DIR to the folder that holds " + id->d4rl_file_name() +
                       " (or pass the file's path).");
  }
  const bool looks_like_minari_id = name.find('/') != std::string::npos && as_path.extension() != ".hdf5" &&
                                    as_path.extension() != ".h5" && !as_path.is_absolute() && name.rfind("./", 0) != 0;
  if (looks_like_minari_id) {
    std::vector<std::filesystem::path> looked;
    for (const auto& root : minari_search_dirs()) {
      looked.push_back(root / name / "data" / "main_data.hdf5");
      if (is_file(looked.back())) {
        location.file = looked.back();
        location.format = DatasetFormat::minari;
        location.env = infer_env(name);
        return location;
      }
    }
    throw DatasetError("Minari dataset '" + name + "' not found; looked for" + looked_list(looked) +
                       "\nDownload it with `minari download " + name + "` or set MINARI_DATASETS_PATH to its root folder.");
  }
  throw DatasetError(name + ": no such file, and not a D4RL dataset id (<env>-<kind>-v<N>, e.g. hopper-medium-v2) "
                            "or a Minari dataset id (e.g. mujoco/halfcheetah/medium-v0)");
}

}  // namespace grl::datasets
