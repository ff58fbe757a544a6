// The offline baselines of grl_baselines by name: "bc", "iql", "td3_bc", "cql" and the generative-policy
// baselines "idql", "sfbc", "diffusion_ql", "srpo", "qgpo". grl_algorithms cannot list them
// (dependencies point from baselines to algorithms), so whoever looks algorithms up adds them first:
// apps/main.cpp at the start of main(), the baselines tests before they parse run configs.
#pragma once

#include "algorithms/training/algorithm_registry.h"
#include "common/registry.h"

namespace grl::baselines {

// Adds the baselines to `registry` (throws RegistryError if one of the names is taken).
void register_baselines(Registry<training::AlgorithmFactory>& registry);

// Adds them to training::algorithm_registry() once per process; later calls do nothing.
void ensure_baselines_registered();

}  // namespace grl::baselines
