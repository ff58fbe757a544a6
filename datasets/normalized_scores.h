// D4RL normalised scores over seeds: the number every offline RL table reports.
//   score = 100 * (return - REF_MIN) / (REF_MAX - REF_MIN)       (envs::normalized_score)
// A result is the mean and std over seeds of each seed's mean evaluation return, normalised. The
// std is taken of the normalised values, i.e. std(return) * 100 / (REF_MAX - REF_MIN): the affine
// shift by REF_MIN does not enter the std.
#pragma once

#include <vector>

#include "envs/env_catalog.h"

namespace grl::datasets {

// Mean, population std (numpy's default, ddof = 0), min and max of some values.
struct Statistics {
  double mean = 0, std = 0, min = 0, max = 0;
  int count = 0;
};
Statistics statistics_of(const std::vector<double>& values);

struct ScoreSummary {
  double mean = 0;                       // mean over seeds of the normalised per-seed mean return
  double std = 0;                        // population std over seeds, of normalised values
  std::vector<double> per_seed_scores;   // normalised
};

// From each seed's mean return.
ScoreSummary summarize_scores(const envs::EnvSpec& env, const std::vector<double>& per_seed_mean_returns);
// From each seed's evaluation episode returns (the per-seed mean is taken first).
ScoreSummary summarize_scores(const envs::EnvSpec& env, const std::vector<std::vector<double>>& episode_returns_per_seed);

}  // namespace grl::datasets
