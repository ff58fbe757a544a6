// GenerativePolicy: sampling (fast and plain paths, K per state), autograd, save/load, config errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "algorithms/generative/sampling.h"
#include "algorithms/generative_policy.h"
#include "common/config.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

GenerativePolicyConfig small_config(const std::string& path, const std::string& model_type = "velocity") {
  GenerativePolicyConfig c;
  c.path = path;
  c.model_type = model_type;
  c.loss = model_type == "velocity" ? "flow_matching" : "score_matching";
  c.network.hidden = {64, 32, 16};
  return c;
}

// A network whose velocity is the condition itself: along a flow path the Euler solver then moves
// every sample by exactly its own state, x(1) = x(0) + state, which exposes any mis-pairing.
class ConditionVelocityImpl : public networks::GenerativeNetworkImpl {
 public:
  ConditionVelocityImpl(int64_t a, int64_t s) : GenerativeNetworkImpl(a, s) {}
  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) override {
    return c.clone();
  }
};

void register_condition_velocity() {
  auto& registry = networks::generative_network_registry();
  if (registry.contains("test_condition_velocity")) return;
  registry.add("test_condition_velocity", [](const networks::GenerativeNetworkConfig&, int64_t a, int64_t s) {
    return networks::GenerativeNetwork(
        std::shared_ptr<networks::GenerativeNetworkImpl>(std::make_shared<ConditionVelocityImpl>(a, s)));
  });
}

TEST(PolicyGenerativePolicy, ActAndSampleShapes) {
  torch::manual_seed(0);
  GenerativePolicy policy(small_config("gvp"), 5, 3);
  torch::NoGradGuard no_grad;
  EXPECT_EQ(policy->act(torch::randn({4, 5})).sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(policy->sample(torch::randn({4, 5}), 7).sizes(), (std::vector<int64_t>{4, 7, 3}));
  EXPECT_THROW(policy->act(torch::randn({4, 6})), std::invalid_argument);
  EXPECT_THROW(policy->sample(torch::randn({4, 5}), 0), std::invalid_argument);
}

TEST(PolicyGenerativePolicy, EverySampleKeepsItsOwnState) {
  register_condition_velocity();
  GenerativePolicyConfig config = small_config("icfm");
  config.network.name = "test_condition_velocity";
  GenerativePolicy policy(config, 2, 2);
  // States far apart: 100 b in both coordinates.
  const auto states = torch::arange(0, 6, torch::kFloat32).mul(100).unsqueeze(1).repeat({1, 2});
  for (bool grad : {false, true}) {  // the fast path and the core sampler
    torch::AutoGradMode mode(grad);
    torch::manual_seed(1);
    const auto samples = policy->sample(states, 5);  // [6, 5, 2]
    // sample[b, k] = noise + state b: the residuals are standard normal draws, never 100 away.
    const auto residual = samples - states.unsqueeze(1);
    EXPECT_LT(residual.abs().max().item<float>(), 6.0f) << "grad " << grad;
    // The same noise drawn directly shows the exact map x(1) = x(0) + state.
    torch::manual_seed(1);
    const auto noise = torch::randn({30, 2});
    EXPECT_TRUE(torch::allclose(samples.view({30, 2}), noise + states.repeat_interleave(5, 0), 1e-4, 1e-4));
  }
}

// The fast Euler path (precomputed embeddings, no autograd) against the generative core's sampler
// driving the plain forward(), from the same noise: the published residual net, S = 17, A = 6.
void expect_fast_equals_core(const std::string& path, const std::string& model_type) {
  torch::manual_seed(2);
  GenerativePolicyConfig config;
  config.path = path;
  config.model_type = model_type;
  config.loss = model_type == "velocity" ? "flow_matching" : "score_matching";
  GenerativePolicy policy(config, 17, 6);
  const auto states = torch::randn({9, 17}), noise = torch::randn({9, 6});
  c10::InferenceMode inference;
  const auto fast = policy->sample_from_noise(states, noise);
  const auto core = generative::sample(policy->path(), policy->model_function(), noise, states, policy->sampler_options());
  const float scale = 1.0f + core.abs().max().item<float>();
  EXPECT_LT((fast - core).abs().max().item<float>() / scale, 1e-5) << path << " " << model_type;
}

TEST(PolicyGenerativePolicy, FastEulerPathEqualsTheCoreSampler) {
  expect_fast_equals_core("gvp", "velocity");
  expect_fast_equals_core("icfm", "velocity");
  expect_fast_equals_core("vpsde", "noise");  // conversion to velocity at every step
  expect_fast_equals_core("linear", "data");
}

TEST(PolicyGenerativePolicy, SamplingIsDifferentiableWithAutograd) {
  torch::manual_seed(3);
  GenerativePolicy policy(small_config("gvp"), 4, 2);
  const auto states = torch::randn({3, 4});
  const auto noise = torch::randn({3, 2}, torch::requires_grad());
  const auto actions = policy->sample_from_noise(states, noise);
  ASSERT_TRUE(actions.requires_grad());
  actions.pow(2).sum().backward();
  EXPECT_GT(noise.grad().abs().sum().item<float>(), 0.0f);
  int with_gradient = 0;
  for (const auto& p : policy->parameters()) with_gradient += p.grad().defined() && p.grad().abs().sum().item<float>() > 0;
  EXPECT_GT(with_gradient, 0);
  // With autograd the plain path runs; without it the fast path; both give the same actions.
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(actions.detach(), policy->sample_from_noise(states, noise.detach()), 1e-5, 1e-5));
}

