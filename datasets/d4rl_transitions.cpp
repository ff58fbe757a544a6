#include "datasets/d4rl_transitions.h"

#include <cstring>

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

namespace {

// Kept rows come in long runs (whole episodes minus their timeout row), so copying runs with memcpy
// is several times faster than a row-by-row index_select of 1M rows.
struct Run {
  int64_t first, count;
};

std::vector<Run> runs_of(const std::vector<int64_t>& rows) {
  std::vector<Run> runs;
  for (int64_t row : rows) {
    if (!runs.empty() && runs.back().first + runs.back().count == row) ++runs.back().count;
    else runs.push_back({row, 1});
  }
  return runs;
}

// Rows `runs` (shifted by `offset`) of `source` in its own dtype, as one contiguous CPU tensor.
torch::Tensor gather_rows(const torch::Tensor& source, const std::vector<Run>& runs, int64_t total, int64_t offset = 0) {
  const auto src = source.to(torch::kCPU).contiguous();
  std::vector<int64_t> shape(src.sizes().begin(), src.sizes().end());
  shape[0] = total;
  auto out = torch::empty(shape, src.options());
  const int64_t row_bytes = src.numel() / std::max<int64_t>(src.size(0), 1) * static_cast<int64_t>(src.element_size());
  const auto* from = static_cast<const char*>(src.data_ptr());
  auto* to = static_cast<char*>(out.data_ptr());
  for (const auto& run : runs) {
    std::memcpy(to, from + (run.first + offset) * row_bytes, static_cast<size_t>(run.count * row_bytes));
    to += run.count * row_bytes;
  }
  return out;
}

}  // namespace

TransitionSet d4rl_transitions(const D4rlFile& file, const TransitionOptions& options, const std::string& label) {
  if (file.rows() < 2) throw DatasetError(label + ": needs at least 2 rows to form a transition, has " + std::to_string(file.rows()));
  if (options.use_stored_next_observations && !file.next_observations)
    throw DatasetError(label + ": key 'next_observations' is missing, but the stored next observations were asked for "
                               "(use_stored_next_observations)");
  auto kept = d4rl_transition_rows(file, options);
  if (kept.empty()) throw DatasetError(label + ": no transitions left after dropping timeout rows and the last row");
  const auto runs = runs_of(kept);
  const auto total = static_cast<int64_t>(kept.size());
  // Gather first, convert after: float64 files are converted once, on the kept rows only.
  auto float32 = [](const torch::Tensor& t) { return t.to(torch::kFloat).contiguous(); };
  TransitionSet set;
  set.observations = float32(gather_rows(file.observations, runs, total));
  set.actions = float32(gather_rows(file.actions, runs, total));
  set.rewards = float32(gather_rows(file.rewards.reshape({-1}), runs, total)).unsqueeze(1);
  set.next_observations = options.use_stored_next_observations ? float32(gather_rows(*file.next_observations, runs, total))
                                                                 : float32(gather_rows(file.observations, runs, total, 1));
  set.dones = gather_rows(per_row_flags(file.terminals), runs, total).to(torch::kFloat).unsqueeze(1);
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
