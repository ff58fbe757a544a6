// A D4RL-layout HDF5 file as plain named arrays, exactly as stored: the reader keeps every key in its
// stored type, the writer produces the same layout (so our own datasets open in d4rl and h5py).
//
//   D4rlFile file = read_d4rl_file("hopper_medium_replay-v2.hdf5");
//   file.observations.scalar_type();   // kDouble for the replay files, kFloat for the others
//   write_d4rl_file("copy.hdf5", file);  // temp file + rename; reading it back gives identical arrays
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "envs/env_catalog.h"

namespace grl::datasets {

// metadata/* entries: arrays (policy weights) as tensors, scalars as strings, integers, floats, bools.
using MetadataValue = std::variant<torch::Tensor, std::string, std::int64_t, double, bool>;

struct D4rlFile {
  torch::Tensor observations;  // (N, obs_dim) float32 or float64
  torch::Tensor actions;       // (N, act_dim)
  torch::Tensor rewards;       // (N,) or (N, 1), as stored
  torch::Tensor terminals;     // (N,) or (N, 1): bool, uint8 or float (nonzero = terminal)
  std::optional<torch::Tensor> next_observations;  // (N, obs_dim) s_{t+1} as recorded
  std::optional<torch::Tensor> timeouts;           // (N,) the time limit ended the episode here
  std::map<std::string, torch::Tensor> infos;      // infos/<key>, e.g. "qpos", "action_log_probs"
  std::map<std::string, MetadataValue> metadata;   // metadata/<path>, e.g. "algorithm", "policy/fc0/weight"
  std::map<std::string, torch::Tensor> other_arrays;  // any other dataset, by its full path
  std::vector<std::string> skipped;  // "key: why" for datasets that could not be represented (string arrays)

  std::int64_t rows() const { return observations.defined() ? observations.size(0) : 0; }
  std::int64_t obs_dim() const { return observations.size(1); }
  std::int64_t act_dim() const { return actions.size(1); }
};

struct D4rlReadOptions {
  bool infos = true;         // infos/* can be as large as the observations; training does not need them
  bool metadata = true;
  bool other_arrays = true;
  bool check_finite = true;  // NaN/inf in observations, actions, rewards, next_observations is an error
};

// Reads every key of a D4RL file. Throws DatasetError naming the file and key for: a missing file,
// a file that is not HDF5 or is truncated, a missing required key (observations, actions, rewards,
// terminals), arrays of the wrong rank, mismatched row counts, and NaN/inf values.
D4rlFile read_d4rl_file(const std::filesystem::path& path, const D4rlReadOptions& options = {});

// Checks shapes, row counts and (optionally) finiteness; with `env`, also that the observation and
// action widths are the env's. `label` names the file in messages.
void validate_d4rl_file(const D4rlFile& file, const std::string& label, const envs::EnvSpec* env = nullptr,
                        bool check_finite = true);

struct D4rlWriteOptions {
  int gzip_level = 4;   // 0 writes contiguous, uncompressed arrays
  bool shuffle = true;  // HDF5 byte-shuffle filter before gzip
};

// Writes every key of `file` in the D4RL layout (arrays in their dtypes, bools as h5py bools, scalar
// metadata as h5py scalars) into a temporary file beside `path`, then renames it over `path`.
void write_d4rl_file(const std::filesystem::path& path, const D4rlFile& file, const D4rlWriteOptions& options = {});

// "float32", "float64", "bool", ... for a tensor's dtype, the names h5py and numpy use.
std::string dtype_name(const torch::Tensor& tensor);

}  // namespace grl::datasets
