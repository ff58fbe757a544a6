// `grl quickstart [--runs-dir runs] [--name run] [--preset P] [--baseline-preset B | --no-baseline]`: the
// main job of the README. Makes the small hopper medium-expert dataset from the shipped behaviour
// policies (hopper-medium-expert-native-50k-v0, seconds), trains BC (presets/bc/quickstart-hopper.yaml,
// about 30 s) and GMPO's quick preset (presets/gmpo/quickstart-hopper.yaml, a few minutes) on it,
// evaluates both policies over 10 episodes and prints their D4RL-normalised scores beside the dataset's
// own average. Nothing is downloaded. results/quickstart/ has the same presets over 3 seeds x 100
// episodes, measured by the harness (presets/sweeps/quickstart.yaml).
#include <fstream>
#include <optional>
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
  std::string baseline_preset = "bc/quickstart-hopper.yaml";
  bool no_baseline = false;
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

struct TrainedPolicy {
  std::string label;
  nlohmann::json evaluation;  // the last eval/policy line
  int episodes = 0;
};

// Trains one preset into runs_dir/name; nullopt when a signal interrupted it (the resume command is printed).
std::optional<TrainedPolicy> train_preset(const std::string& label, evaluation::RunConfig config, const std::string& runs_dir,
                                          const std::string& name, const GlobalOptions& global, const std::string& step) {
  std::cerr << step << " training " << label << " (" << config.algorithm << ")\n";
  evaluation::PreparedRun run = evaluation::prepare_training_run(std::move(config), global.runtime.device);
  const RunDirectory directory = RunDirectory::create(runs_dir, name);
  for (const auto& stage : run.algorithm->stages()) std::cerr << "      stage " << stage.name << ": " << stage.steps << " steps\n";
  std::cerr << "      then " << run.config.evaluation.episodes << " evaluation episodes; run " << directory.path().string() << "\n";
  if (evaluation::train_prepared_run(run, directory, evaluation::stop_on_signals()) == training::TrainOutcome::interrupted) {
    std::cerr << "interrupted; continue with: grl resume " << directory.path().string() << "\n";
    return std::nullopt;
  }
  return TrainedPolicy{label, last_evaluation(directory), run.config.evaluation.episodes};
}

