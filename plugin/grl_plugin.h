// The plugin API: what a shared library needs to add algorithms to grl without touching its sources.
//
//   #include "plugin/grl_plugin.h"
//
//   void register_my_algorithms(grl::plugin::PluginRegistrar& registrar) {
//     registrar.add_algorithm<MyConfig, MyAlgorithm>("myalgo", "one line for `grl plugins`");
//   }
//   GRL_PLUGIN("my-plugin", register_my_algorithms)
//
// and `grl --plugin libmyalgo.so train --algo myalgo ...`. MyConfig is a config struct (the visit
// pattern of common/config.h); MyAlgorithm derives from training::Algorithm
// (algorithms/training/algorithm.h) with a constructor MyAlgorithm(const MyConfig&,
// const training::AlgorithmContext&). The trainer, checkpoints, evaluator and benchmark harness then
// treat it like a built-in one. docs/adding-an-algorithm.md walks through examples/plugin.
//
// The built-in baselines register through this same interface (baselines/register_baselines.cpp).
//
// A plugin is C++ code calling into grl, so it must be built with the same compiler family, C++
// standard library and LibTorch as the grl that loads it: find_package(GenerativeRLpp) supplies
// them. grl checks GRL_PLUGIN_API_VERSION and the LibTorch version at load time and refuses a plugin
// built for another one, with a message that says which.
#pragma once

#include <torch/version.h>

#include <string>
#include <utility>

#include "algorithms/training/algorithm_registry.h"

// Raised whenever anything a plugin can see changes incompatibly: the interfaces of this header,
// Algorithm, AlgorithmContext, the config Reader/Writer, CheckpointWriter/Reader, the trainer's
// context types.
#define GRL_PLUGIN_API_VERSION 1

namespace grl::plugin {

// What a plugin's registration function is handed. Additions are staged and applied together when
// the function returns: a plugin that fails halfway (a name already taken, an exception) registers
// nothing. Abstract, so that a plugin calls grl through the vtable and needs no registrar symbols.
class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;

  virtual void add_algorithm(const std::string& name, training::AlgorithmFactory factory,
                             const std::string& help) = 0;

  template <class Config, class Algo>
  void add_algorithm(const std::string& name, const std::string& help) {
    add_algorithm(name, training::algorithm_factory<Config, Algo>(), help);
  }
};

using RegisterFunction = void (*)(PluginRegistrar&);

}  // namespace grl::plugin

extern "C" {
// What grl reads first from a plugin, before calling any of its C++ code.
struct GrlPluginInfo {
  int api_version;            // GRL_PLUGIN_API_VERSION the plugin was compiled with
  const char* name;           // shown by `grl plugins`
  int torch_version_major;    // the LibTorch it was compiled against
  int torch_version_minor;
};
}

// Defines the two entry points grl looks up with dlsym: grl_plugin_info and grl_register_plugin.
#define GRL_PLUGIN(plugin_name, register_function)                                                   \
  extern "C" __attribute__((visibility("default"))) const GrlPluginInfo* grl_plugin_info() {          \
    static const GrlPluginInfo info{GRL_PLUGIN_API_VERSION, plugin_name, TORCH_VERSION_MAJOR,         \
                                    TORCH_VERSION_MINOR};                                            \
    return &info;                                                                                    \
  }                                                                                                  \
  extern "C" __attribute__((visibility("default"))) void grl_register_plugin(                        \
      ::grl::plugin::PluginRegistrar& registrar) {                                                   \
    register_function(registrar);                                                                    \
  }
