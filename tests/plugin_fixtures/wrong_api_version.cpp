// A plugin built for another plugin API version: grl must refuse it before calling its C++ code.
#include <stdexcept>

#include "plugin/grl_plugin.h"

extern "C" __attribute__((visibility("default"))) const GrlPluginInfo* grl_plugin_info() {
  static const GrlPluginInfo info{GRL_PLUGIN_API_VERSION + 1, "fixture-wrong-api", TORCH_VERSION_MAJOR,
                                  TORCH_VERSION_MINOR};
  return &info;
}

extern "C" __attribute__((visibility("default"))) void grl_register_plugin(grl::plugin::PluginRegistrar&) {
  throw std::logic_error("grl called the registration of a plugin with the wrong API version");
}
