// Adding a batch of algorithms all or nothing, and remembering where each came from. Plugins and
// the built-in baselines both register through here (plugin/grl_plugin.h's PluginRegistrar), so a
// plugin that takes a name twice or throws halfway leaves the registry as it was.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plugin/grl_plugin.h"

namespace grl::plugin {

// Runs `register_function` against a staging registrar, then adds everything it staged to
// training::algorithm_registry() under `source` ("built-in baselines", a plugin's file). Returns the
// names added. Throws RegistryError, naming `source` and the name, when a name is empty, staged twice
// or already registered; rethrows what `register_function` threw. Either way nothing is added.
std::vector<std::string> register_algorithms(const std::string& source,
                                             const std::function<void(PluginRegistrar&)>& register_function);

// Where `name` came from: the source given to register_algorithms, or "built-in" for the algorithms
// grl_algorithms adds itself (GMPO, GMPG).
std::string algorithm_source(const std::string& name);

}  // namespace grl::plugin
