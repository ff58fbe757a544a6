#include "algorithms/training/algorithm_registry.h"

namespace grl::training {

Registry<AlgorithmFactory>& algorithm_registry() {
  static Registry<AlgorithmFactory>& registry = *[] {
    auto* r = new Registry<AlgorithmFactory>("algorithm");  // never destroyed: plugins may outlive statics
    register_builtin_algorithms(*r);
    return r;
  }();
  return registry;
}

}  // namespace grl::training
