// One seed for every random number generator in a run.
#pragma once

#include <cstdint>
#include <random>

namespace grl {

// Seeds LibTorch's CPU and CUDA generators from `seed`. Components that keep their own RNG
// (envs, samplers) take a stream seed from derive_seed so that they never share a sequence.
void seed_everything(std::uint64_t seed);

// A well-mixed seed for stream `stream` of run seed `seed` (SplitMix64 of both); distinct streams
// give independent-looking sequences even for adjacent seeds.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

// Named streams, so that adding a consumer does not shift the numbers of the others.
enum class SeedStream : std::uint64_t { torch = 1, env = 2, sampler = 3, evaluation = 4, dataset = 5, final_evaluation = 6 };
inline std::uint64_t derive_seed(std::uint64_t seed, SeedStream stream) {
  return derive_seed(seed, static_cast<std::uint64_t>(stream));
}

inline std::mt19937_64 make_rng(std::uint64_t seed, SeedStream stream) {
  return std::mt19937_64(derive_seed(seed, stream));
}

}  // namespace grl
