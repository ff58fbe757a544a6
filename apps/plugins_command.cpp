// grl plugins: what was loaded (from --plugin and GRL_PLUGIN_PATH), what failed and why, and every
// algorithm with where it came from.
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "algorithms/training/algorithm_registry.h"
#include "apps/command.h"
#include "plugin/plugin_loader.h"
#include "plugin/staged_registration.h"

namespace grl::cli {
namespace {

int run_plugins() {
  const char* search_path = std::getenv("GRL_PLUGIN_PATH");
  std::cout << "GRL_PLUGIN_PATH=" << (search_path ? search_path : "") << "\n";
  const auto& records = plugin::plugin_records();
  int failed = 0;
  std::cout << "plugins: " << records.size() << (records.empty() ? " (load one with --plugin FILE)" : "") << "\n";
  for (const auto& record : records) {
    if (record.loaded()) {
      std::cout << "  loaded  " << record.name << "  " << record.file.string() << "  algorithms:";
      for (const auto& name : record.algorithms) std::cout << " " << name;
      std::cout << "\n";
    } else {
      ++failed;
      std::cout << "  FAILED  " << record.error << "\n";
    }
  }
  const auto& registry = training::algorithm_registry();
  std::cout << "algorithms:\n";
  for (const auto& name : registry.names()) {
    std::cout << "  " << std::left << std::setw(12) << name << " " << std::setw(22) << plugin::algorithm_source(name)
              << " " << registry.entry(name).help << "\n";
  }
  // Other commands go on without a plugin that failed; this one says so in its exit status.
  return failed == 0 ? 0 : 1;
}

std::function<int()> add_plugins_command(CLI::App& parent, GlobalOptions&) {
  parent.add_subcommand("plugins", "List loaded plugins (and failures) and every algorithm with its source");
  return [] { return run_plugins(); };
}

}  // namespace

GRL_REGISTER_COMMAND("plugins", 95, add_plugins_command);

}  // namespace grl::cli
