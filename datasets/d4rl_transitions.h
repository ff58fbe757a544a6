// Transitions from a D4RL file exactly as d4rl.qlearning_dataset builds them, which is what the
// published D4RL results trained on, and the true episodes of a file for return statistics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/d4rl_file.h"
#include "datasets/transition_set.h"

namespace grl::datasets {

struct TransitionOptions {
  // Take s' from the stored next_observations instead of the next row (some libraries do); the
  // rows kept are the same either way.
  bool use_stored_next_observations = false;
  // Without a timeouts key, d4rl ends an episode after this many steps.
  int max_episode_steps = 1000;
  // d4rl's terminate_on_end: keep the rows at a time limit (with done = 0) instead of dropping them.
  bool terminate_on_end = false;
};

// For i in 0 .. N-2 (the last row is never used), following d4rl.qlearning_dataset line by line:
//   final = timeouts[i]            (without timeouts: the episode step counter reached max - 1)
//   if final and not terminate_on_end: drop row i, restart the step counter
//   else keep (s = obs[i], a, r, s' = obs[i+1], done = terminals[i]); the counter restarts at a
//   terminal too and then counts the kept row (d4rl's quirk: after a terminal it reads 1, not 0).
// Returns the kept row numbers.
std::vector<std::int64_t> d4rl_transition_rows(const D4rlFile& file, const TransitionOptions& options = {});

// The transitions of those rows, float32 on the CPU. `label` names the file in error messages.
TransitionSet d4rl_transitions(const D4rlFile& file, const TransitionOptions& options = {},
                               const std::string& label = "dataset");

// The file's true episodes: one ends at a terminal or a timeout (without timeouts: after
// max_episode_steps rows). Returns sum every row's reward, in double precision.
struct EpisodeSummary {
  std::vector<double> returns;        // complete episodes, in file order
  std::vector<std::int64_t> lengths;
  std::int64_t unfinished_rows = 0;   // rows after the last episode end (an episode cut off by the file's end)
  std::int64_t terminal_count = 0;
  std::int64_t timeout_count = 0;
};
EpisodeSummary summarize_episodes(const D4rlFile& file, int max_episode_steps = 1000);

// Flattens an (N,) or (N, 1) array of any dtype to N bools (nonzero = true), on the CPU.
torch::Tensor per_row_flags(const torch::Tensor& values);

}  // namespace grl::datasets
