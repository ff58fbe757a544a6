// The generic name -> factory registry and the network registry built on it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "algorithms/networks/generative_network.h"
#include "algorithms/networks/residual_net.h"
#include "common/config.h"
#include "common/registry.h"

namespace grl {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RegistryError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NetworksRegistry, AddsAndFindsFactoriesByName) {
  Registry<std::function<int(int)>> solvers("solver");
  solvers.add("double", [](int x) { return 2 * x; }, "times two");
  solvers.add("square", [](int x) { return x * x; });
  EXPECT_EQ(solvers.get("double")(21), 42);
  EXPECT_EQ(solvers.get("square")(5), 25);
  EXPECT_EQ(solvers.entry("double").help, "times two");
  EXPECT_TRUE(solvers.contains("square"));
  EXPECT_FALSE(solvers.contains("cube"));
  EXPECT_EQ(solvers.names(), (std::vector<std::string>{"double", "square"}));
}

TEST(NetworksRegistry, UnknownNameListsKnownNamesAndSuggests) {
  Registry<std::function<int()>> solvers("solver");
  solvers.add("euler", [] { return 1; });
  solvers.add("heun", [] { return 2; });
  EXPECT_EQ(error_of([&] { solvers.get("eulr"); }),
            "unknown solver 'eulr' (did you mean 'euler'?); known solvers: euler, heun");
  EXPECT_EQ(error_of([&] { solvers.get("dopri"); }), "unknown solver 'dopri'; known solvers: euler, heun");
  Registry<std::function<int()>> empty("path");
  EXPECT_EQ(error_of([&] { empty.get("gvp"); }), "unknown path 'gvp'; known paths: (none registered)");
}

TEST(NetworksRegistry, DuplicateAndEmptyNamesAreErrors) {
  Registry<std::function<int()>> solvers("solver");
  solvers.add("euler", [] { return 1; });
  const std::string message = error_of([&] { solvers.add("euler", [] { return 2; }); });
  EXPECT_NE(message.find("a solver named 'euler' is already registered"), std::string::npos) << message;
  EXPECT_NE(message.find("known solvers: euler"), std::string::npos) << message;
  EXPECT_EQ(solvers.get("euler")(), 1);  // the first registration is kept
  EXPECT_NE(error_of([&] { solvers.add("", [] { return 3; }); }).find("empty name"), std::string::npos);
}

TEST(NetworksRegistry, BuiltInBackbonesAreSelectableByName) {
  auto& registry = networks::generative_network_registry();
  EXPECT_TRUE(registry.contains("temporal_spatial_residual"));
  EXPECT_TRUE(registry.contains("mlp"));
  networks::GenerativeNetworkConfig config;
  config.hidden = {64, 32, 16};
  auto residual = networks::make_generative_network(config, 2, 3);
  EXPECT_NE(dynamic_cast<networks::TemporalSpatialResidualNetImpl*>(residual.get()), nullptr);
  EXPECT_EQ(residual->action_dim(), 2);
  EXPECT_EQ(residual->state_dim(), 3);
  config.name = "resnet";
  const std::string message = error_of([&] { networks::make_generative_network(config, 2, 3); });
  EXPECT_NE(message.find("unknown network 'resnet'"), std::string::npos) << message;
  EXPECT_NE(message.find("mlp, temporal_spatial_residual"), std::string::npos) << message;
}

// A user backbone registered at run time is then accepted by the config and built by name.
class ZeroNetworkImpl : public networks::GenerativeNetworkImpl {
 public:
  ZeroNetworkImpl(int64_t a, int64_t s) : GenerativeNetworkImpl(a, s) {}
  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) override {
    return torch::zeros_like(x);
  }
};

TEST(NetworksRegistry, UserBackbonesPlugIn) {
  auto& registry = networks::generative_network_registry();
  if (!registry.contains("test_zero")) {
    registry.add("test_zero", [](const networks::GenerativeNetworkConfig&, int64_t a, int64_t s) {
      return networks::GenerativeNetwork(std::shared_ptr<networks::GenerativeNetworkImpl>(std::make_shared<ZeroNetworkImpl>(a, s)));
    });
  }
  const auto config = config::parse<networks::GenerativeNetworkConfig>(config::load_text("name: test_zero\n", "net.yaml"));
  auto net = networks::make_generative_network(config, 3, 0);
  EXPECT_TRUE(torch::equal(net->forward(torch::rand({2}), torch::ones({2, 3}), torch::Tensor()), torch::zeros({2, 3})));
}

TEST(NetworksRegistry, ConfigRejectsUnknownBackboneWithFileAndLine) {
  auto source = config::load_text("hidden: [8]\nname: transformer\n", "policy.yaml");
  try {
    config::parse<networks::GenerativeNetworkConfig>(source);
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("policy.yaml line 2: key 'name'"), std::string::npos) << message;
    EXPECT_NE(message.find("'transformer' is not one of"), std::string::npos) << message;
    EXPECT_NE(message.find("temporal_spatial_residual"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace grl
