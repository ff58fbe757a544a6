// `grl collect --env hopper --policy random|zero|<checkpoint> --episodes N --seed S --out file.hdf5`
// Runs N episodes and writes them as a D4RL-layout dataset (observations, actions, rewards,
// terminals, timeouts, next_observations, infos/qpos, infos/qvel, metadata/*) with the datasets
// layer's writer (temp file + rename), so that a dataset exists for runs and tests without a
// download. Episode i starts from an env seeded with derive_seed(S, i); episodes are stored in order
// (benchmark/episode_collector.h). Random actions log their uniform density as action_log_probs.
#include <iostream>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/training/checkpoint.h"
#include "apps/command.h"
#include "apps/seed_check.h"
#include "benchmark/episode_collector.h"
#include "common/seeding.h"
#include "datasets/d4rl_file.h"

namespace grl::cli {
namespace {

struct CollectOptions {
  std::string env;
  std::string policy = "random";
  int episodes = 100;
  std::int64_t seed = 0;
  std::string out;
  int max_episode_steps = 1000;
  int batch = 32;  // episodes stepped together
};

// Uniform noise, zeros, or a trained checkpoint's policy (its noise from the global generator,
// seeded for a reproducible dataset).
std::unique_ptr<benchmark::ActionSource> action_source(const CollectOptions& options, const envs::EnvSpec& spec,
                                                       const std::string& device,
                                                       std::unique_ptr<evaluation::PreparedRun>& run) {
  if (options.policy == "random") return benchmark::uniform_actions(spec.act_dim, static_cast<std::uint64_t>(options.seed));
  if (options.policy == "zero") return benchmark::zero_actions(spec.act_dim);
  const training::CheckpointReader checkpoint(options.policy);
  run = std::make_unique<evaluation::PreparedRun>(evaluation::load_run_from_checkpoint(checkpoint, device));
  if (run->env.id != spec.id) {
    throw std::invalid_argument("checkpoint " + options.policy + " acts in " + run->env.id + ", not in " + spec.id);
  }
  seed_everything(derive_seed(static_cast<std::uint64_t>(options.seed), SeedStream::dataset));
  return benchmark::policy_actions(run->algorithm->policy(), device, "checkpoint " + options.policy);
}

int run_collect(const CollectOptions& options, const GlobalOptions& global) {
  const envs::EnvSpec spec = envs::env_spec(options.env);
  std::unique_ptr<evaluation::PreparedRun> run;
  const auto source = action_source(options, spec, global.runtime.device, run);
  benchmark::CollectionOptions collection;
  collection.env = spec.id;
  collection.seed = static_cast<std::uint64_t>(options.seed);
  collection.episodes = options.episodes;
  collection.batch = options.batch;
  collection.max_episode_steps = options.max_episode_steps;
  auto collected = benchmark::collect_episodes(*source, collection);
  datasets::D4rlFile& file = collected.file;
  file.metadata["algorithm"] = source->description();
  file.metadata["env"] = spec.id;
  file.metadata["seed"] = static_cast<std::int64_t>(options.seed);
  file.metadata["episodes"] = static_cast<std::int64_t>(options.episodes);
  file.metadata["max_episode_steps"] = static_cast<std::int64_t>(options.max_episode_steps);
  file.metadata["generator"] = std::string("grl collect");
  datasets::write_d4rl_file(options.out, file);

  double return_sum = 0;
  for (double r : collected.returns) return_sum += r;
  const double mean_return = return_sum / options.episodes;
  std::cout << "wrote " << options.out << ": " << options.episodes << " episodes, " << file.rows() << " transitions of " << spec.id
            << " (" << source->description() << " policy, seed " << options.seed << ")\n";
  std::cout << "mean return " << mean_return << ", normalized score " << envs::normalized_score(spec, mean_return) << "\n";
  return 0;
}

std::function<int()> add_collect(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<CollectOptions>();
  auto* collect = parent.add_subcommand("collect", "run a policy in an env and write a D4RL-layout dataset");
  collect->add_option("--env", options->env, "environment: halfcheetah, hopper, walker2d, ant")->required();
  collect->add_option("--policy", options->policy, "random (uniform in [-1, 1]), zero, or a checkpoint file")
      ->capture_default_str();
  collect->add_option("--episodes", options->episodes, "episodes to run")->check(CLI::PositiveNumber)->capture_default_str();
  collect->add_option("--seed", options->seed, "seed of the episodes and of the policy's noise")
      ->check(seed_check())
      ->capture_default_str();
  collect->add_option("--out", options->out, "output .hdf5 file")->required();
  collect->add_option("--max-episode-steps", options->max_episode_steps, "time limit per episode")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  collect->add_option("--batch", options->batch, "episodes stepped together")->check(CLI::PositiveNumber)->capture_default_str();
  return [options, &global] { return run_collect(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("collect", 23, grl::cli::add_collect);
