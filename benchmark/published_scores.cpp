#include "benchmark/published_scores.h"

#include <map>

#include "envs/env_catalog.h"

namespace grl::benchmark {

namespace {

using Row = std::map<std::string, PublishedScore>;

const std::map<std::string, Row>& table() {
  static const std::map<std::string, Row> rows = [] {
    std::map<std::string, Row> t;
    auto gen = [&](const std::string& dataset, std::vector<std::pair<double, double>> scores) {
      const char* columns[] = {"GMPO-VPSDE", "GMPO-GVP", "GMPO-ICFM", "GMPG-VPSDE", "GMPG-GVP", "GMPG-ICFM"};
      for (std::size_t i = 0; i < scores.size(); ++i) t[dataset][columns[i]] = {scores[i].first, scores[i].second};
    };
    gen("halfcheetah-medium-expert-v2", {{91.8, 3.3}, {91.9, 3.2}, {83.3, 3.7}, {89.0, 6.4}, {84.2, 8.0}, {86.9, 4.5}});
    gen("hopper-medium-expert-v2", {{111.1, 1.3}, {112.0, 1.8}, {87.4, 25.7}, {107.8, 1.9}, {101.6, 2.9}, {101.7, 1.4}});
    gen("walker2d-medium-expert-v2", {{107.7, 0.4}, {108.1, 0.7}, {110.3, 0.7}, {112.8, 1.2}, {110.0, 1.2}, {110.7, 0.3}});
    gen("halfcheetah-medium-v2", {{49.8, 2.6}, {49.9, 2.7}, {48.0, 2.9}, {57.0, 3.1}, {46.0, 2.7}, {51.4, 2.9}});
    gen("hopper-medium-v2", {{71.9, 22.1}, {74.6, 21.2}, {69.5, 20.4}, {101.1, 2.6}, {100.1, 1.6}, {92.8, 18.1}});
    gen("walker2d-medium-v2", {{79.0, 13.2}, {81.1, 4.3}, {79.2, 7.6}, {91.9, 0.9}, {92.0, 1.1}, {82.6, 2.3}});
    gen("halfcheetah-medium-replay-v2", {{36.6, 2.4}, {42.3, 3.6}, {41.7, 3.2}, {50.5, 2.7}, {39.1, 5.4}, {41.0, 3.5}});
    gen("hopper-medium-replay-v2", {{89.2, 7.4}, {97.8, 3.8}, {86.0, 2.6}, {86.3, 10.5}, {103.4, 2.1}, {104.2, 2.0}});
    gen("walker2d-medium-replay-v2", {{84.5, 4.6}, {86.4, 1.7}, {80.9, 5.3}, {90.1, 2.2}, {81.7, 3.2}, {79.4, 3.2}});

    auto cited = [&](const std::string& dataset, std::vector<double> scores) {
      const char* columns[] = {"SfBC", "Diffusion-QL", "QGPO", "IDQL", "SRPO", "BC", "TD3+BC", "CQL", "IQL"};
      for (std::size_t i = 0; i < scores.size(); ++i) t[dataset][columns[i]] = {scores[i], std::nullopt};
    };
    cited("halfcheetah-medium-expert-v2", {92.6, 96.8, 93.5, 95.9, 92.2, 56.0, 90.8, 95.6, 94.7});
    cited("hopper-medium-expert-v2", {108.6, 111.1, 108.0, 108.6, 100.1, 52.3, 101.2, 99.3, 107.4});
    cited("walker2d-medium-expert-v2", {109.8, 110.1, 110.7, 112.7, 114.0, 99.0, 110.0, 109.6, 111.7});
    cited("halfcheetah-medium-v2", {45.9, 51.1, 54.1, 51.0, 60.4, 42.4, 48.1, 47.0, 48.3});
    cited("hopper-medium-v2", {57.1, 90.5, 98.0, 65.4, 95.5, 53.5, 60.4, 59.1, 67.5});
    cited("walker2d-medium-v2", {77.9, 87.0, 86.0, 82.5, 84.4, 63.2, 82.7, 80.8, 80.9});
    cited("halfcheetah-medium-replay-v2", {37.1, 47.8, 47.6, 45.9, 51.4, 35.7, 44.8, 45.0, 44.5});
    cited("hopper-medium-replay-v2", {86.2, 100.7, 96.9, 92.1, 101.2, 29.8, 64.4, 95.1, 97.4});
    cited("walker2d-medium-replay-v2", {65.1, 95.5, 84.4, 85.1, 84.6, 21.8, 85.6, 73.1, 82.2});

    auto antmaze = [&](const std::string& dataset, std::pair<double, double> gmpo, std::pair<double, double> gmpg,
                       std::vector<double> others) {
      t[dataset]["GMPO-GVP"] = {gmpo.first, gmpo.second};
      t[dataset]["GMPG-VPSDE"] = {gmpg.first, gmpg.second};
      const char* columns[] = {"SfBC", "Diffusion-QL", "QGPO", "IDQL", "SRPO"};
      for (std::size_t i = 0; i < others.size(); ++i) t[dataset][columns[i]] = {others[i], std::nullopt};
    };
    antmaze("antmaze-umaze-v0", {94.2, 0.9}, {92.5, 1.6}, {92.0, 93.4, 96.4, 94.0, 97.1});
    antmaze("antmaze-umaze-diverse-v0", {76.8, 11.2}, {76.0, 3.4}, {85.3, 66.2, 74.4, 80.2, 82.1});
    antmaze("antmaze-medium-play-v0", {84.6, 4.2}, {62.5, 3.7}, {81.3, 76.6, 83.6, 84.5, 80.7});
    antmaze("antmaze-medium-diverse-v0", {69.0, 5.6}, {67.2, 2.0}, {82.0, 78.6, 83.8, 84.8, 75.0});
    antmaze("antmaze-large-play-v0", {49.2, 11.2}, {40.1, 8.6}, {59.3, 46.4, 66.6, 63.5, 53.6});
    // SfBC large-diverse: 45.5 by the published average (GenerativeRL's table prints 64.8).
    antmaze("antmaze-large-diverse-v0", {69.4, 15.2}, {60.5, 3.7}, {45.5, 56.6, 64.8, 67.9, 53.6});
    return t;
  }();
  return rows;
}

}  // namespace

const std::vector<std::string>& published_columns() {
  static const std::vector<std::string> columns = {"GMPO-VPSDE", "GMPO-GVP", "GMPO-ICFM",    "GMPG-VPSDE", "GMPG-GVP",
                                                   "GMPG-ICFM",  "SfBC",     "Diffusion-QL", "QGPO",       "IDQL",
                                                   "SRPO",       "BC",       "TD3+BC",       "CQL",        "IQL"};
  return columns;
}

const std::vector<std::string>& published_datasets() {
  static const std::vector<std::string> datasets = {
      "halfcheetah-medium-expert-v2", "hopper-medium-expert-v2",  "walker2d-medium-expert-v2",
      "halfcheetah-medium-v2",        "hopper-medium-v2",         "walker2d-medium-v2",
      "halfcheetah-medium-replay-v2", "hopper-medium-replay-v2",  "walker2d-medium-replay-v2",
      "antmaze-umaze-v0",             "antmaze-umaze-diverse-v0", "antmaze-medium-play-v0",
      "antmaze-medium-diverse-v0",    "antmaze-large-play-v0",    "antmaze-large-diverse-v0"};
  return datasets;
}

std::optional<PublishedScore> published_score(const std::string& column, const std::string& dataset) {
  const auto row = table().find(dataset);
  if (row == table().end()) return std::nullopt;
  const auto cell = row->second.find(column);
  if (cell == row->second.end()) return std::nullopt;
  return cell->second;
}

std::optional<std::string> published_counterpart(const std::string& dataset_id) {
  if (table().count(dataset_id)) return dataset_id;
  const auto id = envs::try_parse_dataset_id(dataset_id);
  if (!id || !id->native) return std::nullopt;
  const std::string counterpart = id->env + "-" + id->kind + "-v2";
  if (!table().count(counterpart)) return std::nullopt;
  return counterpart;
}

}  // namespace grl::benchmark
