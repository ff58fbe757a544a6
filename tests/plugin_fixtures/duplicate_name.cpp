// A plugin that registers a fresh name and then one that is taken ("bc", a built-in baseline): grl
// must refuse the whole plugin, so "fixture_fresh" must not appear either.
#include "plugin/grl_plugin.h"

namespace {
void register_twice(grl::plugin::PluginRegistrar& registrar) {
  // Factories are never called: the plugin is refused before anything is registered.
  registrar.add_algorithm("fixture_fresh", grl::training::AlgorithmFactory{}, "fresh name");
  registrar.add_algorithm("bc", grl::training::AlgorithmFactory{}, "taken name");
}
}  // namespace

GRL_PLUGIN("fixture-duplicate-name", register_twice)
