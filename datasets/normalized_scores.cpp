#include "datasets/normalized_scores.h"

#include <algorithm>
#include <cmath>

#include "datasets/dataset_error.h"

namespace grl::datasets {

Statistics statistics_of(const std::vector<double>& values) {
  Statistics s;
  s.count = static_cast<int>(values.size());
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / values.size();
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / values.size());
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

ScoreSummary summarize_scores(const envs::EnvSpec& env, const std::vector<double>& per_seed_mean_returns) {
  if (per_seed_mean_returns.empty()) throw DatasetError("normalised score of " + env.id + ": no seeds given");
  ScoreSummary summary;
  for (double r : per_seed_mean_returns) summary.per_seed_scores.push_back(envs::normalized_score(env, r));
  const Statistics returns = statistics_of(per_seed_mean_returns);
  summary.mean = envs::normalized_score(env, returns.mean);
  summary.std = returns.std * 100.0 / (env.ref_max_return - env.ref_min_return);
  return summary;
}

ScoreSummary summarize_scores(const envs::EnvSpec& env, const std::vector<std::vector<double>>& episode_returns_per_seed) {
  std::vector<double> means;
  for (size_t seed = 0; seed < episode_returns_per_seed.size(); ++seed) {
    const auto& episodes = episode_returns_per_seed[seed];
    if (episodes.empty())
      throw DatasetError("normalised score of " + env.id + ": seed #" + std::to_string(seed) + " has no evaluation episodes");
    means.push_back(statistics_of(episodes).mean);
  }
  return summarize_scores(env, means);
}

}  // namespace grl::datasets
