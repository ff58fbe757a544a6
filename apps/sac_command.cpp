// `grl sac train --env hopper [--preset presets/sac/hopper.yaml] [--steps N] [--seed S] [--name run]
//                [--runs-dir runs] [key=value ...]`
// `grl sac resume runs/<name>`
// `grl sac export-replay runs/<name> --steps M --out file.hdf5`
// `grl sac select-policies runs/<name> --out benchmark/policies [--episodes 100]`
// Online SAC on a native env (baselines/sac/sac.h): actor snapshots in runs/<name>/snapshots, a
// resumable checkpoint in runs/<name>/checkpoints/latest.pt; export-replay writes the first M rows
// of the run's replay buffer as a D4RL-layout file (a "medium-replay" dataset).
#include <iostream>

#include "algorithms/evaluation/run_config.h"
#include "apps/command.h"
#include "apps/seed_check.h"
#include "baselines/sac/replay_buffer.h"
#include "baselines/sac/sac.h"
#include "benchmark/native_datasets.h"
#include "common/config.h"
#include "common/run_directory.h"
#include "datasets/d4rl_file.h"
#include "envs/env_catalog.h"

namespace grl::cli {
namespace {

struct SacTrainOptions {
  std::string env;
  std::string preset;
  std::int64_t steps = 0;  // 0: the preset's
  std::int64_t seed = -1;  // < 0: the preset's
  std::string name;
  std::string runs_dir = "runs";
  std::vector<std::string> overrides;
};

int finish(sac::SacOutcome outcome, const RunDirectory& directory) {
  if (outcome == sac::SacOutcome::interrupted) {
    std::cerr << "resume with: grl sac resume " << directory.path().string() << "\n";
    return 130;
  }
  std::cout << "finished: " << directory.path().string() << " (actor snapshots in "
            << (directory.path() / "snapshots").string() << ")\n";
  return 0;
}

int run_sac_train(const SacTrainOptions& options) {
  config::Source source = options.preset.empty() ? config::load_text("{}", "(defaults)") : config::load_file(options.preset);
  std::vector<std::string> overrides;
  if (!options.env.empty()) overrides.push_back("env=" + options.env);
  if (options.steps > 0) overrides.push_back("total_steps=" + std::to_string(options.steps));
  if (options.seed >= 0) overrides.push_back("seed=" + std::to_string(options.seed));
  overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
  config::apply_overrides(source, overrides);
  const auto config = config::parse<sac::SacConfig>(source);
  const std::string name = options.name.empty() ? timestamped_run_name("sac-" + config.env) : options.name;
  const RunDirectory directory = RunDirectory::create(options.runs_dir, name);
  directory.write_config(config::to_yaml(config));
  std::cerr << "run " << directory.path().string() << ": sac on " << config.env << ", " << config.total_steps
            << " env steps, seed " << config.seed << "\n";
  return finish(sac::train_sac(config, directory, evaluation::stop_on_signals()), directory);
}

sac::SacConfig run_config(const RunDirectory& directory) {
  return config::parse<sac::SacConfig>(config::load_file(directory.config_path().string()));
}

int run_sac_resume(const std::string& path) {
  const RunDirectory directory = RunDirectory::open(path);
  return finish(sac::train_sac(run_config(directory), directory, evaluation::stop_on_signals()), directory);
}

int run_export_replay(const std::string& path, std::int64_t steps, const std::string& out) {
  const RunDirectory directory = RunDirectory::open(path);
  const sac::SacConfig config = run_config(directory);
  const envs::EnvSpec& spec = envs::env_spec(config.env);
  const auto latest = directory.checkpoints_dir() / "latest.pt";
  const training::CheckpointReader checkpoint(latest);
  sac::ReplayBuffer buffer(sac::replay_capacity(config), spec.obs_dim, spec.act_dim, spec.nq, spec.nv);
  buffer.load(checkpoint, "replay");
  datasets::D4rlFile file = buffer.to_d4rl(steps);
  file.metadata["algorithm"] = std::string("SAC (replay buffer)");
  file.metadata["env"] = spec.id;
  file.metadata["iteration"] = steps;
  file.metadata["seed"] = config.seed;
  file.metadata["generator"] = std::string("grl sac export-replay");
  datasets::write_d4rl_file(out, file);
  std::cout << "wrote " << out << ": the first " << steps << " replay rows of " << path << "\n";
  return 0;
}

int run_select_policies(const std::string& path, const std::string& out, int episodes) {
  const auto chosen = benchmark::select_behaviour_policies(path, out, episodes);
  for (const auto& info : chosen) {
    const envs::EnvSpec& spec = envs::env_spec(info.env);
    std::cout << info.source << ": step " << info.step << ", return " << info.return_stochastic << " sampled (normalised "
              << envs::normalized_score(spec, info.return_stochastic) << "), " << info.return_deterministic
              << " deterministic, over " << info.evaluation_episodes << " episodes\n";
  }
  std::cout << "wrote " << out << "/" << chosen.front().env << "-{random,medium,expert}.pt\n";
  return 0;
}

std::function<int()> add_sac(CLI::App& parent, GlobalOptions&) {
  auto* sac_app = parent.add_subcommand("sac", "online soft actor-critic on a native env (trains behaviour policies)");
  sac_app->require_subcommand(1);

  auto train_options = std::make_shared<SacTrainOptions>();
  auto* train = sac_app->add_subcommand("train", "train SAC into runs/<name>");
  train->add_option("--env", train_options->env, "environment: halfcheetah, hopper, walker2d, ant");
  train->add_option("--preset", train_options->preset, "SAC config YAML (presets/sac/...)")->check(CLI::ExistingFile);
  train->add_option("--steps", train_options->steps, "env steps (overrides total_steps)")->check(CLI::PositiveNumber);
  train->add_option("--seed", train_options->seed, "run seed")->check(seed_check());
  train->add_option("--name", train_options->name, "run name (default: sac-<env>-<date>-<time>)");
  train->add_option("--runs-dir", train_options->runs_dir, "folder of runs")->capture_default_str();
  train->add_option("overrides", train_options->overrides, "key=value overrides, e.g. batch_size=512");

  auto resume_path = std::make_shared<std::string>();
  auto* resume = sac_app->add_subcommand("resume", "continue an interrupted SAC run");
  resume->add_option("run", *resume_path, "run directory")->required()->check(CLI::ExistingDirectory);

  auto export_path = std::make_shared<std::string>();
  auto export_steps = std::make_shared<std::int64_t>(0);
  auto export_out = std::make_shared<std::string>();
  auto* export_replay = sac_app->add_subcommand("export-replay", "write the first M replay rows as a D4RL-layout file");
  export_replay->add_option("run", *export_path, "run directory")->required()->check(CLI::ExistingDirectory);
  export_replay->add_option("--steps", *export_steps, "rows (env steps) to write")->required()->check(CLI::PositiveNumber);
  export_replay->add_option("--out", *export_out, "output .hdf5 file")->required();

  auto select_path = std::make_shared<std::string>();
  auto select_out = std::make_shared<std::string>("benchmark/policies");
  auto select_episodes = std::make_shared<int>(100);
  auto* select = sac_app->add_subcommand("select-policies", "choose the random, medium and expert actors of a SAC run");
  select->add_option("run", *select_path, "run directory")->required()->check(CLI::ExistingDirectory);
  select->add_option("--out", *select_out, "folder for <env>-{random,medium,expert}.pt")->capture_default_str();
  select->add_option("--episodes", *select_episodes, "evaluation episodes per candidate")->check(CLI::PositiveNumber)->capture_default_str();

  return [=] {
    if (train->parsed()) return run_sac_train(*train_options);
    if (resume->parsed()) return run_sac_resume(*resume_path);
    if (select->parsed()) return run_select_policies(*select_path, *select_out, *select_episodes);
    return run_export_replay(*export_path, *export_steps, *export_out);
  };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("sac", 26, grl::cli::add_sac);
