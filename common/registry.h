// Name -> factory tables, so that users pick algorithms, networks, paths and solvers by name in a
// config file and plugins add their own without touching the code that looks them up.
//
//   Registry<NetworkFactory>& networks = network_registry();
//   networks.add("mlp", make_mlp_network, "plain multi-layer perceptron");
//   auto net = networks.get("mlp")(config);
//
// A registry is a plain object; each subsystem owns one (returned by a function, so that it exists
// before any static registration runs). Registering a name twice and looking up an unknown name
// are errors whose message names the registry's kind and lists every known name.
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace grl {

class RegistryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace registry_detail {
// "unknown network 'mpl' (did you mean 'mlp'?); known networks: mlp, residual"
std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& known);
std::string duplicate_name_message(const std::string& kind, const std::string& name,
                                   const std::vector<std::string>& known);
}  // namespace registry_detail

template <class Factory>
class Registry {
 public:
  // `kind` names what the registry holds ("network", "solver"), for messages.
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  struct Entry {
    Factory factory;
    std::string help;  // one line shown by listings
  };

  // Adds `name`; throws RegistryError if it is already present.
  void add(const std::string& name, Factory factory, std::string help = "") {
    std::lock_guard<std::mutex> lock(mutex_);
    if (name.empty()) throw RegistryError("cannot register a " + kind_ + " with an empty name");
    if (entries_.count(name)) {
      throw RegistryError(registry_detail::duplicate_name_message(kind_, name, names_locked()));
    }
    entries_.emplace(name, Entry{std::move(factory), std::move(help)});
  }

  // The factory registered as `name`; throws RegistryError listing the known names otherwise.
  const Factory& get(const std::string& name) const { return entry(name).factory; }

  const Entry& entry(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(name);
    if (it == entries_.end()) {
      throw RegistryError(registry_detail::unknown_name_message(kind_, name, names_locked()));
    }
    // Entries are never removed, so the reference stays valid after the lock is released.
    return it->second;
  }

  bool contains(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.count(name) > 0;
  }

  // Registered names in alphabetical order.
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return names_locked();
  }

  const std::string& kind() const { return kind_; }

 private:
  std::vector<std::string> names_locked() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) out.push_back(name);
    return out;
  }

  std::string kind_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace grl