int run_quickstart(const QuickstartOptions& options, const GlobalOptions& global) {
  const auto preset = benchmark::find_preset(options.preset);
  evaluation::RunConfig config = evaluation::parse_run_config(config::load_file(preset.string()));
  const envs::EnvSpec env = evaluation::run_env(config);
  std::optional<evaluation::RunConfig> baseline;
  std::filesystem::path baseline_preset;
  if (!options.no_baseline) {
    baseline_preset = benchmark::find_preset(options.baseline_preset);
    baseline = evaluation::parse_run_config(config::load_file(baseline_preset.string()));
    // One table compares them, so they must have learned from the same file.
    if (baseline->dataset != config.dataset) {
      throw std::invalid_argument("quickstart: the baseline preset " + baseline_preset.string() + " trains on '" +
                                  baseline->dataset + "' but " + preset.string() + " on '" + config.dataset +
                                  "'; both presets need the same dataset");
    }
  }
  const int steps = baseline ? 4 : 3;
  auto step_label = [steps](int i) { return "[" + std::to_string(i) + "/" + std::to_string(steps) + "]"; };

  std::cerr << step_label(1) << " dataset " << config.dataset << "\n";
  benchmark::ensure_native_dataset(config.dataset);
  const auto location = datasets::locate_dataset(config.dataset);
  datasets::D4rlReadOptions read;
  read.infos = false;
  const auto episodes = datasets::summarize_episodes(datasets::read_d4rl_file(location.file, read));
  double data_return = 0;
  for (double r : episodes.returns) data_return += r;
  data_return /= static_cast<double>(episodes.returns.size());

  const std::string name = options.name.empty() ? timestamped_run_name("quickstart-" + env.id) : options.name;
  const std::string dataset = config.dataset;
  std::vector<TrainedPolicy> policies;
  if (baseline) {
    const std::string algorithm = baseline->algorithm;
    const std::string label = algorithm == "bc" ? "BC" : algorithm;
    auto trained = train_preset(label, std::move(*baseline), options.runs_dir, name + "-" + algorithm, global,
                                step_label(2) + " (" + baseline_preset.string() + ")");
    if (!trained) return 130;
    policies.push_back(std::move(*trained));
  }
  auto gmpo = train_preset("GMPO", std::move(config), options.runs_dir, name, global,
                           step_label(steps - 1) + " (" + preset.string() + ")");
  if (!gmpo) return 130;
  policies.push_back(std::move(*gmpo));
  std::cerr << step_label(steps) << " scores\n";

  const double scale = 100.0 / (env.ref_max_return - env.ref_min_return);
  const std::filesystem::path run_path = std::filesystem::path(options.runs_dir) / name;
  const std::string checkpoint = (run_path / "checkpoints" / "latest.pt").string();
  std::cout << std::fixed << std::setprecision(1);
  std::cout << "\nquick start on " << dataset << ": returns and D4RL-normalised scores\n";
  std::cout << "  " << std::left << std::setw(34) << "what" << std::right << std::setw(18) << "return" << std::setw(22)
            << "normalised score\n";
  std::cout << "  " << std::left << std::setw(34) << ("dataset (" + std::to_string(episodes.returns.size()) + " episodes)")
            << std::right << std::setw(18) << data_return << std::setw(21) << envs::normalized_score(env, data_return) << "\n";
  for (const auto& policy : policies) {
    const auto& result = policy.evaluation;
    std::ostringstream policy_return, policy_score;
    policy_return << std::fixed << std::setprecision(1) << result.at("return_mean").get<double>() << " +- "
                  << result.at("return_std").get<double>();
    policy_score << std::fixed << std::setprecision(1) << result.at("score_mean").get<double>() << " +- "
                 << result.at("return_std").get<double>() * scale;
    std::cout << "  " << std::left << std::setw(34)
              << (policy.label + " policy (" + std::to_string(policy.episodes) + " episodes)") << std::right
              << std::setw(18) << policy_return.str() << std::setw(21) << policy_score.str() << "\n";
  }
  std::cout << "\n(+- is the spread over episodes of one seed. The same presets over 3 seeds x 100 episodes: "
               "results/quickstart/report/table.md.)\n";
  std::cout << "\nrun: " << run_path.string() << "\n";
  std::cout << "next: grl eval --checkpoint " << checkpoint << " --episodes 100\n";
  std::cout << "      grl view --checkpoint " << checkpoint << "\n";
  std::cout << "      grl bench run presets/sweeps/quickstart.yaml --out runs/sweep-quickstart\n";
  return 0;
}

std::function<int()> add_quickstart(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<QuickstartOptions>();
  auto* quickstart = parent.add_subcommand(
      "quickstart", "make the small hopper medium-expert dataset, train BC and GMPO's quick preset on it, print their scores (~5 min)");
  quickstart->add_option("--runs-dir", options->runs_dir, "folder of runs")->capture_default_str();
  quickstart->add_option("--name", options->name, "run name of GMPO (default: quickstart-hopper-<date>-<time>); BC's gets -bc");
  quickstart->add_option("--preset", options->preset, "GMPO's run config (a file, or relative to presets/)")->capture_default_str();
  quickstart->add_option("--baseline-preset", options->baseline_preset,
                         "the baseline trained beside it on the same dataset (a file, or relative to presets/)")
      ->capture_default_str();
  quickstart->add_flag("--no-baseline", options->no_baseline, "train GMPO only");
  return [options, &global] { return run_quickstart(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("quickstart", 1, grl::cli::add_quickstart);
