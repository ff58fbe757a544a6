// The published D4RL-normalised scores the benchmark prints beside ours: the GMPO/GMPG results
// (mean +- std) of the paper "Revisiting Generative Policies: A Simpler Reinforcement Learning
// Algorithmic Perspective" (Zhang et al., 2024; GenerativeRL's benchmark tables), the numbers the
// generative baselines' authors published as that paper cites them, and CORL's "last" scores for
// BC, TD3+BC, CQL and IQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace grl::benchmark {

struct PublishedScore {
  double mean;
  std::optional<double> std;  // not every source gives one
};

// Columns in the paper's order: GMPO-VPSDE, GMPO-GVP, GMPO-ICFM, GMPG-VPSDE, GMPG-GVP, GMPG-ICFM, SfBC,
// Diffusion-QL, QGPO, IDQL, SRPO, BC, TD3+BC, CQL, IQL.
const std::vector<std::string>& published_columns();
// The nine locomotion datasets in the paper's row order (halfcheetah-medium-expert-v2, ...), then the
// six AntMaze ones (antmaze-umaze-v0, ...).
const std::vector<std::string>& published_datasets();

// The published score of `column` on D4RL dataset `dataset` ("hopper-medium-v2"); nullopt when the
// paper has none.
std::optional<PublishedScore> published_score(const std::string& column, const std::string& dataset);

// The D4RL dataset a dataset id stands for in the published tables: itself for D4RL ids,
// "<env>-<kind>-v2" for our native ones (same robot and recipe, different recording), nullopt otherwise.
std::optional<std::string> published_counterpart(const std::string& dataset_id);

}  // namespace grl::benchmark
