// Algorithms by name. Built-in algorithms and plugins register the same way:
//
//   registry.add("gmpo", grl::training::algorithm_factory<GmpoConfig, Gmpo>(),
//                "GMPO: advantage-weighted generative policy");
//
// where GmpoConfig is a config struct (visit pattern, common/config.h) and Gmpo derives from
// Algorithm with a constructor Gmpo(const GmpoConfig&, const AlgorithmContext&).
//
// Static registration objects would be dropped by the linker from a static library nobody
// references, so built-ins are added explicitly on first use of the registry:
// algorithms/training/builtin_algorithms.cpp lists them (one line per algorithm).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "algorithms/training/algorithm.h"
#include "common/config.h"
#include "common/registry.h"
#include "datasets/reward_scaling.h"
#include "datasets/transition_set.h"
#include "envs/env_catalog.h"

namespace grl::training {

// Any algorithm's config struct behind one interface, so a run config can hold it as a section.
class AlgorithmConfig {
 public:
  virtual ~AlgorithmConfig() = default;
  virtual void visit(config::Reader& reader) = 0;
  virtual void visit(config::Writer& writer) = 0;
};

template <class Config>
class TypedAlgorithmConfig : public AlgorithmConfig {
 public:
  Config value;
  void visit(config::Reader& reader) override { value.visit(reader); }
  void visit(config::Writer& writer) override { value.visit(writer); }
};

// What an algorithm is built with: the data it trains on (already on `device`, rewards already
// scaled as the run config asked), the env it is scored in, the device, the run seed and the reward
// scaling that was applied (temperature rules read it: algorithms/training/temperature_rule.h).
struct AlgorithmContext {
  const datasets::TransitionSet* data = nullptr;
  envs::EnvSpec env;
  torch::Device device = torch::kCPU;
  std::uint64_t seed = 0;
  datasets::RewardScaling reward_scaling;
};

struct AlgorithmFactory {
  std::function<std::unique_ptr<AlgorithmConfig>()> make_config;  // defaults
  std::function<std::unique_ptr<Algorithm>(const AlgorithmConfig&, const AlgorithmContext&)> make;
};

template <class Config, class Algo>
AlgorithmFactory algorithm_factory() {
  AlgorithmFactory factory;
  factory.make_config = [] { return std::make_unique<TypedAlgorithmConfig<Config>>(); };
  factory.make = [](const AlgorithmConfig& config, const AlgorithmContext& context) -> std::unique_ptr<Algorithm> {
    const auto* typed = dynamic_cast<const TypedAlgorithmConfig<Config>*>(&config);
    if (!typed) throw RegistryError("algorithm config of the wrong type passed to an algorithm factory");
    return std::make_unique<Algo>(typed->value, context);
  };
  return factory;
}

// The registry, with the built-in algorithms already added.
Registry<AlgorithmFactory>& algorithm_registry();

// Adds the algorithms of grl_algorithms (builtin_algorithms.cpp).
void register_builtin_algorithms(Registry<AlgorithmFactory>& registry);

}  // namespace grl::training
