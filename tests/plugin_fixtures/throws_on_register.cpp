// A plugin whose registration throws after staging a name: grl reports the exception and registers
// nothing.
#include <stdexcept>

#include "plugin/grl_plugin.h"

namespace {
void register_then_throw(grl::plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("fixture_never", grl::training::AlgorithmFactory{}, "never registered");
  throw std::runtime_error("fixture refuses to register");
}
}  // namespace

GRL_PLUGIN("fixture-throws", register_then_throw)
