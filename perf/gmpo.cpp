// Training speed of GMPO's two stages: gradient steps per second of the IQL critic and of the GMPO
// policy (published temporal-spatial residual net 512-256-128) at batch 256 and 4096, on a
// hopper-sized synthetic dataset (the step cost does not depend on the values).
//
//   build/perf/grl_perf_gmpo [--paths gvp,vpsde,icfm] [--batches 256,4096] [--seconds 10] [--threads N]
//
// For comparison: the Python PyTorch reference needs about 330 ms per GMPO policy step at batch
// 4096 on this machine.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "algorithms/gmpo/gmpo.h"
#include "common/blas_kernels.h"
#include "common/runtime.h"
#include "envs/env_catalog.h"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');) out.push_back(item);
  return out;
}

// Steps per second of `stage`: two warm-up steps, then steps until `seconds` have passed (at least 3).
double steps_per_second(grl::gmpo::Gmpo& gmpo, const std::string& stage, double seconds, int* measured) {
  for (int i = 0; i < 2; ++i) gmpo.train_step(stage, i);
  const double start = now();
  int steps = 0;
  while (steps < 3 || now() - start < seconds) {
    gmpo.train_step(stage, steps);
    ++steps;
  }
  *measured = steps;
  return steps / (now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths = {"gvp", "vpsde", "icfm"};
  std::vector<std::string> batches = {"256", "4096"};
  double seconds = 10;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--paths")) paths = split(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batches")) batches = split(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
  }
  grl::start_runtime_as_grl(argv, grl::RuntimeSettings{threads});
  torch::manual_seed(0);
  const grl::envs::EnvSpec spec = grl::envs::env_spec("hopper");
  const int64_t n = 100000;
  grl::datasets::TransitionSet data;
  data.observations = torch::randn({n, spec.obs_dim});
  data.next_observations = torch::randn({n, spec.obs_dim});
  data.actions = torch::rand({n, spec.act_dim}) * 2 - 1;
  data.rewards = torch::rand({n, 1});
  data.dones = torch::zeros({n, 1});
  grl::training::AlgorithmContext context;
  context.data = &data;
  context.env = spec;

  std::printf("GMPO training speed on %s-sized data (obs %d, act %d), %d LibTorch thread(s), BLAS kernels %s, %s\n",
              spec.id.c_str(), spec.obs_dim, spec.act_dim, torch::get_num_threads(), grl::blas_kernel_name().c_str(),
              "temporal-spatial residual net 512-256-128");
  std::printf("%-8s %-7s %-8s %12s %12s %8s\n", "stage", "path", "batch", "steps/s", "ms/step", "steps");
  std::set<std::string> critic_measured;  // the critic does not depend on the path
  for (const auto& path : paths) {
    for (std::size_t b = 0; b < batches.size(); ++b) {
      grl::gmpo::GmpoConfig config;
      config.critic.steps = 1000000;
      config.policy.steps = 1000000;
      config.critic.batch_size = std::stoll(batches[b]);
      config.policy.batch_size = std::stoll(batches[b]);
      config.policy.model.path = path;
      if (path == "vpsde") {
        config.policy.model.model_type = "noise";
        config.policy.model.loss = "score_matching";
      }
      grl::gmpo::Gmpo gmpo(config, context);
      int measured = 0;
      if (critic_measured.insert(batches[b]).second) {
        const double rate = steps_per_second(gmpo, "critic", seconds, &measured);
        std::printf("%-8s %-7s %-8s %12.1f %12.2f %8d\n", "critic", "-", batches[b].c_str(), rate, 1000.0 / rate, measured);
      }
      const double rate = steps_per_second(gmpo, "policy", seconds, &measured);
      std::printf("%-8s %-7s %-8s %12.1f %12.2f %8d\n", "policy", path.c_str(), batches[b].c_str(), rate, 1000.0 / rate,
                  measured);
      std::fflush(stdout);
    }
  }
  return 0;
}
