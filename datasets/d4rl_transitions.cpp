#include "datasets/d4rl_transitions.h"

#include "datasets/dataset_error.h"

namespace grl::datasets {

torch::Tensor per_row_flags(const torch::Tensor& values) {
  return values.reshape({-1}).to(torch::kCPU).ne(0).contiguous();
}

std::vector<std::int64_t> d4rl_transition_rows(const D4rlFile& file, const TransitionOptions& options) {
  const int64_t rows = file.rows();
  const auto terminals = per_row_flags(file.terminals);
  const bool* terminal = terminals.data_ptr<bool>();
  torch::Tensor timeouts_flags;
  const bool* timeout = nullptr;
  if (file.timeouts) {
    timeouts_flags = per_row_flags(*file.timeouts);
    timeout = timeouts_flags.data_ptr<bool>();
  }
  std::vector<std::int64_t> kept;
  kept.reserve(static_cast<size_t>(std::max<int64_t>(rows - 1, 0)));
  int64_t episode_step = 0;
  for (int64_t i = 0; i + 1 < rows; ++i) {
    const bool done = terminal[i];
    const bool final_timestep = timeout ? timeout[i] : episode_step == options.max_episode_steps - 1;
    if (!options.terminate_on_end && final_timestep) {
      episode_step = 0;
      continue;
    }
    if (done || final_timestep) episode_step = 0;
    kept.push_back(i);
    ++episode_step;
  }
  return kept;
}

TransitionSet d4rl_transitions(const D4rlFile& file, const TransitionOptions& options, const std::string& label) {
  if (file.rows() < 2) throw DatasetError(label + ": needs at least 2 rows to form a transition, has " + std::to_string(file.rows()));
  if (options.use_stored_next_observations && !file.next_observations)
    throw DatasetError(label + ": key 'next_observations' is missing, but the stored next observations were asked for "
                               "(use_stored_next_observations)");
  auto kept = d4rl_transition_rows(file, options);
  if (kept.empty()) throw DatasetError(label + ": no transitions left after dropping timeout rows and the last row");
  const auto rows = torch::from_blob(kept.data(), {static_cast<int64_t>(kept.size())}, torch::kLong).clone();
  // Select first, convert after: float64 files are converted once, on the kept rows only.
  auto float32 = [](const torch::Tensor& t) { return t.to(torch::kFloat).contiguous(); };
  TransitionSet set;
  set.observations = float32(file.observations.index_select(0, rows));
  set.actions = float32(file.actions.index_select(0, rows));
  set.rewards = float32(file.rewards.reshape({-1}).index_select(0, rows)).unsqueeze(1);
  set.next_observations = options.use_stored_next_observations ? float32(file.next_observations->index_select(0, rows))
                                                                 : float32(file.observations.index_select(0, rows + 1));
  set.dones = per_row_flags(file.terminals).index_select(0, rows).to(torch::kFloat).unsqueeze(1);
  return set;
}

EpisodeSummary summarize_episodes(const D4rlFile& file, int max_episode_steps) {
  EpisodeSummary summary;
  const auto terminals = per_row_flags(file.terminals);
  const bool* terminal = terminals.data_ptr<bool>();
  torch::Tensor timeout_flags;
  const bool* timeout = nullptr;
  if (file.timeouts) {
    timeout_flags = per_row_flags(*file.timeouts);
    timeout = timeout_flags.data_ptr<bool>();
  }
  const auto rewards = file.rewards.reshape({-1}).to(torch::kDouble).contiguous();
  const double* reward = rewards.data_ptr<double>();
  double episode_return = 0;
  int64_t length = 0;
  for (int64_t i = 0; i < file.rows(); ++i) {
    episode_return += reward[i];
    ++length;
    summary.terminal_count += terminal[i];
    if (timeout) summary.timeout_count += timeout[i];
    const bool end = terminal[i] || (timeout ? timeout[i] : length == max_episode_steps);
    if (end) {
      summary.returns.push_back(episode_return);
      summary.lengths.push_back(length);
      episode_return = 0;
      length = 0;
    }
  }
  summary.unfinished_rows = length;
  return summary;
}

}  // namespace grl::datasets
