// Minari datasets (the successor of D4RL): <root>/<id>/data/main_data.hdf5 with one group per
// episode holding T+1 observations (the reset observation included) and T actions, rewards,
// terminations and truncations; metadata.json beside it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datasets/d4rl_file.h"
#include "datasets/transition_set.h"

namespace grl::datasets {

struct MinariEpisode {
  std::int64_t id = 0;
  std::optional<std::int64_t> seed;
  torch::Tensor observations;  // (T+1, obs_dim), stored dtype
  torch::Tensor actions;       // (T, act_dim)
  torch::Tensor rewards;       // (T,)
  torch::Tensor terminations;  // (T,) bool
  torch::Tensor truncations;   // (T,) bool
  std::map<std::string, torch::Tensor> infos;  // numeric infos/* arrays, as stored (T or T+1 rows)

  std::int64_t steps() const { return actions.size(0); }
};

struct MinariDataset {
  std::filesystem::path data_file;  // .../data/main_data.hdf5
  std::string metadata_json;        // metadata.json as text ("" when there is none)
  std::string dataset_id;           // from metadata.json, else the folder name
  std::string env_id;               // env_spec.id from metadata.json ("HalfCheetah-v5"), if any
  std::optional<double> ref_min_score, ref_max_score;
  std::vector<MinariEpisode> episodes;  // in id order

  std::int64_t total_steps() const;
};

// Reads main_data.hdf5 (and metadata.json beside it). Throws DatasetError naming the file and the
// episode key for missing keys, wrong row counts (observations must have one row more than the
// actions), dict observation spaces, NaN/inf, and a metadata.json that disagrees with the episodes.
MinariDataset read_minari_dataset(const std::filesystem::path& data_file);

// All T transitions of every episode: s = obs[t], s' = obs[t+1], done = terminations[t]. A
// truncation ends the episode without done; nothing crosses an episode boundary.
TransitionSet minari_transitions(const MinariDataset& dataset);

// The same data in the D4RL layout: observations = obs[0..T-1] of each episode, next_observations
// = obs[1..T], terminals = terminations, timeouts = truncations (and the last step of an episode
// that ends with neither, so that d4rl's processing never bootstraps across episodes); numeric
// infos with T+1 rows lose their last row; metadata records the Minari id and metadata.json.
D4rlFile minari_to_d4rl(const MinariDataset& dataset);

}  // namespace grl::datasets
