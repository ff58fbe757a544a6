#include "benchmark/sweep.h"

#include <set>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/training/algorithm_registry.h"
#include "benchmark/native_datasets.h"
#include "benchmark/presets.h"
#include "benchmark/published_scores.h"
#include "envs/env_catalog.h"

namespace grl::benchmark {

template <class V>
void SweepAlgorithm::visit(V& v) {
  v.field("label", label, "column of the tables (e.g. GMPO-GVP)");
  v.field("algorithm", algorithm, "registered algorithm (gmpo, gmpg, ...)");
  v.field("preset", preset, "run config, relative to presets/ or a path");
  v.field("overrides", overrides, "dotted overrides of the preset");
  v.field("published", published, "published column to compare with (default: the label, when it is one)");
}

template <class V>
void SweepEvaluation::visit(V& v) {
  v.field("episodes", episodes, "episodes per evaluation during training", config::at_least(1));
  v.field("final_episodes", final_episodes, "episodes of the final evaluation", config::at_least(1));
  v.field("checkpoint", checkpoint, "which checkpoint the final evaluation scores", config::one_of({"last", "best"}));
}

template <class V>
void SweepSlurm::visit(V& v) {
  v.field("partition", partition, "SLURM partition (empty: the cluster's default)");
  v.field("time", time, "time limit per cell (sbatch --time)");
  v.field("cpus_per_task", cpus_per_task, "cores per cell", config::at_least(1));
  v.field("gpus", gpus, "GPUs per cell (--gres=gpu:N; empty: none)");
  v.field("extra", extra, "further sbatch options, one per entry");
}

template <class V>
void Sweep::visit(V& v) {
  v.field("name", name, "sweep name");
  v.field("description", description, "what the sweep is for");
  v.field("workers", workers, "cells run at once (local launcher)", config::at_least(1));
  v.list("algorithms", algorithms, "one entry per table column");
  v.field("datasets", datasets, "dataset ids or paths");
  v.field("seeds", seeds, "run seeds", config::non_negative());
  v.field("overrides", overrides, "dotted overrides applied to every cell");
  v.field("device", device, "device of every run (cpu, cuda)");
  v.section("evaluation", evaluation, "evaluation protocol");
  v.section("slurm", slurm, "SLURM launcher settings");
}
template void Sweep::visit(config::Reader&);
template void Sweep::visit(config::Writer&);

namespace {

std::string key_line(const config::Source& source, const std::string& key) {
  const YAML::Node node = source.root[key];
  return source.file + (node ? " line " + std::to_string(node.Mark().line + 1) : std::string()) + ": key '" + key + "'";
}

}  // namespace

std::string file_safe_name(std::string text) {
  for (char& c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return text;
}

std::string published_column(const SweepAlgorithm& algorithm) {
  if (!algorithm.published.empty()) return algorithm.published;
  for (const auto& column : published_columns())
    if (column == algorithm.label) return column;
  return "";
}

Sweep parse_sweep(const config::Source& source) {
  Sweep sweep = config::parse<Sweep>(source);
  if (sweep.name.empty()) throw config::ConfigError(source.file + ": the sweep needs a name");
  if (sweep.algorithms.empty()) throw config::ConfigError(key_line(source, "algorithms") + ": no algorithms");
  if (sweep.datasets.empty()) throw config::ConfigError(key_line(source, "datasets") + ": no datasets");
  if (sweep.seeds.empty()) throw config::ConfigError(key_line(source, "seeds") + ": no seeds");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < sweep.algorithms.size(); ++i) {
    const auto& a = sweep.algorithms[i];
    const YAML::Node entry = source.root["algorithms"][i];
    const std::string where = source.file + " line " + std::to_string(entry.Mark().line + 1) + ": key 'algorithms[" +
                              std::to_string(i) + "]'";
    if (a.label.empty() || a.algorithm.empty() || a.preset.empty())
      throw config::ConfigError(where + ": every algorithm needs a label, an algorithm and a preset");
    if (!labels.insert(a.label).second) throw config::ConfigError(where + ": label '" + a.label + "' appears twice");
    try {
      training::algorithm_registry().get(a.algorithm);
    } catch (const std::exception& e) {
      throw config::ConfigError(where + " (" + a.label + "): " + e.what());
    }
    if (!a.published.empty()) {
      bool known = false;
      for (const auto& column : published_columns()) known |= column == a.published;
      if (!known) throw config::ConfigError(where + " (" + a.label + "): no published column '" + a.published + "'");
    }
  }
  for (const auto& dataset : sweep.datasets) {
    const auto id = envs::try_parse_dataset_id(dataset);
    if (id && id->native && !find_native_dataset(id->to_string()))
      throw config::ConfigError(key_line(source, "datasets") + ": '" + dataset + "' is not a native dataset (grl dataset list)");
    if (!id && !std::filesystem::exists(dataset))
      throw config::ConfigError(key_line(source, "datasets") + ": '" + dataset +
                                "' is neither a dataset id (<env>-<kind>-v<N>) nor an existing file");
  }
  // Every cell's preset exists and its run config parses (unknown override keys, bad values).
  for (const auto& cell : sweep_cells(sweep)) {
    if (cell.seed != sweep.seeds.front()) continue;
    try {
      cell_preset(cell);
    } catch (const std::exception& e) {
      throw config::ConfigError(source.file + ": cell " + cell.name + ": " + e.what());
    }
    try {
      evaluation::parse_run_config(cell_run_config(sweep, cell), cell.algorithm.algorithm);
    } catch (const config::ConfigError& e) {
      throw config::ConfigError(source.file + ": cell " + cell.name + ": " + e.what());
    }
  }
  return sweep;
}

Sweep load_sweep(const std::filesystem::path& file) { return parse_sweep(config::load_file(file.string())); }

std::vector<SweepCell> sweep_cells(const Sweep& sweep) {
  std::vector<SweepCell> cells;
  for (const auto& algorithm : sweep.algorithms)
    for (const auto& dataset : sweep.datasets)
      for (const auto seed : sweep.seeds) {
        const std::string data_name = file_safe_name(std::filesystem::path(dataset).stem().string());
        cells.push_back({cells.size(), algorithm, dataset, seed,
                         file_safe_name(algorithm.label) + "__" + data_name + "__seed" + std::to_string(seed)});
      }
  return cells;
}

std::filesystem::path cell_preset(const SweepCell& cell) {
  std::string preset = cell.algorithm.preset;
  const auto dataset_id = envs::try_parse_dataset_id(cell.dataset);
  auto replace = [&](const std::string& placeholder, const std::string& value) {
    for (auto at = preset.find(placeholder); at != std::string::npos; at = preset.find(placeholder, at + value.size()))
      preset.replace(at, placeholder.size(), value);
  };
  replace("{dataset}", std::filesystem::path(cell.dataset).stem().string());
  if (preset.find("{env}") != std::string::npos) {
    if (!dataset_id) throw std::runtime_error("preset '" + cell.algorithm.preset + "' needs {env}, which '" + cell.dataset +
                                                "' does not name (use a dataset id)");
    replace("{env}", dataset_id->env);
  }
  return find_preset(preset);
}

config::Source cell_run_config(const Sweep& sweep, const SweepCell& cell) {
  config::Source source = config::load_file(cell_preset(cell).string());
  std::vector<std::string> overrides = {"dataset=" + cell.dataset, "seed=" + std::to_string(cell.seed),
                                        "evaluation.episodes=" + std::to_string(sweep.evaluation.episodes)};
  overrides.insert(overrides.end(), sweep.overrides.begin(), sweep.overrides.end());
  overrides.insert(overrides.end(), cell.algorithm.overrides.begin(), cell.algorithm.overrides.end());
  config::apply_overrides(source, overrides);
  return source;
}

}  // namespace grl::benchmark
