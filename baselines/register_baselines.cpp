#include "baselines/register_baselines.h"

#include "baselines/bc/bc.h"
#include "baselines/cql/cql.h"
#include "baselines/diffusion_ql/diffusion_ql.h"
#include "baselines/idql/idql.h"
#include "baselines/iql/iql.h"
#include "baselines/qgpo/qgpo.h"
#include "baselines/sfbc/sfbc.h"
#include "baselines/srpo/srpo.h"
#include "baselines/td3_bc/td3_bc.h"

namespace grl::baselines {

void register_baselines(Registry<training::AlgorithmFactory>& registry) {
  register_bc(registry);
  register_iql(registry);
  register_td3_bc(registry);
  register_cql(registry);
  register_idql(registry);
  register_sfbc(registry);
  register_diffusion_ql(registry);
  register_srpo(registry);
  register_qgpo(registry);
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
