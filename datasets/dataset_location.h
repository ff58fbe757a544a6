// Where a dataset named on the command line or in a config lives: a path, a D4RL id
// ("hopper-medium-replay-v2") or a Minari id ("mujoco/halfcheetah/medium-v0").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "envs/env_catalog.h"

namespace grl::datasets {

enum class DatasetFormat { d4rl, minari };

struct DatasetLocation {
  DatasetFormat format = DatasetFormat::d4rl;
  std::filesystem::path file;        // the HDF5 file (Minari: .../data/main_data.hdf5)
  std::string name;                  // as given
  std::optional<envs::EnvSpec> env;  // inferred from the id or the file name, when possible
};

// $D4RL_DATASET_DIR (when set), then ~/.d4rl/datasets.
std::vector<std::filesystem::path> d4rl_search_dirs();
// Our own (native) datasets: $GRL_DATASET_DIR (when set), then ~/.grl/datasets; `grl dataset make`
// writes to the first.
std::vector<std::filesystem::path> native_search_dirs();
// $MINARI_DATASETS_PATH (when set), then ~/.minari/datasets.
std::vector<std::filesystem::path> minari_search_dirs();

// Resolves in this order: an existing file (format from its contents) or Minari dataset folder;
// a D4RL id, looked up as <dir>/<env>_<kind>-<version>.hdf5 in d4rl_search_dirs() (a native id in
// native_search_dirs(), as <env>_<kind>_native[_<N>k]-<version>.hdf5); a Minari id,
// looked up as <root>/<id>/data/main_data.hdf5. Throws DatasetError saying every place it looked
// and which environment variable sets the folder.
DatasetLocation locate_dataset(const std::string& name);

// The catalog env named by a dataset id, file name or gym id: "hopper_medium_replay-v2",
// "mujoco/halfcheetah/medium-v0", "HalfCheetah-v5" (a word equal to a catalog id, any case).
std::optional<envs::EnvSpec> infer_env(const std::string& text);

// D4RL if the file has an 'observations' dataset at the root, Minari if it has episode_* groups.
DatasetFormat detect_format(const std::filesystem::path& file);

}  // namespace grl::datasets
