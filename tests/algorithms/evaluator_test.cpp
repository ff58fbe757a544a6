#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "algorithms/evaluation/evaluator.h"
#include "common/seeding.h"
#include "envs/env_catalog.h"

namespace grl::evaluation {
namespace {

// A deterministic policy whose action for a row depends only on that row, computed elementwise
// (no matrix product, whose rounding could depend on the batch size). Records every batch size.
class ElementwisePolicy : public training::Policy {
 public:
  explicit ElementwisePolicy(int64_t act_dim = 3) : act_dim_(act_dim) {}
  torch::Tensor act(const torch::Tensor& obs) override {
    batch_sizes.push_back(obs.size(0));
    return torch::tanh(2.0 * torch::sin(3.0 * obs.narrow(1, 0, act_dim_) + obs.narrow(1, act_dim_, act_dim_)));
  }
  std::vector<int64_t> batch_sizes;

 private:
  int64_t act_dim_;
};

EvaluationConfig small_config(int episodes, int threads = 1) {
  EvaluationConfig config;
  config.episodes = episodes;
  config.threads = threads;
  config.max_episode_steps = 300;
  return config;
}

TEST(Evaluator, LockstepReturnsEqualOneAtATimeReturnsWithTheSameSeeds) {
  const Evaluator evaluator("hopper", small_config(6));
  ElementwisePolicy lockstep_policy, reference_policy;
  const auto lockstep = evaluator.run(lockstep_policy, 42);
  const auto reference = evaluator.run_one_at_a_time(reference_policy, 42);
  ASSERT_EQ(lockstep.returns.size(), 6u);
  EXPECT_EQ(lockstep.returns, reference.returns);  // bit for bit
  EXPECT_EQ(lockstep.lengths, reference.lengths);
  // The episodes differ from each other (different seeds), so the comparison means something.
  EXPECT_NE(lockstep.returns[0], lockstep.returns[1]);
  // And two threads step the same episodes.
  ElementwisePolicy threaded_policy;
  EXPECT_EQ(Evaluator("hopper", small_config(6, 2)).run(threaded_policy, 42).returns, reference.returns);
}

TEST(Evaluator, PolicyIsCalledOncePerStepOnLiveEnvsOnly) {
  const Evaluator evaluator("hopper", small_config(5));
  ElementwisePolicy policy;
  const auto r = evaluator.run(policy, 7);
  const int longest = *std::max_element(r.lengths.begin(), r.lengths.end());
  EXPECT_EQ(r.policy_calls, longest);
  ASSERT_EQ(static_cast<int>(policy.batch_sizes.size()), longest);
  EXPECT_EQ(policy.batch_sizes.front(), 5);
  EXPECT_TRUE(std::is_sorted(policy.batch_sizes.rbegin(), policy.batch_sizes.rend()));  // never grows
  int64_t rows = 0;
  for (const auto b : policy.batch_sizes) rows += b;
  int64_t steps = 0;
  for (const auto l : r.lengths) steps += l;
  EXPECT_EQ(rows, steps);  // every live env got exactly one action per step
  EXPECT_EQ(r.env_steps, steps);
  // Every episode ended by a fall or by the time limit.
  for (const auto l : r.lengths) EXPECT_LE(l, 300);
}

TEST(Evaluator, ScoresAreNormalisedReturnsWithPopulationStd) {
  const Evaluator evaluator("hopper-medium-v2", small_config(4));
  ElementwisePolicy policy;
  const auto r = evaluator.run(policy, 3);
  const auto spec = envs::env_spec("hopper");  // a copy: GCC 13 takes the reference for a dangling one
  double mean = 0;
  for (std::size_t i = 0; i < r.returns.size(); ++i) {
    EXPECT_DOUBLE_EQ(r.normalized_scores[i], envs::normalized_score(spec, r.returns[i]));
    mean += r.normalized_scores[i] / 4;
  }
  double var = 0;
  for (const double s : r.normalized_scores) var += (s - mean) * (s - mean) / 4;
  EXPECT_NEAR(r.score_mean, mean, 1e-9);
  EXPECT_NEAR(r.score_std, std::sqrt(var), 1e-9);
  EXPECT_NEAR(r.score_std, r.return_std * 100 / (spec.ref_max_return - spec.ref_min_return), 1e-9);
  const auto m = r.metrics();
  EXPECT_EQ(m[2].first, "score_mean");
  EXPECT_EQ(m[2].second, r.score_mean);
}

TEST(Evaluator, SameSeedSameEpisodesOtherSeedOtherEpisodes) {
  const Evaluator evaluator("walker2d", small_config(3));
  ElementwisePolicy a(6), b(6), c(6);  // walker2d: 6 actions
  EXPECT_EQ(evaluator.run(a, 5).returns, evaluator.run(b, 5).returns);
  EXPECT_NE(evaluator.run(c, 6).returns, evaluator.run(a, 5).returns);
}

// Draws its actions from LibTorch's global generator, like a generative policy's noise.
class NoisyPolicy : public training::Policy {
 public:
  torch::Tensor act(const torch::Tensor& obs) override { return torch::tanh(torch::randn({obs.size(0), 3})); }
};

TEST(Evaluator, PolicyNoiseIsSeededByTheEvaluationSeedAndTheCallersGeneratorIsRestored) {
  const Evaluator evaluator("hopper", small_config(4));
  NoisyPolicy policy;
  torch::manual_seed(1);
  const auto expected_next = torch::rand({3});
  torch::manual_seed(1);
  const auto a = evaluator.run(policy, 9);
  EXPECT_TRUE(torch::equal(torch::rand({3}), expected_next));  // the caller's stream did not move
  torch::manual_seed(2);
  const auto b = evaluator.run(policy, 9);
  EXPECT_EQ(a.returns, b.returns);  // whatever the global state was before
  EXPECT_NE(evaluator.run(policy, 10).returns, a.returns);
}

class WrongShapePolicy : public training::Policy {
 public:
  torch::Tensor act(const torch::Tensor& obs) override { return torch::zeros({obs.size(0), 2}); }
};

TEST(Evaluator, WrongActionShapeIsAClearError) {
  WrongShapePolicy policy;
  try {
    Evaluator("hopper", small_config(2)).run(policy, 0);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("actions of shape [2, 2], expected [2, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Evaluator("pendulum", small_config(1)), std::exception);
}

}  // namespace
}  // namespace grl::evaluation
