// The per-instance random number generator of an env: reset noise only.
//
// The distributions are written out here rather than taken from <random>: std::uniform_real_distribution
// and std::normal_distribution are implementation-defined, so the same seed would give different
// reset states with another standard library. These formulas give the same numbers everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace grl::envs {

class EnvRng {
 public:
  explicit EnvRng(std::uint64_t seed = 0) : engine_(seed) {}

  void seed(std::uint64_t seed) { engine_.seed(seed); }

  // Uniform in [0, 1): the top 53 bits of one 64-bit draw.
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  // Standard normal by the Box-Muller transform, two draws per value (no cached second value,
  // so the stream position depends only on how many values were drawn).
  double normal() {
    const double u1 = 1.0 - uniform01();  // (0, 1]: log is finite
    const double u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

  // For checkpoints: the engine state is streamable.
  const std::mt19937_64& engine() const { return engine_; }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace grl::envs
