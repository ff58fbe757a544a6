// The offline baselines of grl_baselines by name: "bc", "iql", "td3_bc", "cql" and the generative-policy
// baselines "idql", "sfbc", "diffusion_ql", "srpo", "qgpo". They register through the plugin API
// (plugin/grl_plugin.h), exactly as an out-of-tree plugin does. grl_algorithms cannot list them
// (dependencies point from baselines to algorithms), so whoever looks algorithms up adds them first:
// apps/main.cpp at the start of main(), the baselines tests before they parse run configs.
#pragma once

#include "plugin/grl_plugin.h"

namespace grl::baselines {

// Stages every baseline on `registrar`: the body of a plugin's registration function.
void register_baselines(plugin::PluginRegistrar& registrar);

// Adds them to training::algorithm_registry() once per process (source "built-in baselines");
// later calls do nothing.
void ensure_baselines_registered();

}  // namespace grl::baselines
