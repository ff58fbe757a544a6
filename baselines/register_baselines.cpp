#include "baselines/register_baselines.h"

#include "baselines/bc/bc.h"
#include "baselines/cql/cql.h"
#include "baselines/iql/iql.h"
#include "baselines/td3_bc/td3_bc.h"

namespace grl::baselines {

void register_baselines(Registry<training::AlgorithmFactory>& registry) {
  register_bc(registry);
  register_iql(registry);
  register_td3_bc(registry);
  register_cql(registry);
}

void ensure_baselines_registered() {
  // A function-local static runs its initialiser exactly once, even with concurrent callers.
  static const bool registered = [] {
    register_baselines(training::algorithm_registry());
    return true;
  }();
  (void)registered;
}

}  // namespace grl::baselines
