// Speed of the published generative policy network (temporal-spatial residual net, S = 17, A = 6):
// action latency and throughput on the 32-point Euler grid, one flow-matching training step, and the
// floor set by streaming the weights from memory once per solver step.
//
//   grl_perf_generative_core [--threads N] [--device cpu|cuda] [--quick] [--only act|training|floor]
//                            [--log-weights-from CHECKPOINT]
//
// The training step is timed with uniform weights and with GMPO's weights as a trained critic gives
// them, min(exp(beta (Q - V)), 100): those span dozens of orders of magnitude, and the ones below
// 1.2e-38 are subnormal floats, which x86 arithmetic handles 10-100x slower. grl flushes them to zero
// (common/subnormals.h); at --threads 1 the step is also timed with them kept, so a regression shows.
// The log-weights beta (Q - V) are drawn from quantiles measured on a trained GMPO critic: by default
// the quick start's (embedded below), or those of --log-weights-from, a GMPO checkpoint whose critic
// is evaluated on every transition of its dataset.
//
// The same measurements in Python PyTorch, to run beside this program on the same cores:
// perf/reference/generative_core_reference.py (on Debian 12: apt-get install python3-torch, then run it
// with /usr/bin/python3; results/same-machine-debian/ has both on our 2-core machine).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/generative_policy.h"
#include "algorithms/gmpo/gmpo.h"
#include "algorithms/training/checkpoint.h"
#include "algorithms/networks/few_row_kernels.h"
#include "algorithms/networks/inference_precision.h"
#include "algorithms/networks/residual_net.h"
#include "common/config.h"
#include "common/blas_kernels.h"
#include "common/runtime.h"
#include "common/subnormals.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  double median_ms, min_ms;
};

