// The few-row CPU kernels against double-precision loops: every tile shape (1 to 9 rows), inputs
// narrower than a vector, tails that are not multiples of 8, strides, accumulation, no bias; SiLU over
// its whole range including the clamp of its exponential and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "algorithms/networks/few_row_kernels.h"

namespace grl::networks::few_row {
namespace {

struct DenseCase {
  int64_t out, in, rows;
};

void expect_dense_matches_reference(const DenseCase& c, bool accumulate, bool with_bias) {
  std::mt19937 rng(static_cast<unsigned>(c.out * 1000 + c.in * 10 + c.rows));
  std::normal_distribution<float> normal;
  const int64_t x_stride = c.in + 3, y_stride = c.out + 5;  // slices of wider buffers
  std::vector<float> w(c.out * c.in), b(c.out), x(c.rows * x_stride), y(c.rows * y_stride);
  for (auto* v : {&w, &b, &x, &y}) {
    for (float& a : *v) a = normal(rng);
  }
  const std::vector<float> y_before = y;
  dense(w.data(), with_bias ? b.data() : nullptr, c.out, c.in, x.data(), x_stride, c.rows, y.data(), y_stride,
        accumulate);
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t o = 0; o < c.out; ++o) {
      double expected = (accumulate ? y_before[r * y_stride + o] : 0.0) + (with_bias ? b[o] : 0.0);
      for (int64_t k = 0; k < c.in; ++k) expected += static_cast<double>(w[o * c.in + k]) * x[r * x_stride + k];
      ASSERT_NEAR(y[r * y_stride + o], expected, 1e-4 * (1.0 + std::sqrt(static_cast<double>(c.in))))
          << "out " << c.out << " in " << c.in << " rows " << c.rows << " at (" << r << ", " << o << ")";
    }
    // Columns past `out` in each row belong to someone else and must be untouched.
    for (int64_t o = c.out; o < y_stride; ++o) ASSERT_EQ(y[r * y_stride + o], y_before[r * y_stride + o]);
  }
}

TEST(FewRowKernels, DenseEqualsDoubleReferenceForEveryTileShape) {
  for (int64_t rows = 1; rows <= 9; ++rows) {
    for (const auto& [out, in] : std::vector<std::pair<int64_t, int64_t>>{{512, 512}, {7, 64}, {13, 21}, {128, 8}}) {
      expect_dense_matches_reference({out, in, rows}, false, true);
    }
  }
}

TEST(FewRowKernels, NarrowInputsAccumulationAndMissingBias) {
  for (int64_t in : {1, 3, 6, 7}) expect_dense_matches_reference({517, in, 5}, false, true);
  expect_dense_matches_reference({64, 6, 3}, true, true);
  expect_dense_matches_reference({64, 40, 3}, true, false);
  expect_dense_matches_reference({3, 1024, 16}, false, false);
}

TEST(FewRowKernels, SiluMatchesTheFormulaOverItsRange) {
  std::vector<float> v;
  for (float a = -120.0f; a <= 120.0f; a += 0.37f) v.push_back(a);
  v.push_back(0.0f);
  v.push_back(-0.0f);
  const std::vector<float> input = v;
  silu(v.data(), 1, static_cast<int64_t>(v.size()), static_cast<int64_t>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double a = input[i], expected = a / (1.0 + std::exp(-a));
    ASSERT_NEAR(v[i], expected, 2e-6 * (1.0 + std::fabs(expected))) << "silu(" << a << ")";
  }
  float infinite = std::numeric_limits<float>::infinity();
  silu(&infinite, 1, 1, 1);
  EXPECT_EQ(infinite, std::numeric_limits<float>::infinity());
  float nan_row[9];
  for (float& a : nan_row) a = std::numeric_limits<float>::quiet_NaN();
  silu(nan_row, 1, 9, 9);
  for (float a : nan_row) EXPECT_TRUE(std::isnan(a));
}

TEST(FewRowKernels, SiluTouchesOnlyItsColumns) {
  std::vector<float> v(3 * 20, 2.0f);
  silu(v.data(), 3, 11, 20);
  const float s = 2.0f / (1.0f + std::exp(-2.0f));
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 20; ++c) EXPECT_NEAR(v[r * 20 + c], c < 11 ? s : 2.0f, 1e-6) << r << ", " << c;
  }
}

TEST(FewRowKernels, AddBroadcastsARowWithStrideZero) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6}, x = {10, 20};
  add(y.data(), 3, x.data(), 0, 2, 2);
  EXPECT_EQ(y, (std::vector<float>{11, 22, 3, 14, 25, 6}));
}

}  // namespace
}  // namespace grl::networks::few_row
