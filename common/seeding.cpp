#include "common/seeding.h"

#include <torch/torch.h>

namespace grl {

namespace {
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64(splitmix64(seed) ^ splitmix64(stream + 0x632be59bd9b4e019ULL));
}

void seed_everything(std::uint64_t seed) {
  const std::uint64_t torch_seed = derive_seed(seed, SeedStream::torch);
  torch::manual_seed(torch_seed);  // seeds CUDA generators too when CUDA is present
}

}  // namespace grl