// Runs `body` until `min_seconds` have passed (at least `min_reps` times) after `warmup` calls.
Timing measure(const std::function<void()>& body, int warmup, int min_reps, double min_seconds,
               const torch::Device& device) {
  auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  for (int i = 0; i < warmup; ++i) body();
  sync();
  std::vector<double> ms;
  const auto start = Clock::now();
  while (static_cast<int>(ms.size()) < min_reps ||
         std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    const auto t0 = Clock::now();
    body();
    sync();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

// beta (Q - V) at the 33 quantiles 0, 1/32, ..., 1 over the 50,000 transitions of
// hopper-medium-native-50k-v0, from the critic of `grl quickstart` (seed 0, 8000 IQL steps, beta 6):
//   grl_perf_generative_core --only training --log-weights-from runs/<quickstart>/checkpoints/latest.pt
constexpr int kLogWeightQuantiles = 33;
const double kQuickstartLogWeights[kLogWeightQuantiles] = {
    -910.43, -116.16, -88.18, -73.21, -63.14, -55.81, -49.82, -44.67, -39.98, -35.78,
    -31.69, -27.88, -24.26, -20.78, -17.56, -14.45, -11.47, -8.43, -5.40, -2.47, 0.42, 3.10, 5.89, 8.65, 11.52,
    14.45, 17.66, 21.20, 25.54, 30.91, 39.54, 56.57, 629.98};

// beta (Q - V) of a GMPO checkpoint's critic on every transition of its dataset, at the 33 quantiles.
std::vector<double> log_weight_quantiles(const std::string& checkpoint_path) {
  const grl::training::CheckpointReader checkpoint(checkpoint_path);
  grl::evaluation::PreparedRun run = grl::evaluation::prepare_training_run(
      grl::evaluation::parse_run_config(grl::evaluation::stored_run_config(checkpoint)), "cpu");
  run.algorithm->load(checkpoint);
  auto* gmpo = dynamic_cast<grl::gmpo::Gmpo*>(&run.algorithm->inner());
  if (!gmpo || gmpo->config().policy.weighting != "advantage") {
    throw std::runtime_error(checkpoint_path + ": not a GMPO checkpoint with advantage weights (algorithm " +
                             run.config.algorithm + ")");
  }
  torch::NoGradGuard no_grad;
  const grl::datasets::TransitionSet& data = *run.data;
  std::vector<torch::Tensor> chunks;
  for (int64_t begin = 0; begin < data.size(); begin += 8192) {
    const int64_t length = std::min<int64_t>(8192, data.size() - begin);
    chunks.push_back(gmpo->critic()->advantage(data.observations.narrow(0, begin, length),
                                               data.actions.narrow(0, begin, length)));
  }
  const torch::Tensor log_weights = std::get<0>(torch::sort(gmpo->config().policy.beta * torch::cat(chunks).to(torch::kFloat64)));
  std::vector<double> quantiles;
  for (int i = 0; i < kLogWeightQuantiles; ++i) {
    const int64_t index = std::min<int64_t>(log_weights.size(0) - 1, (log_weights.size(0) - 1) * i / (kLogWeightQuantiles - 1));
    quantiles.push_back(log_weights[index].item<double>());
  }
  return quantiles;
}

// `batch` weights min(exp(l), clamp), l drawn by linear interpolation between the quantiles (inverse
// CDF). Computed on the calling thread, so its flushing decides whether the small ones are 0 or subnormal.
torch::Tensor critic_like_weights(const std::vector<double>& quantiles, int64_t batch, double clamp) {
  const torch::Tensor q = torch::tensor(quantiles, torch::kFloat64);
  const torch::Tensor u = torch::rand({batch}, torch::kFloat64) * (kLogWeightQuantiles - 1);
  const torch::Tensor lower = u.floor().clamp_max(kLogWeightQuantiles - 2).to(torch::kLong);
  const torch::Tensor fraction = u - lower.to(torch::kFloat64);
  const torch::Tensor l = q.index_select(0, lower) * (1 - fraction) + q.index_select(0, lower + 1) * fraction;
  return torch::clamp_max(torch::exp(l.to(torch::kFloat32)), clamp);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string device_name = "cpu";
  bool quick = false;
  std::string only;  // one section: act, training or floor; empty: all
  std::string log_weights_checkpoint;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
      device_name = argv[++i];
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc &&
               (!std::strcmp(argv[i + 1], "act") || !std::strcmp(argv[i + 1], "training") ||
                !std::strcmp(argv[i + 1], "floor"))) {
      only = argv[++i];
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--log-weights-from") && i + 1 < argc) {
      log_weights_checkpoint = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--device cpu|cuda] [--quick] [--only act|training|floor] "
                   "[--log-weights-from CHECKPOINT]\n",
                   argv[0]);
      return 2;
    }
  }
  grl::start_runtime_as_grl(argv, grl::RuntimeSettings{threads});
  const torch::Device device(device_name);
  const double seconds = quick ? 0.3 : 2.0;
  torch::manual_seed(0);

  const int64_t S = 17, A = 6;
  grl::GenerativePolicyConfig config;  // gvp, velocity, flow matching, 32-point Euler, residual net
  grl::GenerativePolicy policy(config, S, A);
  policy->to(device);
  grl::GenerativePolicyConfig plain_config = config;
  plain_config.fast_inference = false;
  grl::GenerativePolicy plain(plain_config, S, A);
  grl::copy_policy_weights(*policy, *plain);
  plain->to(device);
  const int64_t parameters = grl::networks::parameter_count(*policy->network);
  const int steps = config.grid_points - 1;
  const auto wanted = [&](const char* section) { return only.empty() || only == section; };

  std::printf("generative_core: S=%lld A=%lld, %s (%lld parameters), %s/%s, %d-point Euler grid (%d steps)\n",
              static_cast<long long>(S), static_cast<long long>(A), config.network.name.c_str(),
              static_cast<long long>(parameters), config.path.c_str(), config.model_type.c_str(), config.grid_points,
              steps);
  std::printf("threads=%d device=%s LibTorch %s BLAS kernels %s\n\n", torch::get_num_threads(), device.str().c_str(),
              TORCH_VERSION, grl::blas_kernel_name().c_str());

  if (wanted("act")) {
    // ---- Inference: act(states) under InferenceMode.
    std::printf("%-44s %12s %14s %14s\n", "inference (act, fresh noise, no clipping)", "ms/call", "ms/action",
                "actions/s");
    for (const int64_t batch : {1, 10, 256}) {
      const torch::Tensor states = torch::randn({batch, S}, device);
      // Variant 2: the fast path at bf16 (bfloat16 weights, AVX512-BF16), where this CPU has it.
      const bool bf16 = device.is_cpu() && grl::networks::bf16_kernels_available();
      for (int variant = 0; variant < (bf16 ? 3 : 2); ++variant) {
        grl::GenerativePolicy& p = variant == 1 ? plain : policy;
        const auto precision =
            variant == 2 ? grl::networks::InferencePrecision::bf16 : grl::networks::InferencePrecision::fp32;
        const Timing t = measure(
            [&] {
              c10::InferenceMode inference;
              const grl::networks::ScopedInferencePrecision scope(precision);
              p->act(states);
            },
            3, 5, seconds, device);
        const char* name = variant == 0   ? "fast path (prepared network)"
                           : variant == 1 ? "plain path (core sampler)"
                                          : "fast path, bf16 (AVX512-BF16)";
        std::printf("  batch %-4lld %-32s %12.3f %14.4f %14.0f\n", static_cast<long long>(batch), name, t.median_ms,
                    t.median_ms / batch, 1000.0 * batch / t.median_ms);
      }
    }
    {
      // Where a batch-1 fast-path call spends its time: binding the grid and the state, then the steps.
      // A whole call costs more than the sum: the step loop alone keeps the 5.5 MB of weights in L3,
      // while prepare's other work (and anything else the process does) evicts part of them.
      c10::InferenceMode inference;
      const torch::Tensor states = torch::randn({1, S}, device);
      const torch::Tensor times = torch::linspace(0, 1, config.grid_points, device).narrow(0, 0, steps);
      const torch::Tensor x = torch::randn({1, A}, device);
      std::unique_ptr<grl::networks::PreparedNetwork> prepared;
      const Timing bind =
          measure([&] { prepared = policy->network->prepare(times, states); }, 3, 20, seconds / 2, device);
      const Timing step = measure([&] { (*prepared)(steps / 2, x); }, 10, 200, seconds / 2, device);
      const Timing all_steps = measure(
          [&] {
            for (int i = 0; i < steps; ++i) (*prepared)(i, x);
          },
          3, 10, seconds / 2, device);
      std::printf("  batch 1    fast path: prepare %.3f ms, one step %.1f us, %d steps in a row %.3f ms\n",
                  bind.median_ms, 1000 * step.median_ms, steps, all_steps.median_ms);
    }
  }

  if (wanted("training")) {
    // ---- Training: one weighted flow-matching step (GMPO's loss shape), forward + backward + Adam.
    std::vector<double> quantiles(kQuickstartLogWeights, kQuickstartLogWeights + kLogWeightQuantiles);
    std::string quantiles_source = "the quick start's critic (embedded)";
    if (!log_weights_checkpoint.empty()) {
      try {
        quantiles = log_weight_quantiles(log_weights_checkpoint);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "grl_perf_generative_core: %s\n", e.what());
        return 1;
      }
      quantiles_source = log_weights_checkpoint;
      std::printf("beta (Q - V) quantiles 0, 1/32, ..., 1 of %s:\n ", quantiles_source.c_str());
      for (const double q : quantiles) std::printf(" %.2f,", q);
      std::printf("\n");
    }
    std::printf("\n%-58s %12s %10s %10s\n", "training step (flow matching, weighted)", "ms/step", "w = 0",
                "w < 1e-38");
    torch::optim::Adam adam(policy->parameters(), torch::optim::AdamOptions(1e-4));
    for (const int64_t batch : {256, 4096}) {
      const torch::Tensor states = torch::randn({batch, S}, device), actions = torch::randn({batch, A}, device);
      // Variants: uniform weights; a trained critic's weights flushed (as grl runs); the same kept
      // subnormal (this thread only, so only at one thread).
      for (int variant = 0; variant < 3; ++variant) {
        if (variant == 2 && (threads != 1 || !device.is_cpu())) continue;
        if (variant == 2) grl::set_subnormal_flushing_on_this_thread(false);
        const torch::Tensor weights =
            (variant == 0 ? torch::rand({batch}) : critic_like_weights(quantiles, batch, 100.0)).to(device);
        const auto share = [&](const torch::Tensor& mask) { return 100.0 * mask.to(torch::kFloat64).mean().item<double>(); };
        const double zero = share(weights == 0);
        const double subnormal = share((weights > 0) & (weights < 1.1754944e-38f));
        const Timing t = measure(
            [&] {
              adam.zero_grad();
              torch::Tensor loss = (weights * policy->loss_per_sample(actions, states)).mean();
              loss.backward();
              adam.step();
            },
            2, 3, seconds, device);
        if (variant == 2) grl::set_subnormal_flushing_on_this_thread(true);
        const char* name = variant == 0   ? "uniform weights"
                           : variant == 1 ? "trained-critic weights, subnormals flushed"
                                          : "trained-critic weights, subnormals kept";
        std::printf("  batch %-5lld %-45s %12.2f %9.1f%% %9.1f%%\n", static_cast<long long>(batch), name, t.median_ms,
                    zero, subnormal);
      }
    }
    std::printf("  (trained-critic weights: beta (Q - V) from %s; subnormals: %s)\n", quantiles_source.c_str(),
                grl::check_subnormal_flushing().describe().c_str());
  }

  if (wanted("floor")) {
    // ---- The floor: every x-dependent weight has to be read once per step. One matrix-vector product
    // over the same number of floats measures the memory/cache bandwidth limit (5.5 MB does not fit this
    // machine's 512 KB L2, so it streams from L3); the per-layer lines show what one layer after another
    // costs through torch::mm and through the fast path's kernels.
    std::printf("\n%-44s %12s %14s %14s\n", "floor (batch 1, per action)", "us/step", "ms/action", "GB/s");
    int64_t x_dependent = 0;
    std::vector<torch::Tensor> layer_weights;
    {
      auto net = std::dynamic_pointer_cast<grl::networks::TemporalSpatialResidualNetImpl>(policy->network.ptr());
      for (auto& block : net->blocks()) {
        for (auto* layer : {&block->dense1, &block->dense2, &block->skip}) {
          if (!*layer) continue;
          layer_weights.push_back((*layer)->weight.detach());
          x_dependent += (*layer)->weight.numel() + (*layer)->bias.numel();
        }
      }
      layer_weights.push_back(net->last->weight.detach());
      x_dependent += net->last->weight.numel() + net->last->bias.numel();
    }
    for (const int64_t floats : {parameters, x_dependent}) {
      const int64_t cols = 1024, rows = (floats + cols - 1) / cols;
      const torch::Tensor matrix = torch::randn({rows, cols}, device), vector = torch::randn({cols}, device);
      const Timing t = measure(
          [&] {
            c10::InferenceMode inference;
            torch::mv(matrix, vector);
          },
          10, 50, seconds / 2, device);
      const double bytes = static_cast<double>(rows * cols) * 4;
      std::printf("  one matvec over %-8lld floats%-12s %12.1f %14.3f %14.1f\n", static_cast<long long>(floats),
                  floats == parameters ? " (all)" : " (x-dep.)", 1000 * t.median_ms, t.median_ms * steps,
                  bytes / (t.median_ms * 1e6));
    }
    {
      // What addmm costs at one row: OpenBLAS's sgemm packs each weight matrix on every call.
      std::vector<torch::Tensor> vectors;
      for (auto& w : layer_weights) vectors.push_back(torch::randn({1, w.size(1)}, device));
      const Timing t = measure(
          [&] {
            c10::InferenceMode inference;
            for (std::size_t i = 0; i < layer_weights.size(); ++i) torch::mm(vectors[i], layer_weights[i].t());
          },
          10, 50, seconds / 2, device);
      std::printf("  per-layer torch::mm (%zu layers, x-dep.)%-4s %12.1f %14.3f %14.1f\n", layer_weights.size(), "",
                  1000 * t.median_ms, t.median_ms * steps, static_cast<double>(x_dependent) * 4 / (t.median_ms * 1e6));
    }
    if (device.is_cpu() && grl::networks::few_row::fast_kernels_available()) {
      // The fast path's own layer kernels over the network's weights, without the SiLUs and additions.
      std::vector<float> x(1024, 0.5f), y(1024);
      const Timing t = measure(
          [&] {
            for (auto& w : layer_weights) {
              grl::networks::few_row::dense(w.data_ptr<float>(), nullptr, w.size(0), w.size(1), x.data(), w.size(1), 1,
                                            y.data(), w.size(0), false);
            }
          },
          10, 50, seconds / 2, device);
      std::printf("  per-layer few-row kernels (%zu layers)%-6s %12.1f %14.3f %14.1f\n", layer_weights.size(), "",
                  1000 * t.median_ms, t.median_ms * steps, static_cast<double>(x_dependent) * 4 / (t.median_ms * 1e6));
    }
  }
  return 0;
}
