// Dataset layer speed: loading a HalfCheetah-sized D4RL file (1M rows, obs 17, act 6, float32) into
// a TransitionSet, and sampling batches of 256 and 4096, against one critic training step on the
// same batch for scale. Goals: load < 2 s; sampling a small fraction of a training step.
//   grl_perf_dataset_load [--rows N] [--keep]
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "datasets/batch_sampler.h"
#include "datasets/d4rl_file.h"
#include "datasets/offline_dataset.h"

namespace {

using namespace grl::datasets;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A file laid out like halfcheetah_medium-v2: 1000-step episodes ending in a timeout, no terminals
// (HalfCheetah never terminates), next_observations stored.
D4rlFile synthetic_file(int64_t rows) {
  torch::manual_seed(0);
  D4rlFile file;
  file.observations = torch::randn({rows, 17});
  file.actions = torch::rand({rows, 6}) * 2 - 1;
  file.rewards = torch::randn({rows}) + 4;
  file.terminals = torch::zeros({rows}, torch::kBool);
  file.timeouts = (torch::arange(rows) % 1000 == 999);
  file.next_observations = torch::roll(file.observations, -1, 0);
  file.metadata["algorithm"] = std::string("synthetic");
  return file;
}

// Batches per second of `step` run for about `budget` seconds.
template <class F>
double rate(F step, double budget = 1.0) {
  for (int i = 0; i < 3; ++i) step();  // warm-up
  int64_t count = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < budget) {
    step();
    ++count;
    elapsed = seconds_since(start);
  }
  return count / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rows") && i + 1 < argc) rows = std::stoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--keep")) keep = true;
  }
  torch::set_num_threads(1);
  const auto dir = std::filesystem::temp_directory_path() / "grl-perf-dataset-load";
  std::filesystem::create_directories(dir);
  std::cout << std::fixed << std::setprecision(3);
  std::cout << "dataset_load: " << rows << " rows, obs 17, act 6, float32, LibTorch threads 1\n";

  const D4rlFile file = synthetic_file(rows);
  OfflineDataset loaded;
  for (int gzip : {4, 0}) {
    // The name makes the loader infer halfcheetah and check the dims, as for a real D4RL file.
    const auto path = dir / (gzip ? "halfcheetah_synthetic_gzip-v2.hdf5" : "halfcheetah_synthetic_raw-v2.hdf5");
    D4rlWriteOptions options;
    options.gzip_level = gzip;
    auto start = Clock::now();
    write_d4rl_file(path, file, options);
    const double write_s = seconds_since(start);
    DatasetConfig config;
    config.name = path.string();
    double best = 1e9;
    for (int repeat = 0; repeat < 3; ++repeat) {
      start = Clock::now();
      loaded = load_offline_dataset(config);
      best = std::min(best, seconds_since(start));
    }
    std::cout << (gzip ? "gzip 4 + shuffle" : "uncompressed    ") << "  file " << std::setprecision(1)
              << std::filesystem::file_size(path) / 1e6 << " MB, written in " << std::setprecision(3) << write_s
              << " s; load into TransitionSet (" << loaded.transitions.size() << " transitions): " << best
              << " s (best of 3)\n";
    if (!keep) std::filesystem::remove(path);
  }

  // A critic step for scale: twin-free Q(s, a) MLP 23 -> 256 -> 256 -> 1, MSE to r, Adam.
  torch::nn::Sequential critic(torch::nn::Linear(23, 256), torch::nn::ReLU(), torch::nn::Linear(256, 256), torch::nn::ReLU(),
                               torch::nn::Linear(256, 1));
  torch::optim::Adam optimizer(critic->parameters(), torch::optim::AdamOptions(3e-4));
  for (int64_t batch : {256, 4096}) {
    BatchSampler uniform(loaded.transitions, batch, 1, SamplingMode::with_replacement);
    BatchSampler epochs(loaded.transitions, batch, 1, SamplingMode::epoch_permutation);
    const double uniform_rate = rate([&] { uniform.next(); });
    const double epoch_rate = rate([&] { epochs.next(); });
    auto fixed_batch = uniform.next();
    const double step_rate = rate([&] {
      auto q = critic->forward(torch::cat({fixed_batch.observations, fixed_batch.actions}, 1));
      auto loss = torch::mse_loss(q, fixed_batch.rewards);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    });
    std::cout << "batch " << std::setw(4) << batch << std::setprecision(0) << ": with replacement " << std::setw(7) << uniform_rate
              << " batches/s, epoch permutation " << std::setw(7) << epoch_rate << " batches/s; one critic step "
              << std::setw(6) << step_rate << " steps/s -> sampling costs " << std::setprecision(1)
              << 100.0 * step_rate / uniform_rate << "% of a step\n"
              << std::setprecision(3);
  }
  if (torch::cuda::is_available()) {
    const auto on_gpu = loaded.transitions.to(torch::kCUDA);
    for (int64_t batch : {256, 4096}) {
      BatchSampler sampler(on_gpu, batch, 1);
      const double r = rate([&] {
        sampler.next();
        torch::cuda::synchronize();
      });
      std::cout << "cuda batch " << batch << ": " << std::setprecision(0) << r << " batches/s\n" << std::setprecision(3);
    }
  }
  return 0;
}
