// Speed and memory of GMPG on hopper-sized inputs (11 state dims, 3 action dims) with the published
// temporal-spatial residual net 512-256-128 and the GVP path:
//   1. one GMPG policy iteration (sampler + both likelihoods + discrete adjoint + Adam step) at the
//      published grid (1000-point sampler grid, 1000-point likelihood grid) and at the CPU preset's
//      grid (presets/gmpg/cpu-*.yaml);
//   2. behaviour-stage steps per second (flow matching + Adam) at batch 256 and 4096;
//   3. peak resident memory of one gradient by the discrete adjoint versus plain autograd through
//      the unrolled solvers, each measured in a forked child (ru_maxrss after - before the call).
//
//   build/perf/grl_perf_gmpg [--published-batch 32] [--cpu-batch 256] [--cpu-grid 32]
//                            [--cpu-likelihood-grid 8] [--memory-grid 400] [--memory-batch 64]
//                            [--seconds 10] [--threads N] [--skip-published] [--exact-divergence]
//                            [--hidden 512,256,128] [--sections memory,policy,behaviour]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "algorithms/generative_policy.h"
#include "algorithms/gmpg/policy_gradient.h"
#include "algorithms/iql/iql_critic.h"
#include "common/runtime.h"

namespace {

using grl::GenerativePolicy;
using grl::GenerativePolicyConfig;
namespace gmpg = grl::gmpg;

constexpr int64_t kState = 11, kAction = 3;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Args {
  int64_t published_batch = 32, cpu_batch = 256, memory_batch = 64;
  int cpu_grid = 32, cpu_likelihood_grid = 8, memory_grid = 400;
  double seconds = 10;
  int threads = 0;
  bool skip_published = false;
  bool batched_divergence = true;  // as the presets
  std::string sections = "memory,policy,behaviour";
  std::vector<int> hidden = {512, 256, 128};
};

Args g_args;

GenerativePolicyConfig model_config() {
  GenerativePolicyConfig c;
  c.path = "gvp";
  c.model_type = "velocity";
  c.loss = "flow_matching";
  c.network.hidden = g_args.hidden;  // temporal_spatial_residual, 512-256-128 unless --hidden
  return c;
}

grl::generative::DivergenceMethod divergence() {
  return g_args.batched_divergence ? grl::generative::DivergenceMethod::exact_batched
                                   : grl::generative::DivergenceMethod::exact;
}

struct Setup {
  GenerativePolicy mu{nullptr}, pi{nullptr};
  grl::iql::IqlCritic critic{nullptr};
  gmpg::QFunction q;
  Setup() {
    torch::manual_seed(0);
    mu = GenerativePolicy(model_config(), kState, kAction);
    pi = GenerativePolicy(model_config(), kState, kAction);
    grl::copy_policy_weights(*mu, *pi);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : pi->parameters()) p.add_(1e-3 * torch::randn_like(p));  // pi != mu, as after a few steps
    }
    for (auto& p : mu->parameters()) p.set_requires_grad(false);
    critic = grl::iql::IqlCritic(grl::iql::IqlCriticConfig{}, kState, kAction);
    critic->set_trainable(false);
    grl::iql::IqlCritic c = critic;
    q = [c](const torch::Tensor& s, const torch::Tensor& a) { return c->q_value(s, a); };
  }
};

// Seconds of one policy iteration (gradient + Adam step), the median of `repeats`.
double iteration_seconds(Setup& setup, torch::optim::Adam& adam, const gmpg::PolicyGradientOptions& o, int64_t batch,
                         int repeats) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const torch::Tensor s = torch::randn({batch, kState});
    const torch::Tensor z = torch::randn({batch, kAction});
    const double start = now();
    adam.zero_grad();
    gmpg::gmpg_gradient(*setup.pi, *setup.mu, setup.q, s, z, o);
    adam.step();
    times.push_back(now() - start);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void policy_iterations(const Args& args) {
  Setup setup;
  torch::optim::Adam adam(setup.pi->parameters(), torch::optim::AdamOptions(1e-4));
  std::printf("== GMPG policy iteration (gradient through the sampler by the discrete adjoint + Adam step) ==\n");
  if (!args.skip_published) {
    gmpg::PolicyGradientOptions published;
    published.grid_points = 1000;
    published.likelihood_grid_points = 1000;
    published.divergence = divergence();
    const double t = iteration_seconds(setup, adam, published, args.published_batch, 1);
    std::printf("published grid (sampler 1000 pts, likelihood 1000 pts, euler), batch %ld: %.2f s/iteration "
                "(%.1f ms per state; the published batch 40960 would take ~%.0f s at this rate)\n",
                static_cast<long>(args.published_batch), t, 1e3 * t / args.published_batch,
                t / args.published_batch * 40960.0);
    std::fflush(stdout);
  }
  gmpg::PolicyGradientOptions cpu;
  cpu.grid_points = args.cpu_grid;
  cpu.likelihood_grid_points = args.cpu_likelihood_grid;
  cpu.divergence = divergence();
  iteration_seconds(setup, adam, cpu, args.cpu_batch, 1);  // warm-up
  const double t = iteration_seconds(setup, adam, cpu, args.cpu_batch, 3);
  std::printf("CPU preset grid (sampler %d pts, likelihood %d pts, euler), batch %ld: %.3f s/iteration "
              "(%.2f iterations/s)\n",
              args.cpu_grid, args.cpu_likelihood_grid, static_cast<long>(args.cpu_batch), t, 1.0 / t);
  std::fflush(stdout);
}

