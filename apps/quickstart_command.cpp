// `grl quickstart [--runs-dir runs] [--name run]`: the main job of the README. Makes the small hopper
// medium dataset from the shipped behaviour policy (hopper-medium-native-50k-v0, seconds), trains
// GMPO's quick preset on it (presets/gmpo/quickstart-hopper.yaml, a few minutes), evaluates the policy
// over 10 episodes and prints its D4RL-normalised score beside the dataset's own average. Nothing is
// downloaded.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "algorithms/evaluation/run_config.h"
#include "apps/command.h"
#include "benchmark/native_datasets.h"
#include "benchmark/presets.h"
#include "common/run_directory.h"
#include "datasets/d4rl_file.h"
#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_location.h"

namespace grl::cli {
namespace {

struct QuickstartOptions {
  std::string runs_dir = "runs";
  std::string name;
  std::string preset = "gmpo/quickstart-hopper.yaml";
};

// The last "eval/policy" line of a run's metrics: the trainer's evaluation at the end of training.
nlohmann::json last_evaluation(const RunDirectory& run) {
  std::ifstream in(run.metrics_path());
  nlohmann::json last;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("stage", "") == "eval/policy") last = j;
  }
  if (last.is_null()) throw std::runtime_error(run.metrics_path().string() + ": no evaluation was logged");
  return last;
}

int run_quickstart(const QuickstartOptions& options, const GlobalOptions& global) {
  const auto preset = benchmark::find_preset(options.preset);
  evaluation::RunConfig config = evaluation::parse_run_config(config::load_file(preset.string()));
  const envs::EnvSpec env = evaluation::run_env(config);

  std::cerr << "[1/3] dataset " << config.dataset << "\n";
  benchmark::ensure_native_dataset(config.dataset);
  const auto location = datasets::locate_dataset(config.dataset);
  datasets::D4rlReadOptions read;
  read.infos = false;
  const auto episodes = datasets::summarize_episodes(datasets::read_d4rl_file(location.file, read));
  double data_return = 0;
  for (double r : episodes.returns) data_return += r;
  data_return /= static_cast<double>(episodes.returns.size());

  std::cerr << "[2/3] training " << config.algorithm << " (" << preset.string() << ")\n";
  const std::string name = options.name.empty() ? timestamped_run_name("quickstart-" + env.id) : options.name;
  evaluation::PreparedRun run = evaluation::prepare_training_run(std::move(config), global.runtime.device);
  const RunDirectory directory = RunDirectory::create(options.runs_dir, name);
  for (const auto& stage : run.algorithm->stages()) std::cerr << "      stage " << stage.name << ": " << stage.steps << " steps\n";
  std::cerr << "[3/3] the trainer evaluates the policy at the end (" << run.config.evaluation.episodes << " episodes)\n";
  if (evaluation::train_prepared_run(run, directory, evaluation::stop_on_signals()) == training::TrainOutcome::interrupted) {
    std::cerr << "interrupted; continue with: grl resume " << directory.path().string() << "\n";
    return 130;
  }
  const auto result = last_evaluation(directory);

  const double scale = 100.0 / (env.ref_max_return - env.ref_min_return);
  std::cout << std::fixed << std::setprecision(1);
  std::cout << "\nquick start: GMPO on " << run.config.dataset << " (" << run.data->size() << " transitions)\n";
  std::cout << "  " << std::left << std::setw(34) << "what" << std::right << std::setw(18) << "return" << std::setw(22)
            << "normalised score\n";
  std::cout << "  " << std::left << std::setw(34) << ("dataset (" + std::to_string(episodes.returns.size()) + " episodes)")
            << std::right << std::setw(18) << data_return << std::setw(21) << envs::normalized_score(env, data_return) << "\n";
  std::ostringstream policy_return, policy_score;
  policy_return << std::fixed << std::setprecision(1) << result.at("return_mean").get<double>() << " +- "
                << result.at("return_std").get<double>();
  policy_score << std::fixed << std::setprecision(1) << result.at("score_mean").get<double>() << " +- "
               << result.at("return_std").get<double>() * scale;
  std::cout << "  " << std::left << std::setw(34) << ("GMPO policy (" + std::to_string(run.config.evaluation.episodes) + " episodes)")
            << std::right << std::setw(18) << policy_return.str() << std::setw(21) << policy_score.str() << "\n";
  std::cout << "\nrun: " << directory.path().string() << "\n";
  std::cout << "next: grl eval --checkpoint " << (directory.checkpoints_dir() / "latest.pt").string() << " --episodes 100\n";
  std::cout << "      grl train --algo gmpo --preset presets/gmpo/cpu-gvp.yaml --dataset hopper-medium-native-v0\n";
  return 0;
}

std::function<int()> add_quickstart(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<QuickstartOptions>();
  auto* quickstart = parent.add_subcommand(
      "quickstart", "make the small hopper medium dataset, train GMPO's quick preset on it, print its score (~5 min)");
  quickstart->add_option("--runs-dir", options->runs_dir, "folder of runs")->capture_default_str();
  quickstart->add_option("--name", options->name, "run name (default: quickstart-hopper-<date>-<time>)");
  quickstart->add_option("--preset", options->preset, "run config (a file, or relative to presets/)")->capture_default_str();
  return [options, &global] { return run_quickstart(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("quickstart", 1, grl::cli::add_quickstart);
