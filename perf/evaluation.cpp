// Evaluation speed: 10 episodes x 1000 steps of a GMPO policy (published residual net 512-256-128,
// 32-point Euler grid = 31 network evaluations per action) on HalfCheetah (no early termination, so
// every episode runs the full 1000 steps), in lockstep (one policy call per step for all live envs)
// versus one episode at a time (one call per action).
//
//   build/perf/grl_perf_evaluation [--episodes 10] [--path gvp] [--env-threads 1] [--threads 1] [--skip-reference]
//                                  [--precision fp32|bf16]
//
// For comparison: the Python reference, one action at a time, needs about 3 minutes for this.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "algorithms/evaluation/evaluator.h"
#include "algorithms/gmpo/gmpo.h"
#include "common/runtime.h"
#include "envs/env_catalog.h"


int main(int argc, char** argv) {
  int episodes = 10;
  int env_threads = 1;
  int threads = 1;
  std::string path = "gvp";
  bool reference = true;
  std::string precision = "fp32";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--skip-reference")) reference = false;
    else if (i + 1 < argc && !std::strcmp(argv[i], "--episodes")) episodes = std::stoi(argv[++i]);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--env-threads")) env_threads = std::stoi(argv[++i]);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[++i]);
    else if (i + 1 < argc && !std::strcmp(argv[i], "--path")) path = argv[++i];
    else if (i + 1 < argc && !std::strcmp(argv[i], "--precision")) precision = argv[++i];
  }
  grl::start_runtime_as_grl(argv, grl::RuntimeSettings{threads});
  torch::manual_seed(0);
  grl::training::AlgorithmContext context;
  context.env = grl::envs::env_spec("halfcheetah");
  grl::gmpo::GmpoConfig config;
  config.policy.model.path = path;
  config.policy.model.grid_points = 32;
  if (path == "vpsde") {
    config.policy.model.model_type = "noise";
    config.policy.model.loss = "score_matching";
  }
  grl::gmpo::Gmpo gmpo(config, context);  // acting only: untrained weights cost the same
  auto policy = gmpo.policy();

  grl::evaluation::EvaluationConfig eval;
  eval.episodes = episodes;
  eval.threads = env_threads;
  eval.precision = precision;
  const grl::evaluation::Evaluator evaluator("halfcheetah", eval);
  std::printf("evaluation: %d episodes x 1000 steps of halfcheetah, GMPO %s policy, 32-point Euler, "
              "%d LibTorch thread(s), %d env thread(s), %s\n",
              episodes, path.c_str(), torch::get_num_threads(), env_threads, precision.c_str());
  const auto lockstep = evaluator.run(*policy, 1);
  std::printf("lockstep        %8.2f s  %6lld policy calls  %8lld env steps  %7.2f ms/call  (%.1fx faster than 180 s)\n",
              lockstep.seconds, static_cast<long long>(lockstep.policy_calls), static_cast<long long>(lockstep.env_steps),
              1000.0 * lockstep.seconds / lockstep.policy_calls, 180.0 / lockstep.seconds);
  std::fflush(stdout);
  if (reference) {
    const auto single = evaluator.run_one_at_a_time(*policy, 1);
    std::printf("one at a time   %8.2f s  %6lld policy calls  %8lld env steps  %7.2f ms/call\n", single.seconds,
                static_cast<long long>(single.policy_calls), static_cast<long long>(single.env_steps),
                1000.0 * single.seconds / single.policy_calls);
    std::printf("lockstep speed-up over one at a time: %.1fx\n", single.seconds / lockstep.seconds);
  }
  return 0;
}