TEST(PolicyGenerativePolicy, SaveLoadRoundTripGivesIdenticalActions) {
  testing::TempDir dir;
  torch::manual_seed(4);
  GenerativePolicyConfig config = small_config("vpsde", "noise");
  config.beta1 = 15.0;
  config.grid_points = 12;
  GenerativePolicy policy(config, 5, 3);
  const auto file = dir / "policy.pt";
  policy->save(file);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(dir / "policy.pt.tmp"));
  torch::manual_seed(99);  // a different seed would draw different weights if load() re-initialised them
  GenerativePolicy loaded = load_generative_policy(file);
  EXPECT_EQ(config::to_yaml(loaded->config()), config::to_yaml(config));
  EXPECT_EQ(loaded->state_dim(), 5);
  EXPECT_EQ(loaded->action_dim(), 3);
  const auto buffers = policy->named_buffers(), loaded_buffers = loaded->named_buffers();
  ASSERT_EQ(buffers.size(), loaded_buffers.size());
  for (const auto& b : buffers) EXPECT_TRUE(torch::equal(b.value(), loaded_buffers[b.key()])) << b.key();
  const auto states = torch::randn({6, 5});
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(123);
  auto generator_again = at::detail::createCPUGenerator(123);
  EXPECT_TRUE(torch::equal(policy->act(states, generator), loaded->act(states, generator_again)));
}

