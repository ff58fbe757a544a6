#include "plugin/staged_registration.h"

#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace grl::plugin {
namespace {

struct StagedAlgorithm {
  std::string name;
  training::AlgorithmFactory factory;
  std::string help;
};

class StagingRegistrar : public PluginRegistrar {
 public:
  void add_algorithm(const std::string& name, training::AlgorithmFactory factory, const std::string& help) override {
    staged.push_back({name, std::move(factory), help});
  }
  std::vector<StagedAlgorithm> staged;
};

std::mutex& registration_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, std::string>& sources() {
  static auto* map = new std::map<std::string, std::string>();  // never destroyed, like the registry
  return *map;
}

}  // namespace

std::vector<std::string> register_algorithms(const std::string& source,
                                             const std::function<void(PluginRegistrar&)>& register_function) {
  std::lock_guard<std::mutex> lock(registration_mutex());
  StagingRegistrar staging;
  register_function(staging);

  auto& registry = training::algorithm_registry();
  std::set<std::string> seen;
  for (const auto& algorithm : staging.staged) {
    if (algorithm.name.empty()) throw RegistryError(source + ": cannot register an algorithm with an empty name");
    if (!seen.insert(algorithm.name).second) {
      throw RegistryError(source + ": registers the algorithm '" + algorithm.name + "' twice");
    }
    if (registry.contains(algorithm.name)) {
      throw RegistryError(source + ": the algorithm '" + algorithm.name + "' is already registered (by " +
                          algorithm_source(algorithm.name) + "); nothing of " + source + " was registered");
    }
  }
  std::vector<std::string> names;
  for (auto& algorithm : staging.staged) {
    registry.add(algorithm.name, std::move(algorithm.factory), algorithm.help);
    sources()[algorithm.name] = source;
    names.push_back(algorithm.name);
  }
  return names;
}

std::string algorithm_source(const std::string& name) {
  const auto it = sources().find(name);
  return it == sources().end() ? "built-in" : it->second;
}

}  // namespace grl::plugin
