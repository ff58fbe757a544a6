// One call from a config to training-ready transitions: locate the file, read it, build the
// transitions as the baselines did, scale rewards, normalise states.
//
//   dataset:
//     name: hopper-medium-replay-v2      # D4RL id, Minari id or path
//     reward_scaling: iql_locomotion
//     normalize_states: false
#pragma once

#include <optional>
#include <string>

#include "datasets/dataset_location.h"
#include "datasets/reward_scaling.h"
#include "datasets/state_normalization.h"
#include "datasets/transition_set.h"
#include "envs/env_catalog.h"

namespace grl::datasets {

struct DatasetConfig {
  std::string name;                          // D4RL id, Minari id or path
  std::string env;                           // catalog env id; "" = infer from the name
  bool use_stored_next_observations = false; // D4RL files: s' from next_observations, not the next row
  std::string reward_scaling = "none";       // none | iql_locomotion | antmaze
  bool normalize_states = false;             // (s - mean) / (std + 1e-3), statistics from the dataset
  int max_episode_steps = 1000;

  template <class V>
  void visit(V& v);
};

struct OfflineDataset {
  DatasetLocation location;
  std::optional<envs::EnvSpec> env;
  TransitionSet transitions;                 // float32, on the CPU; move with transitions.to(device)
  RewardScaling reward_scaling;              // as applied
  StateNormalization state_normalization;    // as applied (save it with the model)
};

// Throws DatasetError for every problem of the file (see read_d4rl_file / read_minari_dataset), and
// when the observation/action widths do not match the env.
OfflineDataset load_offline_dataset(const DatasetConfig& config);

}  // namespace grl::datasets
