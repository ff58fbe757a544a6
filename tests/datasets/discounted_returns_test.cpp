// Discounted Monte-Carlo returns against sums written out by hand, with episodes recovered from the rows.
#include <gtest/gtest.h>

#include <stdexcept>

#include "datasets/discounted_returns.h"

namespace grl::datasets {
namespace {

// Rows of 1-dim observations: the next observation is given per row, so that episodes can be made to
// continue (next_obs[i] == obs[i + 1]) or break.
TransitionSet rows(const std::vector<float>& obs, const std::vector<float>& next_obs, const std::vector<double>& rewards,
                   const std::vector<float>& dones) {
  const auto n = static_cast<std::int64_t>(obs.size());
  TransitionSet set;
  set.observations = torch::tensor(obs).reshape({n, 1});
  set.next_observations = torch::tensor(next_obs).reshape({n, 1});
  set.actions = torch::zeros({n, 1});
  set.rewards = torch::tensor(rewards, torch::kFloat64).to(torch::kFloat32).reshape({n, 1});
  set.dones = torch::tensor(dones).reshape({n, 1});
  return set;
}

TEST(DiscountedReturns, SumsEachEpisodeBackwardsAndStopsAtTerminalsAndBrokenChains) {
  const double g = 0.9;
  // Episode A: rows 0-2, terminal at row 2. Episode B: rows 3-4, cut by a time limit (row 4's next
  // observation is not row 5's). Episode C: row 5 alone, the file's last row.
  const auto set = rows({0, 1, 2, 10, 11, 20}, {1, 2, 3, 11, 12, 21}, {1, 2, 4, 8, 16, 32}, {0, 0, 1, 0, 0, 0});
  const torch::Tensor G = discounted_returns(set, g);
  ASSERT_EQ(G.dtype(), torch::kFloat64);
  ASSERT_EQ(G.size(0), 6);
  EXPECT_DOUBLE_EQ(G[2].item<double>(), 4.0);
  EXPECT_DOUBLE_EQ(G[1].item<double>(), 2.0 + g * 4.0);
  EXPECT_DOUBLE_EQ(G[0].item<double>(), 1.0 + g * (2.0 + g * 4.0));
  EXPECT_DOUBLE_EQ(G[4].item<double>(), 16.0);  // no bootstrap after the cut
  EXPECT_DOUBLE_EQ(G[3].item<double>(), 8.0 + g * 16.0);
  EXPECT_DOUBLE_EQ(G[5].item<double>(), 32.0);
}

TEST(DiscountedReturns, ATerminalRowEndsTheEpisodeEvenWhenTheNextRowContinuesItsObservation) {
  // Row 0 is terminal, though its next observation equals row 1's observation.
  const auto set = rows({0, 1}, {1, 2}, {1, 1}, {1, 0});
  const torch::Tensor G = discounted_returns(set, 0.5);
  EXPECT_DOUBLE_EQ(G[0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(G[1].item<double>(), 1.0);
  // Discount 1 sums the episode; discount 0 keeps each reward.
  const auto chain = rows({0, 1, 2}, {1, 2, 3}, {1, 2, 3}, {0, 0, 0});
  EXPECT_DOUBLE_EQ(discounted_returns(chain, 1.0)[0].item<double>(), 6.0);
  EXPECT_DOUBLE_EQ(discounted_returns(chain, 0.0)[0].item<double>(), 1.0);
}

TEST(DiscountedReturns, RejectsADiscountOutsideZeroToOne) {
  const auto set = rows({0}, {1}, {1}, {0});
  try {
    discounted_returns(set, 1.5);
    FAIL() << "discount 1.5 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("discount must be in [0, 1], got 1.5"), std::string::npos) << e.what();
  }
  EXPECT_EQ(discounted_returns(TransitionSet{}, 0.99).numel(), 0);
}

}  // namespace
}  // namespace grl::datasets
