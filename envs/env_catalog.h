// What is known about each environment without loading it: dimensions, timing, D4RL reference
// scores, and how dataset ids map to environments. Plain data; no MuJoCo, no LibTorch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grl::envs {

struct EnvSpec {
  std::string id;        // "halfcheetah", "hopper", "walker2d", "ant"
  std::string title;     // "HalfCheetah", as in gym
  int obs_dim;
  int act_dim;
  int nq;
  int nv;
  double dt;             // timestep * frame_skip
  int max_episode_steps; // the time limit (a timeout, not a terminal)
  // D4RL reference returns: score = 100 * (return - ref_min) / (ref_max - ref_min).
  double ref_min_return;
  double ref_max_return;
  // Actions are in [-action_limit, action_limit] per dimension (gym's action space: the
  // actuators' ctrlrange, -1..1 in every model here).
  double action_limit = 1.0;
};

const std::vector<EnvSpec>& env_specs();
// The spec of an env id; throws listing the known ids when `id` is unknown.
const EnvSpec& env_spec(const std::string& id);
std::optional<EnvSpec> find_env_spec(const std::string& id);

// A parsed dataset id: "hopper-medium-replay-v2" -> {env "hopper", kind "medium-replay", version "v2"}.
// Native datasets ("hopper-medium-native-v0") have native = true; their small variants
// ("hopper-medium-native-50k-v0") also give the number of transitions.
struct DatasetId {
  std::string env;
  std::string kind;     // random, medium, medium-replay, medium-expert, expert, full-replay
  std::string version;  // "v0", "v1", "v2"
  bool native = false;
  std::int64_t transitions = 0;  // native small variants: "-native-50k" -> 50000; 0 otherwise

  std::string to_string() const;
  // D4RL's file name: hopper_medium_replay-v2.hdf5 (underscores inside, hyphen before the version);
  // native ones hopper_medium_native-v0.hdf5, hopper_medium_native_50k-v0.hdf5.
  std::string d4rl_file_name() const;
};

// Throws with an explanation when `text` is not a dataset id of a known env.
DatasetId parse_dataset_id(const std::string& text);
std::optional<DatasetId> try_parse_dataset_id(const std::string& text);

// 100 * (ret - ref_min) / (ref_max - ref_min)
double normalized_score(const EnvSpec& spec, double episode_return);

}  // namespace grl::envs
