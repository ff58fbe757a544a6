// The action-distribution panel: K actions sampled from the policy in the current state, shown as a
// histogram per action dimension and a 2-D scatter of two chosen dimensions, with a comparison set
// (the dataset's actions in the nearest states, or the behaviour model's samples) drawn beside them
// in another colour.
#pragma once

#include <string>
#include <vector>

namespace grl::viewer {

// Counts of values[i * stride + offset] in `bins` equal bins over [lo, hi]; values outside are put
// into the first or last bin (actions are clipped to [-1, 1] anyway).
std::vector<int> histogram_counts(const std::vector<float>& values, int stride, int offset, int bins, float lo,
                                  float hi);

struct ActionDistribution {
  int act_dim = 0;
  std::vector<float> samples;     // [K, act_dim]
  std::vector<float> comparison;  // [M, act_dim], may be empty
  std::string comparison_label;
  double seconds = 0;             // how long the worker took
};

class ActionDistributionPanel {
 public:
  // Draws inside the current ImGui window.
  void draw(const ActionDistribution& distribution);

  int x_dim = 0;
  int y_dim = 1;
  int bins = 21;
};

}  // namespace grl::viewer