void behaviour_speed(const Args& args) {
  std::printf("== behaviour stage (flow matching on GVP, Adam lr 1e-4) ==\n");
  for (const int64_t batch : {int64_t{256}, int64_t{4096}}) {
    torch::manual_seed(1);
    GenerativePolicy mu(model_config(), kState, kAction);
    torch::optim::Adam adam(mu->parameters(), torch::optim::AdamOptions(1e-4));
    const torch::Tensor states = torch::randn({batch, kState}), actions = torch::rand({batch, kAction}) * 2 - 1;
    auto step = [&] {
      adam.zero_grad();
      mu->loss(actions, states).backward();
      adam.step();
    };
    step();
    step();
    const double start = now();
    int steps = 0;
    while (steps < 3 || now() - start < args.seconds) {
      step();
      ++steps;
    }
    const double elapsed = now() - start;
    std::printf("batch %5ld: %7.1f steps/s (%d steps in %.1f s)\n", static_cast<long>(batch), steps / elapsed, steps, elapsed);
    std::fflush(stdout);
  }
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Runs one gradient in a forked child and returns the growth of its peak RSS in MiB (-1 on failure).
double peak_memory_mib(const Args& args, gmpg::GradientMethod method, int stride) {
  std::fflush(stdout);
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double growth = -1;
    try {
      Setup setup;
      gmpg::PolicyGradientOptions o;
      o.grid_points = args.memory_grid;
      o.likelihood_grid_points = 2;
      o.method = method;
      o.adjoint_stride = stride;
      const torch::Tensor s = torch::randn({args.memory_batch, kState});
      const torch::Tensor z = torch::randn({args.memory_batch, kAction});
      // Warm the allocator and the parameters' gradient buffers on a 2-point grid first.
      gmpg::PolicyGradientOptions small = o;
      small.grid_points = 2;
      gmpg::gmpg_gradient(*setup.pi, *setup.mu, setup.q, s, z, small);
      const long before = max_rss_kib();
      gmpg::gmpg_gradient(*setup.pi, *setup.mu, setup.q, s, z, o);
      growth = (max_rss_kib() - before) / 1024.0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "memory child: %s\n", e.what());
    }
    if (write(fds[1], &growth, sizeof growth) != sizeof growth) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  double growth = -1;
  if (read(fds[0], &growth, sizeof growth) != sizeof growth) growth = -1;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return growth;
}

void memory(const Args& args) {
  std::printf("== peak memory of one gradient, sampler grid %d pts, batch %ld (growth of the process's peak RSS) ==\n",
              args.memory_grid, static_cast<long>(args.memory_batch));
  const double adjoint = peak_memory_mib(args, gmpg::GradientMethod::discrete_adjoint, 1);
  std::printf("discrete adjoint, all states kept:     %8.1f MiB\n", adjoint);
  const double strided = peak_memory_mib(args, gmpg::GradientMethod::discrete_adjoint, 20);
  std::printf("discrete adjoint, every 20th state:    %8.1f MiB\n", strided);
  const double autograd = peak_memory_mib(args, gmpg::GradientMethod::autograd, 1);
  std::printf("autograd through the unrolled solver:  %8.1f MiB\n", autograd);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--published-batch") args.published_batch = std::stol(next());
    else if (a == "--cpu-batch") args.cpu_batch = std::stol(next());
    else if (a == "--cpu-grid") args.cpu_grid = std::stoi(next());
    else if (a == "--cpu-likelihood-grid") args.cpu_likelihood_grid = std::stoi(next());
    else if (a == "--memory-grid") args.memory_grid = std::stoi(next());
    else if (a == "--memory-batch") args.memory_batch = std::stol(next());
    else if (a == "--seconds") args.seconds = std::stod(next());
    else if (a == "--threads") args.threads = std::stoi(next());
    else if (a == "--skip-published") args.skip_published = true;
    else if (a == "--exact-divergence") args.batched_divergence = false;
    else if (a == "--sections") args.sections = next();
    else if (a == "--hidden") {
      args.hidden.clear();
      std::stringstream list(next());
      for (std::string item; std::getline(list, item, ',');) args.hidden.push_back(std::stoi(item));
    }
    else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of perf/gmpg.cpp)\n", a.c_str());
      return 2;
    }
  }
  if (args.threads > 0) {
    grl::start_runtime_as_grl(argv, grl::RuntimeSettings{args.threads});
  }
  g_args = args;
  std::string widths;
  for (int w : args.hidden) widths += (widths.empty() ? "" : "-") + std::to_string(w);
  std::printf("GMPG benchmark: hopper dims (S=%ld, A=%ld), residual net %s, GVP, %s divergence; torch threads %d\n",
              static_cast<long>(kState), static_cast<long>(kAction), widths.c_str(),
              args.batched_divergence ? "exact_batched" : "exact", torch::get_num_threads());
  if (args.sections.find("memory") != std::string::npos) memory(args);
  if (args.sections.find("policy") != std::string::npos) policy_iterations(args);
  if (args.sections.find("behaviour") != std::string::npos) behaviour_speed(args);
  return 0;
}
