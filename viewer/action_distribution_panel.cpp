#include "viewer/action_distribution_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace grl::viewer {
namespace {

const ImU32 kSampleColour = IM_COL32(255, 150, 40, 255);      // policy samples: orange
const ImU32 kComparisonColour = IM_COL32(70, 150, 255, 255);  // comparison: blue

// [-1, 1] to a coordinate in [from, from + size].
float to_screen(float v, float from, float size) { return from + (std::clamp(v, -1.0f, 1.0f) + 1.0f) * 0.5f * size; }

void draw_histogram_pair(const std::vector<float>& samples, const std::vector<float>& comparison, int act_dim, int dim,
                         int bins, ImVec2 size) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##histogram", size);
  draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(30, 30, 36, 255));
  const std::vector<int> a = histogram_counts(samples, act_dim, dim, bins, -1.0f, 1.0f);
  const std::vector<int> b = histogram_counts(comparison, act_dim, dim, bins, -1.0f, 1.0f);
  // Each set is scaled to its own peak: the shapes are what is compared, and K and M may differ.
  const int peak_a = std::max(1, *std::max_element(a.begin(), a.end()));
  const int peak_b = b.empty() ? 1 : std::max(1, *std::max_element(b.begin(), b.end()));
  const float bar = size.x / static_cast<float>(bins);
  for (int i = 0; i < bins; ++i) {
    const float x0 = origin.x + i * bar;
    const float ha = size.y * static_cast<float>(a[i]) / peak_a;
    draw->AddRectFilled(ImVec2(x0 + 1, origin.y + size.y - ha), ImVec2(x0 + bar * 0.5f, origin.y + size.y), kSampleColour);
    if (!comparison.empty()) {
      const float hb = size.y * static_cast<float>(b[i]) / peak_b;
      draw->AddRectFilled(ImVec2(x0 + bar * 0.5f, origin.y + size.y - hb), ImVec2(x0 + bar - 1, origin.y + size.y),
                          kComparisonColour);
    }
  }
  // The zero line.
  const float zero = origin.x + size.x * 0.5f;
  draw->AddLine(ImVec2(zero, origin.y), ImVec2(zero, origin.y + size.y), IM_COL32(200, 200, 200, 80));
}

void draw_scatter(const ActionDistribution& d, int x_dim, int y_dim, float side) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##scatter", ImVec2(side, side));
  draw->AddRectFilled(origin, ImVec2(origin.x + side, origin.y + side), IM_COL32(30, 30, 36, 255));
  const float mid = side * 0.5f;
  draw->AddLine(ImVec2(origin.x + mid, origin.y), ImVec2(origin.x + mid, origin.y + side), IM_COL32(200, 200, 200, 60));
  draw->AddLine(ImVec2(origin.x, origin.y + mid), ImVec2(origin.x + side, origin.y + mid), IM_COL32(200, 200, 200, 60));
  auto points = [&](const std::vector<float>& values, ImU32 colour) {
    for (std::size_t i = 0; i + static_cast<std::size_t>(d.act_dim) <= values.size(); i += static_cast<std::size_t>(d.act_dim)) {
      const float x = to_screen(values[i + static_cast<std::size_t>(x_dim)], origin.x, side);
      // Screen y grows downwards; action values grow upwards.
      const float y = origin.y + side - (to_screen(values[i + static_cast<std::size_t>(y_dim)], 0, side));
      draw->AddCircleFilled(ImVec2(x, y), 2.5f, colour);
    }
  };
  points(d.comparison, kComparisonColour);
  points(d.samples, kSampleColour);
}

}  // namespace

std::vector<int> histogram_counts(const std::vector<float>& values, int stride, int offset, int bins, float lo,
                                  float hi) {
  std::vector<int> counts(static_cast<std::size_t>(std::max(bins, 1)), 0);
  if (stride <= 0 || offset < 0 || offset >= stride || hi <= lo) return counts;
  const float width = (hi - lo) / static_cast<float>(counts.size());
  for (std::size_t i = static_cast<std::size_t>(offset); i < values.size(); i += static_cast<std::size_t>(stride)) {
    const int bin = static_cast<int>((values[i] - lo) / width);
    ++counts[static_cast<std::size_t>(std::clamp(bin, 0, static_cast<int>(counts.size()) - 1))];
  }
  return counts;
}

void ActionDistributionPanel::draw(const ActionDistribution& d) {
  if (d.act_dim <= 0 || d.samples.empty()) {
    ImGui::TextDisabled("no samples yet");
    return;
  }
  const int k = static_cast<int>(d.samples.size()) / d.act_dim;
  ImGui::TextColored(ImVec4(1.0f, 0.59f, 0.16f, 1.0f), "policy: %d samples", k);
  if (!d.comparison.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.27f, 0.59f, 1.0f, 1.0f), "%s: %d", d.comparison_label.c_str(),
                       static_cast<int>(d.comparison.size()) / d.act_dim);
  }
  ImGui::Text("sampled in %.1f ms", d.seconds * 1000.0);
  ImGui::SliderInt("bins", &bins, 5, 61);
  const float width = ImGui::GetContentRegionAvail().x;
  for (int dim = 0; dim < d.act_dim; ++dim) {
    ImGui::PushID(dim);
    ImGui::Text("a%d", dim);
    ImGui::SameLine(40);
    draw_histogram_pair(d.samples, d.comparison, d.act_dim, dim, bins, ImVec2(std::max(60.0f, width - 40), 34));
    ImGui::PopID();
  }
  if (d.act_dim >= 2) {
    x_dim = std::clamp(x_dim, 0, d.act_dim - 1);
    y_dim = std::clamp(y_dim, 0, d.act_dim - 1);
    ImGui::SetNextItemWidth(100);
    ImGui::SliderInt("x dim", &x_dim, 0, d.act_dim - 1);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(100);
    ImGui::SliderInt("y dim", &y_dim, 0, d.act_dim - 1);
    draw_scatter(d, x_dim, y_dim, std::min(width, 260.0f));
  }
}

}  // namespace grl::viewer