TEST(PolicyGenerativePolicy, LoadErrorsNameTheFile) {
  testing::TempDir dir;
  auto message = [](const std::filesystem::path& file) -> std::string {
    try {
      load_generative_policy(file);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  };
  const auto missing = dir / "missing.pt";
  EXPECT_NE(message(missing).find("'" + missing.string() + "' does not exist"), std::string::npos);
  const auto garbage = dir.write("garbage.pt", "not a torch archive");
  EXPECT_NE(message(garbage).find("'" + garbage.string() + "' is not a LibTorch archive"), std::string::npos)
      << message(garbage);
  // A LibTorch archive that is not a policy.
  const auto other = dir / "other.pt";
  {
    torch::serialize::OutputArchive archive;
    archive.write("weights", torch::ones({2}));
    archive.save_to(other.string());
  }
  EXPECT_NE(message(other).find("is not a generative policy"), std::string::npos) << message(other);
}

TEST(PolicyGenerativePolicy, ConfigFromYamlAndInconsistentSettings) {
  const auto c = config::parse<GenerativePolicyConfig>(config::load_text(
      "path: icfm\nsolver: rk4\ngrid_points: 8\nnetwork:\n  name: mlp\n  hidden: [16, 16]\n", "policy.yaml"));
  EXPECT_EQ(c.path, "icfm");
  EXPECT_EQ(c.solver, "rk4");
  EXPECT_EQ(c.network.hidden, (std::vector<int>{16, 16}));
  EXPECT_THROW(config::parse<GenerativePolicyConfig>(config::load_text("path: ddpm\n", "p.yaml")), config::ConfigError);
  EXPECT_THROW(config::parse<GenerativePolicyConfig>(config::load_text("grid_point: 3\n", "p.yaml")), config::ConfigError);
  GenerativePolicyConfig bad = small_config("otcfm");
  bad.model_type = "score";
  try {
    GenerativePolicy policy(bad, 2, 2);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("flow path 'otcfm' needs model_type velocity"), std::string::npos) << e.what();
  }
  GenerativePolicyConfig dpm = small_config("icfm");
  dpm.solver = "dpm_solver";
  EXPECT_THROW(GenerativePolicy(dpm, 2, 2), std::invalid_argument);
}

TEST(PolicyGenerativePolicy, OtherSolversAndLossRun) {
  torch::manual_seed(5);
  for (const std::string solver : {"heun", "rk4", "dopri5", "sde", "dpm_solver"}) {
    GenerativePolicyConfig config = small_config("vpsde", "noise");
    config.solver = solver;
    config.grid_points = 6;
    config.rtol = config.atol = 1e-3;
    GenerativePolicy policy(config, 3, 2);
    torch::NoGradGuard no_grad;
    const auto a = policy->act(torch::randn({4, 3}));
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4, 2})) << solver;
    EXPECT_TRUE(torch::isfinite(a).all().item<bool>()) << solver;
  }
  GenerativePolicy policy(small_config("otcfm"), 3, 2);
  const auto per_sample = policy->loss_per_sample(torch::randn({8, 2}), torch::randn({8, 3}));
  EXPECT_EQ(per_sample.sizes(), (std::vector<int64_t>{8}));
  EXPECT_TRUE(per_sample.requires_grad());
}

TEST(PolicyGenerativePolicy, CopyWeightsMakesAnIdenticalPolicy) {
  torch::manual_seed(6);
  GenerativePolicy a(small_config("gvp"), 3, 2);
  GenerativePolicy b(small_config("gvp"), 3, 2);
  const auto states = torch::randn({4, 3}), noise = torch::randn({4, 2});
  torch::NoGradGuard no_grad;
  EXPECT_FALSE(torch::equal(a->sample_from_noise(states, noise), b->sample_from_noise(states, noise)));
  copy_policy_weights(*a, *b);
  EXPECT_TRUE(torch::equal(a->sample_from_noise(states, noise), b->sample_from_noise(states, noise)));
}

TEST(PolicyGenerativePolicy, RunsOnCudaWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(7);
  GenerativePolicy policy(GenerativePolicyConfig{}, 17, 6);
  const auto states = torch::randn({5, 17}), noise = torch::randn({5, 6});
  torch::NoGradGuard no_grad;
  const auto cpu = policy->sample_from_noise(states, noise);
  policy->to(torch::kCUDA);
  EXPECT_EQ(policy->device().type(), torch::kCUDA);
  const auto cuda = policy->sample_from_noise(states.cuda(), noise.cuda());
  EXPECT_TRUE(torch::allclose(cuda.cpu(), cpu, 1e-4, 1e-4));
  EXPECT_EQ(policy->act(states.cuda()).device().type(), torch::kCUDA);
}

}  // namespace
}  // namespace grl
