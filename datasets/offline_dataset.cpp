#include "datasets/offline_dataset.h"

#include "common/config.h"
#include "datasets/action_range.h"
#include "datasets/d4rl_file.h"
#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/minari_dataset.h"

namespace grl::datasets {

template <class V>
void DatasetConfig::visit(V& v) {
  v.field("name", name, "D4RL id (hopper-medium-replay-v2), Minari id (mujoco/hopper/medium-v0) or path");
  v.field("env", env, "environment id; empty: inferred from the name");
  v.field("use_stored_next_observations", use_stored_next_observations,
          "D4RL: next state from next_observations instead of the next row");
  v.field("reward_scaling", reward_scaling, "reward transform of the baselines",
          config::one_of({"none", "iql_locomotion", "antmaze"}));
  v.field("normalize_states", normalize_states, "normalise states with dataset mean and std + 1e-3");
  v.field("max_episode_steps", max_episode_steps, "episode length limit for files without timeouts", config::at_least(1));
}
template void DatasetConfig::visit(config::Reader&);
template void DatasetConfig::visit(config::Writer&);

OfflineDataset load_offline_dataset(const DatasetConfig& config) {
  if (config.name.empty()) throw DatasetError("dataset: no name given (a D4RL id, a Minari id or a path)");
  OfflineDataset out;
  out.location = locate_dataset(config.name);
  out.env = config.env.empty() ? out.location.env : std::optional<envs::EnvSpec>(envs::env_spec(config.env));
  const std::string label = out.location.file.string();
  if (out.location.format == DatasetFormat::d4rl) {
    D4rlReadOptions read;
    read.infos = false;
    read.other_arrays = false;
    read.metadata = false;
    const D4rlFile file = read_d4rl_file(out.location.file, read);
    if (out.env) validate_d4rl_file(file, label, &*out.env, /*check_finite=*/false);
    TransitionOptions options;
    options.use_stored_next_observations = config.use_stored_next_observations;
    options.max_episode_steps = config.max_episode_steps;
    out.transitions = d4rl_transitions(file, options, label);
  } else {
    const MinariDataset dataset = read_minari_dataset(out.location.file);
    if (!out.env && config.env.empty()) out.env = infer_env(dataset.dataset_id + " " + dataset.env_id);
    out.transitions = minari_transitions(dataset);
    if (out.env) {
      if (out.transitions.obs_dim() != out.env->obs_dim || out.transitions.act_dim() != out.env->act_dim)
        throw DatasetError(label + ": observations/actions have " + std::to_string(out.transitions.obs_dim()) + "/" +
                           std::to_string(out.transitions.act_dim()) + " columns but " + out.env->id + " has " +
                           std::to_string(out.env->obs_dim) + "/" + std::to_string(out.env->act_dim));
      require_actions_in_range(out.transitions.actions, *out.env, label);
    }
  }
  out.reward_scaling = fit_reward_scaling(parse_reward_scaling(config.reward_scaling), out.transitions, config.max_episode_steps);
  apply_reward_scaling(out.reward_scaling, out.transitions);
  if (config.normalize_states) {
    out.state_normalization = StateNormalization::fit(out.transitions.observations);
    out.state_normalization.apply_to(out.transitions);
  }
  return out;
}

}  // namespace grl::datasets
