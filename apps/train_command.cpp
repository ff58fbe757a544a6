// `grl train --algo gmpo --preset presets/gmpo/hopper-medium-v2-gvp.yaml --dataset <id|path> --seed 0
//            [--name run] [--runs-dir runs] [key.path=value ...]`
// Trains one run into <runs-dir>/<name>: config.yaml (resolved), metrics.jsonl, checkpoints/.
// SIGINT/SIGTERM finish the current step, write a checkpoint and exit; `grl resume` continues.
#include <iostream>

#include "algorithms/evaluation/run_config.h"
#include "apps/command.h"
#include "apps/seed_check.h"
#include "benchmark/native_datasets.h"
#include "common/run_directory.h"

namespace grl::cli {
namespace {

struct TrainOptions {
  std::string algorithm;
  std::string preset;
  std::string dataset;
  std::int64_t seed = -1;  // < 0: the preset's
  std::string name;
  std::string runs_dir = "runs";
  std::vector<std::string> overrides;
};

int run_train(const TrainOptions& options, const GlobalOptions& global) {
  config::Source source = config::load_file(options.preset);
  // Command-line flags are overrides like any other, so they show in messages as typed.
  std::vector<std::string> overrides;
  if (!options.dataset.empty()) overrides.push_back("dataset=" + options.dataset);
  if (options.seed >= 0) overrides.push_back("seed=" + std::to_string(options.seed));
  overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
  config::apply_overrides(source, overrides);
  evaluation::RunConfig config = evaluation::parse_run_config(source, options.algorithm);
  if (config.dataset.empty()) throw config::ConfigError(options.preset + ": no dataset: give `dataset:` or --dataset");

  benchmark::ensure_native_dataset(config.dataset);
  const std::string name =
      options.name.empty() ? timestamped_run_name(config.algorithm + "-" + evaluation::run_env(config).id) : options.name;
  evaluation::PreparedRun run = evaluation::prepare_training_run(std::move(config), global.runtime.device);
  const RunDirectory directory = RunDirectory::create(options.runs_dir, name);
  std::cerr << "run " << directory.path().string() << ": " << run.config.algorithm << " on " << run.config.dataset << " ("
            << run.data->size() << " transitions, env " << run.env.id << ", seed " << run.config.seed << ", device "
            << global.runtime.device << ")\n";
  for (const auto& stage : run.algorithm->stages()) std::cerr << "  stage " << stage.name << ": " << stage.steps << " steps\n";
  const auto outcome = evaluation::train_prepared_run(run, directory, evaluation::stop_on_signals());
  if (outcome == training::TrainOutcome::interrupted) return 130;
  std::cout << "finished: " << directory.path().string() << "\n";
  std::cout << "evaluate: grl eval --checkpoint " << (directory.checkpoints_dir() / "latest.pt").string() << "\n";
  return 0;
}

std::function<int()> add_train(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<TrainOptions>();
  auto* train = parent.add_subcommand("train", "train an algorithm from a run config (preset) on an offline dataset");
  train->add_option("--algo", options->algorithm, "algorithm (must match the preset's `algorithm:`)");
  train->add_option("--preset", options->preset, "run config YAML (presets/...)")->required()->check(CLI::ExistingFile);
  train->add_option("--dataset", options->dataset, "D4RL id or path (overrides the preset's dataset)");
  train->add_option("--seed", options->seed, "run seed (overrides the preset's seed)")->check(seed_check());
  train->add_option("--name", options->name, "run name (default: <algo>-<env>-<date>-<time>)");
  train->add_option("--runs-dir", options->runs_dir, "folder of runs")->capture_default_str();
  train->add_option("overrides", options->overrides, "key.path=value overrides of the preset, e.g. gmpo.policy.beta=8");
  return [options, &global] { return run_train(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("train", 20, grl::cli::add_train);
