#include "plugin/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <exception>
#include <sstream>

#include "plugin/grl_plugin.h"
#include "plugin/staged_registration.h"

namespace grl::plugin {
namespace {

std::vector<PluginRecord>& records() {
  static auto* list = new std::vector<PluginRecord>();  // never destroyed: plugins stay loaded until exit
  return *list;
}

std::string identity_of(const std::filesystem::path& file) {
  std::error_code error;
  const auto canonical = std::filesystem::weakly_canonical(file, error);
  return error ? file.string() : canonical.string();
}

std::vector<std::string>& loaded_identities() {
  static auto* list = new std::vector<std::string>();
  return *list;
}

// Fills record.error when something is wrong; on success fills name and algorithms.
void try_load(PluginRecord& record) {
  const std::string where = "plugin " + record.file.string();
  std::error_code error;
  if (!std::filesystem::exists(record.file, error)) {
    record.error = where + ": no such file";
    return;
  }
  if (!std::filesystem::is_regular_file(record.file, error)) {
    record.error = where + ": " + (std::filesystem::is_directory(record.file, error) ? "is a directory" : "is not a regular file") +
                   ", expected a shared library (.so) built against plugin/grl_plugin.h";
    return;
  }
  // RTLD_NOW resolves every symbol now, so a plugin calling something this grl lacks fails here with
  // the symbol's name instead of crashing later in the middle of a run.
  // A path without a slash would make dlopen search the library path instead of this file.
  std::string path = record.file.string();
  if (path.find('/') == std::string::npos) path = "./" + path;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = dlerror();
    record.error = where + ": cannot be loaded: " + (reason ? reason : "unknown dlopen error");
    return;
  }
  // Once dlopen succeeded the library stays mapped even when it is refused: its static
  // constructors have run and unloading code that may still be referenced is not worth the risk.
  using InfoFunction = const GrlPluginInfo* (*)();
  dlerror();
  auto info_function = reinterpret_cast<InfoFunction>(dlsym(handle, "grl_plugin_info"));
  auto register_function = reinterpret_cast<RegisterFunction>(dlsym(handle, "grl_register_plugin"));
  if (!info_function || !register_function) {
    record.error = where + ": not a GenerativeRL++ plugin: it does not define " +
                   std::string(!info_function ? "grl_plugin_info" : "grl_register_plugin") +
                   " (end the plugin's source with GRL_PLUGIN(name, register_function) from plugin/grl_plugin.h)";
    return;
  }
  const GrlPluginInfo* info = info_function();
  if (!info) {
    record.error = where + ": grl_plugin_info() returned null";
    return;
  }
  record.name = info->name ? info->name : "";
  if (info->api_version != GRL_PLUGIN_API_VERSION) {
    std::ostringstream message;
    message << where << ": '" << record.name << "' was built for plugin API version " << info->api_version
            << ", but this grl has version " << GRL_PLUGIN_API_VERSION
            << ": rebuild it against this GenerativeRL++ (find_package(GenerativeRLpp))";
    record.error = message.str();
    return;
  }
  if (info->torch_version_major != TORCH_VERSION_MAJOR || info->torch_version_minor != TORCH_VERSION_MINOR) {
    std::ostringstream message;
    message << where << ": '" << record.name << "' was built against LibTorch " << info->torch_version_major << "."
            << info->torch_version_minor << ", but this grl uses LibTorch " << TORCH_VERSION_MAJOR << "."
            << TORCH_VERSION_MINOR << ": rebuild it with the same Torch_DIR as grl";
    record.error = message.str();
    return;
  }
  try {
    record.algorithms = register_algorithms(where, [&](PluginRegistrar& registrar) { register_function(registrar); });
  } catch (const std::exception& e) {
    record.error = e.what();
    const std::string prefix = where + ":";
    // register_algorithms' own messages already start with `where`; a plugin's exception does not.
    if (record.error.rfind(prefix, 0) != 0) record.error = where + ": registration failed: " + record.error;
  } catch (...) {
    record.error = where + ": registration failed with an exception that is not a std::exception";
  }
}

}  // namespace

PluginRecord load_plugin(const std::filesystem::path& file) {
  const std::string identity = identity_of(file);
  auto& identities = loaded_identities();
  const auto it = std::find(identities.begin(), identities.end(), identity);
  if (it != identities.end()) return records()[static_cast<std::size_t>(it - identities.begin())];
  PluginRecord record;
  record.file = file;
  try_load(record);
  identities.push_back(identity);
  records().push_back(record);
  return record;
}

std::vector<std::filesystem::path> plugin_search_path_files(const std::string& search_path,
                                                             std::vector<std::string>* missing) {
  std::vector<std::filesystem::path> files;
  std::stringstream entries(search_path);
  std::string entry;
  while (std::getline(entries, entry, ':')) {
    if (entry.empty()) continue;
    std::error_code error;
    const std::filesystem::path path(entry);
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> in_folder;
      for (const auto& item : std::filesystem::directory_iterator(path, error)) {
        if (item.path().extension() == ".so" && item.is_regular_file(error)) in_folder.push_back(item.path());
      }
      std::sort(in_folder.begin(), in_folder.end());
      files.insert(files.end(), in_folder.begin(), in_folder.end());
    } else if (std::filesystem::exists(path, error)) {
      files.push_back(path);
    } else if (missing) {
      missing->push_back(entry);
    }
  }
  return files;
}

const std::vector<PluginRecord>& plugin_records() { return records(); }

}  // namespace grl::plugin
