// Conversions between score, noise, velocity and data predictions: all 16 pairs round-trip, and they
// map the exact predictions of a Gaussian mixture onto one another.
#include "algorithms/generative/conversions.h"

#include "generative_test_models.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grl::generative {
namespace {

const std::vector<ModelType> kTypes = {ModelType::score, ModelType::noise, ModelType::velocity, ModelType::data};

void check_RoundTripForAllSixteenPairs(const std::string& param) {
  const DiffusionPathPtr path = make_diffusion_path(param);
  torch::manual_seed(1);
  const torch::Tensor t = torch::linspace(0.05, 0.95, 16, torch::kFloat64);
  const torch::Tensor x = torch::randn({16, 3}, torch::kFloat64);
  const torch::Tensor m = torch::randn({16, 3}, torch::kFloat64);
  for (const ModelType from : kTypes) {
    for (const ModelType to : kTypes) {
      SCOPED_TRACE(to_string(from) + " -> " + to_string(to));
      const torch::Tensor there = convert(from, to, m, t, x, *path);
      EXPECT_EQ(there.sizes(), m.sizes());
      const torch::Tensor back = convert(to, from, there, t, x, *path);
      EXPECT_TRUE(torch::allclose(back, m, 1e-9, 1e-9)) << (back - m).abs().max().item<double>();
      if (from == to) {
        EXPECT_TRUE(there.is_same(m));
      }
    }
  }
}

void check_MapExactGaussianMixturePredictionsOntoEachOther(const std::string& param) {
  const DiffusionPathPtr path = make_diffusion_path(param);
  const testing::GaussianMixture mixture = testing::mixture_2d();
  torch::manual_seed(2);
  const torch::Tensor t = torch::linspace(0.05, 0.95, 32, torch::kFloat64);
  const torch::Tensor x = 2.0 * torch::randn({32, 2}, torch::kFloat64);
  for (const ModelType from : kTypes) {
    const torch::Tensor m_from = mixture.diffusion_model(path, from)(t, x, {});
    for (const ModelType to : kTypes) {
      SCOPED_TRACE(to_string(from) + " -> " + to_string(to));
      const torch::Tensor expected = mixture.diffusion_model(path, to)(t, x, {});
      const torch::Tensor got = convert(from, to, m_from, t, x, *path);
      EXPECT_TRUE(torch::allclose(got, expected, 1e-8, 1e-8)) << (got - expected).abs().max().item<double>();
    }
  }
}

TEST(CoreConversions, RoundTripForAllSixteenPairs) {
  for (const std::string param : {"vpsde", "gvp", "linear"}) {
    SCOPED_TRACE(param);
    check_RoundTripForAllSixteenPairs(param);
  }
}

TEST(CoreConversions, MapExactGaussianMixturePredictionsOntoEachOther) {
  for (const std::string param : {"vpsde", "gvp", "linear"}) {
    SCOPED_TRACE(param);
    check_MapExactGaussianMixturePredictionsOntoEachOther(param);
  }
}

TEST(CoreConversions, ScoreToDataIsTweediesFormula) {
  // The reference framework's score -> data and data -> velocity differ from the exact ones; make sure
  // the exact Gaussian predictions would expose such a mistake (the correct formula passes above).
  const DiffusionPathPtr path = make_diffusion_path("vpsde");
  const testing::GaussianMixture mixture = testing::mixture_1d();
  const torch::Tensor t = torch::full({4}, 0.4, torch::kFloat64);
  const torch::Tensor x = torch::linspace(-2, 2, 4, torch::kFloat64).reshape({4, 1});
  const torch::Tensor score = mixture.diffusion_model(path, ModelType::score)(t, x, {});
  const torch::Tensor data = mixture.diffusion_model(path, ModelType::data)(t, x, {});
  const torch::Tensor s = path->s(t).reshape({4, 1}), sigma = path->sigma(t).reshape({4, 1});
  // Tweedie: E[x0 | x] = (x + sigma^2 score)/s; dropping the 1/s (or squaring sigma wrongly) breaks it.
  EXPECT_TRUE(torch::allclose((x + sigma * sigma * score) / s, data, 1e-10, 1e-10));
  EXPECT_FALSE(torch::allclose(x + sigma * sigma * score, data, 1e-3, 1e-3));
  EXPECT_TRUE(torch::allclose(convert(ModelType::score, ModelType::data, score, t, x, *path), data, 1e-10, 1e-10));
}

TEST(CoreConversions, BroadcastTime) {
  const torch::Tensor x = torch::zeros({5, 2, 3});
  EXPECT_EQ(broadcast_time(torch::zeros({5}), x).sizes(), torch::IntArrayRef({5, 1, 1}));
  EXPECT_EQ(broadcast_time(torch::zeros({}), x).dim(), 0);
}

TEST(CoreModelTypeNames, ParseAndPrint) {
  for (const ModelType type : kTypes) EXPECT_EQ(parse_model_type(to_string(type)), type);
  EXPECT_EQ(parse_model_type("eps"), ModelType::noise);
  EXPECT_EQ(parse_model_type("x0"), ModelType::data);
  EXPECT_THROW(parse_model_type("epsilon"), std::invalid_argument);
}

}  // namespace
}  // namespace grl::generative
