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
#include "plugin/staged_registration.h"

namespace grl::baselines {

void register_baselines(plugin::PluginRegistrar& registrar) {
  register_bc(registrar);
  register_iql(registrar);
  register_td3_bc(registrar);
  register_cql(registrar);
  register_idql(registrar);
  register_sfbc(registrar);
  register_diffusion_ql(registrar);
  register_srpo(registrar);
  register_qgpo(registrar);
}

void ensure_baselines_registered() {
  // A function-local static runs its initialiser exactly once, even with concurrent callers.
  static const bool registered = [] {
    plugin::register_algorithms("built-in baselines", register_baselines);
    return true;
  }();
  (void)registered;
}

}  // namespace grl::baselines
