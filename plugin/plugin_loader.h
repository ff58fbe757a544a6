// Loading plugins (shared libraries built against plugin/grl_plugin.h) at run time: from `--plugin`
// and from the entries of GRL_PLUGIN_PATH. A plugin that cannot be loaded is reported, never fatal:
// its record carries the reason and the program goes on without it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace grl::plugin {

struct PluginRecord {
  std::filesystem::path file;          // as given (absolute when it was found on GRL_PLUGIN_PATH)
  std::string name;                    // the plugin's own name; empty when it was never read
  std::vector<std::string> algorithms;  // what it registered
  std::string error;                   // why it was not loaded; empty when it was

  bool loaded() const { return error.empty(); }
};

// dlopens `file`, checks its API and LibTorch versions and registers its algorithms (all or nothing).
// Never throws. Loading the same file again (by any path) returns the first record.
PluginRecord load_plugin(const std::filesystem::path& file);

// The plugin files a GRL_PLUGIN_PATH value names: ':'-separated entries, each a shared library or a
// folder whose *.so files are taken in name order. Entries that do not exist come back in `missing`.
std::vector<std::filesystem::path> plugin_search_path_files(const std::string& search_path,
                                                             std::vector<std::string>* missing);

// Every plugin tried in this process, in the order tried.
const std::vector<PluginRecord>& plugin_records();

}  // namespace grl::plugin
