#include "common/seeding.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace grl {
namespace {

TEST(Seeding, SameSeedDrawsIdenticalNumbers) {
  seed_everything(123);
  const auto a = torch::randn({64});
  const auto ai = torch::randint(0, 1000, {16});
  auto rng_a = make_rng(123, SeedStream::env);
  const auto a_std = rng_a();

  seed_everything(123);
  const auto b = torch::randn({64});
  const auto bi = torch::randint(0, 1000, {16});
  auto rng_b = make_rng(123, SeedStream::env);

  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(ai, bi));
  EXPECT_EQ(a_std, rng_b());
}

TEST(Seeding, DifferentSeedsAndStreamsDiffer) {
  seed_everything(1);
  const auto a = torch::randn({64});
  seed_everything(2);
  const auto b = torch::randn({64});
  EXPECT_FALSE(torch::equal(a, b));
  EXPECT_NE(derive_seed(1, SeedStream::env), derive_seed(2, SeedStream::env));
  EXPECT_NE(derive_seed(1, SeedStream::env), derive_seed(1, SeedStream::sampler));
  EXPECT_EQ(derive_seed(9, 4), derive_seed(9, SeedStream::evaluation));
}

}  // namespace
}  // namespace grl
