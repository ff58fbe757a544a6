// `grl eval --checkpoint runs/<name>/checkpoints/latest.pt --episodes N [--seed S] [key.path=value ...]`
// Rebuilds the policy from the checkpoint alone (its stored config and weights), runs N episodes in
// lockstep and prints each episode's return and length and the D4RL-normalised score mean +- std.
// Overrides change the stored config for this evaluation only, e.g. gmpo.policy.model.grid_points=8.
// --precision bf16 samples with bfloat16 weights (networks/inference_precision.h).
#include <iomanip>
#include <iostream>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/networks/inference_precision.h"
#include "algorithms/training/checkpoint.h"
#include "apps/command.h"
#include "apps/seed_check.h"
#include "common/seeding.h"

namespace grl::cli {
namespace {

struct EvalOptions {
  std::string checkpoint;
  int episodes = 10;
  std::int64_t seed = -1;  // < 0: derived from the run's seed, as during training
  int threads = 0;         // 0: the run config's
  bool one_at_a_time = false;
  std::string precision;   // empty: the run config's evaluation.precision
  std::vector<std::string> overrides;
};

int run_eval(const EvalOptions& options, const GlobalOptions& global) {
  const training::CheckpointReader checkpoint(options.checkpoint);
  std::vector<std::string> overrides = options.overrides;
  overrides.push_back("evaluation.episodes=" + std::to_string(options.episodes));
  if (options.threads > 0) overrides.push_back("evaluation.threads=" + std::to_string(options.threads));
  if (!options.precision.empty()) overrides.push_back("evaluation.precision=" + options.precision);
  evaluation::PreparedRun run = evaluation::load_run_from_checkpoint(checkpoint, global.runtime.device, overrides);
  const std::uint64_t seed = options.seed >= 0 ? static_cast<std::uint64_t>(options.seed)
                                               : derive_seed(static_cast<std::uint64_t>(run.config.seed), SeedStream::evaluation);

  evaluation::EvaluationConfig eval_config = run.config.evaluation;
  if (eval_config.device.empty()) eval_config.device = global.runtime.device;
  const evaluation::Evaluator evaluator(run.env.id, eval_config);
  auto policy = run.algorithm->policy();
  const evaluation::EvaluationResult r =
      options.one_at_a_time ? evaluator.run_one_at_a_time(*policy, seed) : evaluator.run(*policy, seed);

  std::cout << "checkpoint " << options.checkpoint << ": " << run.config.algorithm << " on " << run.env.id << " (dataset "
            << run.config.dataset << ")\n";
  std::cout << r.returns.size() << " episodes, seed " << seed << (options.one_at_a_time ? ", one at a time" : ", lockstep")
            << ", " << eval_config.precision << ", " << r.policy_calls << " policy calls, " << std::fixed << std::setprecision(1) << r.seconds << " s\n";
  std::cout << "episode      return  length   score\n";
  for (std::size_t i = 0; i < r.returns.size(); ++i) {
    std::cout << std::setw(7) << i << std::setw(12) << std::setprecision(2) << r.returns[i] << std::setw(8) << r.lengths[i]
              << std::setw(8) << std::setprecision(1) << r.normalized_scores[i] << "\n";
  }
  std::cout << std::setprecision(2) << "return " << r.return_mean << " +- " << r.return_std << ", length "
            << std::setprecision(1) << r.length_mean << "\n";
  std::cout << "normalized score " << std::setprecision(2) << r.score_mean << " +- " << r.score_std << "\n";
  return 0;
}

std::function<int()> add_eval(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<EvalOptions>();
  auto* eval = parent.add_subcommand("eval", "evaluate a checkpoint: returns, lengths, D4RL-normalised score");
  eval->add_option("--checkpoint", options->checkpoint, "checkpoint file (runs/<name>/checkpoints/latest.pt)")
      ->required()
      ->check(CLI::ExistingFile);
  eval->add_option("--episodes", options->episodes, "episodes, run in lockstep")->check(CLI::PositiveNumber)->capture_default_str();
  eval->add_option("--seed", options->seed, "seed of the episodes (default: the run's evaluation seed)")
      ->check(seed_check());
  eval->add_option("--env-threads", options->threads, "threads stepping the envs (default: the run config's)")
      ->check(CLI::PositiveNumber);
  eval->add_option("--precision", options->precision,
                   "fp32 or bf16: arithmetic of the residual net's Euler sampling (bf16 needs AVX512-BF16; default: "
                   "the run config's evaluation.precision)")
      ->check(CLI::IsMember(grl::networks::inference_precision_names()));
  eval->add_flag("--one-at-a-time", options->one_at_a_time, "run the episodes one after another (reference, slow)");
  eval->add_option("overrides", options->overrides, "key.path=value changes of the stored config, e.g. gmpo.policy.model.grid_points=8");
  return [options, &global] { return run_eval(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("eval", 22, grl::cli::add_eval);
