// Discounted Monte-Carlo returns of the data's own behaviour, row by row: the scale a critic trained on
// the data should reach. IQL's Q(s, a) for a dataset action estimates r + gamma V(s'), with V an upper
// expectile of Q, so once trained its mean over the data lies at or a little above the mean of these
// returns; far below it, the critic is still climbing and Q - V is mostly its transient error.
//
//   G_i = r_i + gamma * G_{i+1}    when row i continues into row i + 1
//   G_i = r_i                      at the last row of an episode
//
// Episodes are recovered from the rows themselves: row i continues into row i + 1 when it is not
// terminal and its next observation equals row i + 1's observation bit for bit (D4RL-layout files keep
// an episode's rows together; the rows dropped at time limits break the chain there). An episode that
// ends at a time limit is not bootstrapped, so its last rows' returns fall short of their value; over
// 1000-step episodes at gamma 0.99 that touches the last few hundred rows of each.
#pragma once

#include <torch/torch.h>

#include "datasets/transition_set.h"

namespace grl::datasets {

// G_i for every row of `transitions` (any device; computed on the CPU), as [N] float64 on the CPU.
// Throws std::invalid_argument for a discount outside [0, 1].
torch::Tensor discounted_returns(const TransitionSet& transitions, double discount);

}  // namespace grl::datasets
