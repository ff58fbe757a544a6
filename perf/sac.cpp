// Speed of one SAC gradient update (baselines/sac/sac.h) and where its time goes: the usual networks
// (actor and twin critic MLPs 256-256), batch 256, hopper's sizes (obs 11, act 3) by default.
//
//   grl_perf_sac [--threads N] [--seconds S] [--batch B] [--env hopper] [--python SCRIPT]
//
// Prints updates per second of SacAgent::update, then each part of an update timed alone on the
// agent's own networks (the TD target without gradients, the critic step, the actor step through the
// frozen critic, the temperature step, the Polyak update), and the floor set by the matrix products:
// the update's multiply-adds (counted from the layer shapes) at the sgemm rate measured on the
// update's own 256-wide products. With --python SCRIPT (perf/reference/sac_update_reference.py) it
// runs the same update in Python PyTorch afterwards, with the same threads and sizes, and prints its
// output: on Debian 12 apt-get install python3-torch gives Python PyTorch over the same libtorch and
// OpenBLAS (run from the repository root).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "baselines/sac/sac.h"
#include "common/blas_kernels.h"
#include "common/runtime.h"
#include "envs/env_catalog.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median milliseconds per call of `body` over at least `seconds` (at least 5 calls) after 3 warm-up calls.
double median_ms(const std::function<void()>& body, double seconds) {
  for (int i = 0; i < 3; ++i) body();
  std::vector<double> ms;
  const auto start = Clock::now();
  while (ms.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    const auto t0 = Clock::now();
    body();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Multiply-adds of one forward pass of an MLP in -> hidden... -> out, per row.
double mlp_macs(int64_t in, const std::vector<int>& hidden, int64_t out) {
  double macs = 0;
  int64_t width = in;
  for (const int h : hidden) {
    macs += static_cast<double>(width) * h;
    width = h;
  }
  return macs + static_cast<double>(width) * out;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double seconds = 3.0;
  int64_t batch = 256;
  std::string env_id = "hopper";
  std::string python_script;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--threads") && has_value) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && has_value) seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--batch") && has_value) batch = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--env") && has_value) env_id = argv[++i];
    else if (!std::strcmp(argv[i], "--python") && has_value) python_script = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--batch B] [--env ID] [--python SCRIPT]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1 || batch < 1 || seconds <= 0) {
    std::fprintf(stderr, "grl_perf_sac: --threads and --batch must be >= 1 and --seconds > 0\n");
    return 2;
  }
  grl::start_runtime_as_grl(argv, grl::RuntimeSettings{threads});
  torch::manual_seed(0);

  const grl::envs::EnvSpec spec = grl::envs::env_spec(env_id);
  const int64_t S = spec.obs_dim, A = spec.act_dim;
  grl::sac::SacConfig config;
  config.batch_size = batch;
  grl::sac::SacAgent agent(config, S, A);
  grl::datasets::TransitionBatch data;
  data.observations = torch::randn({batch, S});
  data.next_observations = torch::randn({batch, S});
  data.actions = torch::rand({batch, A}) * 2 - 1;
  data.rewards = torch::randn({batch, 1});
  data.dones = (torch::rand({batch, 1}) < 0.01).to(torch::kFloat32);

  std::printf("SAC update: %s (obs %lld, act %lld), actor %s and twin critic %s, batch %lld, %d thread(s), "
              "LibTorch %s, BLAS kernels %s\n\n",
              spec.id.c_str(), static_cast<long long>(S), static_cast<long long>(A), "MLP 256-256", "MLP 256-256",
              static_cast<long long>(batch), torch::get_num_threads(), TORCH_VERSION, grl::blas_kernel_name().c_str());

  const double update_ms = median_ms([&] { agent.update(data); }, seconds);
  std::printf("%-58s %10.3f ms   %8.1f updates/s\n", "SacAgent::update (the whole update)", update_ms, 1000.0 / update_ms);

  // ---- The parts, each alone, on the agent's networks (their own optimisers, so the agent's state is
  // not what is measured; the work per call is the same).
  torch::optim::Adam critic_adam(agent.q->parameters(), torch::optim::AdamOptions(3e-4));
  torch::optim::Adam actor_adam(agent.actor->parameters(), torch::optim::AdamOptions(3e-4));
  torch::Tensor log_alpha = agent.log_alpha.detach().clone().requires_grad_(true);
  torch::optim::Adam alpha_adam(std::vector<torch::Tensor>{log_alpha}, torch::optim::AdamOptions(3e-4));
  torch::Tensor target;
  const double alpha = agent.alpha();
  struct Part {
    const char* name;
    std::function<void()> body;
  };
  const std::vector<Part> parts = {
      {"TD target (actor sample at s', target min Q; no grad)",
       [&] {
         torch::NoGradGuard no_grad;
         const auto next = agent.actor->sample(data.next_observations);
         target = grl::sac::soft_td_target(data.rewards, data.dones, agent.q_target->min_q(data.next_observations, next.action),
                                           next.log_prob, alpha, config.discount);
       }},
      {"critic step (twin Q forward, MSE, backward, Adam)",
       [&] {
         const auto [q1, q2] = agent.q->forward(data.observations, data.actions);
         const auto loss = grl::iql::double_q_loss(q1, q2, target);
         critic_adam.zero_grad();
         loss.backward();
         critic_adam.step();
       }},
      {"actor step (sample, min Q through frozen critic, Adam)",
       [&] {
         for (auto& p : agent.q->parameters()) p.set_requires_grad(false);
         const auto sample = agent.actor->sample(data.observations);
         const auto loss = grl::sac::actor_loss(agent.q->min_q(data.observations, sample.action), sample.log_prob, alpha);
         actor_adam.zero_grad();
         loss.backward();
         actor_adam.step();
         for (auto& p : agent.q->parameters()) p.set_requires_grad(true);
       }},
      {"temperature step (alpha loss, backward, Adam)",
       [&] {
         const auto log_prob = torch::randn({batch});
         const auto loss = grl::sac::alpha_loss(log_alpha, log_prob, agent.target_entropy());
         alpha_adam.zero_grad();
         loss.backward();
         alpha_adam.step();
       }},
      {"Polyak update of the target critic",
       [&] { grl::networks::soft_update(*agent.q, *agent.q_target, config.target_update_rate); }},
  };
  double parts_ms = 0;
  for (const Part& part : parts) {
    const double ms = median_ms(part.body, seconds / 2);
    parts_ms += ms;
    std::printf("  %-56s %10.3f ms   %5.1f%%\n", part.name, ms, 100.0 * ms / update_ms);
  }
  std::printf("  %-56s %10.3f ms   %5.1f%%\n", "sum of the parts", parts_ms, 100.0 * parts_ms / update_ms);

  // ---- The floor: the update's multiply-adds at the sgemm rate of its own product shapes.
  // Forward passes per row: TD target = actor + 2 Q; critic = 2 Q forward + 2 x 2 Q backward (weight and
  // input gradients); actor = actor + 2 Q forward + 2 Q input gradients + 2 x actor backward.
  const double q_macs = mlp_macs(S + A, config.critic.hidden, 1);
  const double actor_macs = mlp_macs(S, config.actor.hidden, 2 * A);
  const double macs = static_cast<double>(batch) * (4 * actor_macs + 12 * q_macs);
  const int64_t width = config.critic.hidden.empty() ? 256 : config.critic.hidden.front();
  const torch::Tensor x = torch::randn({batch, width}), w = torch::randn({width, width});
  torch::Tensor y;
  const double gemm_ms = median_ms([&] { y = torch::mm(x, w); }, seconds / 2);
  const double gflops = 2.0 * batch * width * width / gemm_ms / 1e6;
  std::printf("\nfloor: %.3f GFLOP per update at %.1f GFLOP/s (sgemm %lldx%lldx%lld) = %.3f ms, %.0f updates/s\n",
              2 * macs / 1e9, gflops, static_cast<long long>(batch), static_cast<long long>(width),
              static_cast<long long>(width), 2 * macs / gflops / 1e6, gflops * 1e9 / (2 * macs));
  std::fflush(stdout);

  if (!python_script.empty()) {
    const std::string command = "/usr/bin/python3 " + python_script + " --threads " + std::to_string(threads) +
                                " --seconds " + std::to_string(seconds) + " --batch " + std::to_string(batch) +
                                " --obs " + std::to_string(S) + " --act " + std::to_string(A);
    std::printf("\nPython PyTorch, the same update (%s):\n", command.c_str());
    std::fflush(stdout);
    const int rc = std::system(command.c_str());
    if (rc != 0) {
      std::fprintf(stderr, "grl_perf_sac: the Python reference failed (status %d): %s\n", rc, command.c_str());
      return 1;
    }
  }
  return 0;
}
