// The bf16 inference path: the rounding against c10::BFloat16, the AVX512-BF16 dense kernel against a
// double-precision sum over the bf16-rounded operands (every row-pass shape, tails of outputs and inputs,
// strides, accumulation), the residual net prepared at bf16 against float32, the repacking after a
// weight update, the precision scope and its errors. Kernel tests skip on CPUs without AVX512-BF16.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <c10/util/BFloat16.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "algorithms/networks/bf16_kernels.h"
#include "algorithms/networks/inference_precision.h"
#include "algorithms/networks/residual_net.h"

namespace grl::networks {
namespace {

float from_bf16(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

TEST(Bf16Kernels, RoundingEqualsTorchBFloat16) {
  std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.0f, 3.14159265f, 1e-40f, -2.5e-39f, 65504.0f, 3.4e38f,
                               std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  // Ties: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7 and rounds to the even 1; 1 + 3 * 2^-8 rounds up.
  values.push_back(1.0f + std::ldexp(1.0f, -8));
  values.push_back(1.0f + 3.0f * std::ldexp(1.0f, -8));
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 10.0f);
  for (int i = 0; i < 10000; ++i) values.push_back(normal(rng));
  for (float v : values) {
    const c10::BFloat16 expected(v);
    ASSERT_EQ(bf16::round_to_bf16(v), expected.x) << "value " << v;
  }
  EXPECT_EQ(from_bf16(bf16::round_to_bf16(1.0f + std::ldexp(1.0f, -8))), 1.0f);
  EXPECT_EQ(from_bf16(bf16::round_to_bf16(1.0f + 3.0f * std::ldexp(1.0f, -8))), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_TRUE(std::isnan(from_bf16(bf16::round_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}

struct DenseCase {
  int64_t out, in, rows;
};

void expect_dense_matches_bf16_reference(const DenseCase& c, bool accumulate, bool with_bias) {
  std::mt19937 rng(static_cast<unsigned>(c.out * 1000 + c.in * 10 + c.rows));
  std::normal_distribution<float> normal;
  const int64_t x_stride = c.in + 3, y_stride = c.out + 5;  // slices of wider buffers
  std::vector<float> w(c.out * c.in), b(c.out), x(c.rows * x_stride), y(c.rows * y_stride);
  for (auto* v : {&w, &b, &x, &y}) {
    for (float& a : *v) a = normal(rng);
  }
  const std::vector<float> y_before = y;
  const bf16::PackedMatrix packed = bf16::pack(w.data(), c.out, c.in);
  bf16::dense(packed, with_bias ? b.data() : nullptr, x.data(), x_stride, c.rows, y.data(), y_stride, accumulate);
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t o = 0; o < c.out; ++o) {
      double expected = (accumulate ? y_before[r * y_stride + o] : 0.0) + (with_bias ? b[o] : 0.0), magnitude = 0;
      for (int64_t k = 0; k < c.in; ++k) {
        const double term = static_cast<double>(from_bf16(bf16::round_to_bf16(w[o * c.in + k]))) *
                            from_bf16(bf16::round_to_bf16(x[r * x_stride + k]));
        expected += term;
        magnitude += std::abs(term);
      }
      // Only the float32 sums' rounding remains: about 2^-24 per term, so 1e-5 of the terms' sizes.
      ASSERT_NEAR(y[r * y_stride + o], expected, 1e-5 * (2.0 + magnitude))
          << "out " << c.out << " in " << c.in << " rows " << c.rows << " at (" << r << ", " << o << ")";
    }
    for (int64_t o = c.out; o < y_stride; ++o) ASSERT_EQ(y[r * y_stride + o], y_before[r * y_stride + o]);
  }
}

TEST(Bf16Kernels, DenseEqualsDoubleSumOfRoundedOperandsForEveryPassShape) {
  if (!bf16_kernels_available()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  // 1-6 rows are one pass each; 7-13 two passes (10 as 5 + 5); 100 rows seventeen.
  for (int64_t rows : {1, 2, 3, 4, 5, 6, 7, 10, 13, 16, 100}) {
    for (const auto& [out, in] : std::vector<std::pair<int64_t, int64_t>>{{512, 512}, {6, 640}, {17, 21}, {130, 7}}) {
      expect_dense_matches_bf16_reference({out, in, rows}, false, true);
    }
  }
}

TEST(Bf16Kernels, OddInputsAccumulationAndMissingBias) {
  if (!bf16_kernels_available()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  // Inputs past the last 32: 1-7, 16 (one masked half), 17 and 31 (both halves).
  for (int64_t in : {1, 3, 6, 7, 48, 49, 63}) expect_dense_matches_bf16_reference({517, in, 5}, false, true);
  expect_dense_matches_bf16_reference({64, 6, 3}, true, true);
  expect_dense_matches_bf16_reference({64, 40, 9}, true, false);
  expect_dense_matches_bf16_reference({3, 1024, 16}, false, false);
}

// The published network (S = 17, A = 6) prepared at bf16 against the same net in float32: close, as
// bfloat16's 8-bit mantissa allows, and not equal (so the bf16 kernels really ran).
TEST(Bf16Kernels, PreparedResidualNetIsCloseToFloat32) {
  if (!bf16_kernels_available()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  torch::manual_seed(5);
  TemporalSpatialResidualNet net(6, 17);
  const auto times = torch::linspace(0, 1, 32).narrow(0, 0, 31);
  torch::NoGradGuard no_grad;
  for (int64_t batch : {1, 10, 40}) {
    const auto c = torch::randn({batch, 17});
    auto fp32 = net->prepare(times, c);
    std::unique_ptr<PreparedNetwork> bf16;
    {
      const ScopedInferencePrecision precision(InferencePrecision::bf16);
      bf16 = net->prepare(times, c);
    }
    for (int64_t i : {0, 15, 30}) {
      const auto x = torch::randn({batch, 6});
      const auto expected = (*fp32)(i, x);
      const auto actual = (*bf16)(i, x);
      const double error = (actual - expected).abs().max().item<double>() / (1.0 + expected.abs().max().item<double>());
      EXPECT_LT(error, 2e-2) << "batch " << batch << " grid index " << i;
      EXPECT_GT(error, 1e-6) << "batch " << batch << " grid index " << i << ": bf16 gave float32's numbers";
    }
  }
}

TEST(Bf16Kernels, WeightUpdatesArePackedAgain) {
  if (!bf16_kernels_available()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  torch::manual_seed(6);
  GenerativeNetworkConfig config;
  config.hidden = {64, 32};
  TemporalSpatialResidualNet net(3, 5, config);
  const auto times = torch::linspace(0, 1, 4), c = torch::randn({2, 5}), x = torch::randn({2, 3});
  torch::NoGradGuard no_grad;
  const ScopedInferencePrecision precision(InferencePrecision::bf16);
  const auto first = net->bf16_weights();
  EXPECT_EQ(net->bf16_weights(), first) << "unchanged weights are packed once";
  const auto before = (*net->prepare(times, c))(1, x);
  net->last->weight.mul_(2.0);  // an optimiser's in-place step
  EXPECT_NE(net->bf16_weights(), first);
  const auto after = (*net->prepare(times, c))(1, x);
  // The last layer is linear: doubling its weight doubles the output less the bias.
  EXPECT_TRUE(torch::allclose(after - net->last->bias, 2 * (before - net->last->bias), 1e-5, 1e-5))
      << after << before;
}

TEST(Bf16Kernels, PrecisionScopeRestoresAndNamesBadValues) {
  EXPECT_EQ(current_inference_precision(), InferencePrecision::fp32);
  if (bf16_kernels_available()) {
    {
      const ScopedInferencePrecision precision(InferencePrecision::bf16);
      EXPECT_EQ(current_inference_precision(), InferencePrecision::bf16);
    }
    EXPECT_EQ(current_inference_precision(), InferencePrecision::fp32);
  } else {
    try {
      const ScopedInferencePrecision precision(InferencePrecision::bf16);
      FAIL() << "bf16 accepted on a CPU without AVX512-BF16";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("AVX512-BF16"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_inference_precision("bf16"), InferencePrecision::bf16);
  try {
    parse_inference_precision("fp16");
    FAIL() << "fp16 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown inference precision 'fp16' (expected fp32 or bf16)");
  }
}

TEST(Bf16Kernels, RefusesANetworkItCannotRun) {
  if (!bf16_kernels_available()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  TemporalSpatialResidualNet net(3, 5);
  net->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  const ScopedInferencePrecision precision(InferencePrecision::bf16);
  try {
    net->prepare(torch::linspace(0, 1, 4, torch::kFloat64), torch::randn({2, 5}, torch::kFloat64));
    FAIL() << "a float64 network prepared at bf16";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("need its float32 weights on the CPU"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::networks
