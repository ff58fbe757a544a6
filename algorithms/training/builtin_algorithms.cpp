// The algorithms built into grl_algorithms, one registration per line. Each algorithm's file
// defines its register_<name>(registry) function next to its config and implementation.
#include "algorithms/training/algorithm_registry.h"
#include "algorithms/gmpo/gmpo.h"
#include "algorithms/gmpg/gmpg.h"

namespace grl::training {

void register_builtin_algorithms(Registry<AlgorithmFactory>& registry) {
  (void)registry;  // algorithms add their lines below
  gmpo::register_gmpo(registry);
  gmpg::register_gmpg(registry);
}

}  // namespace grl::training
