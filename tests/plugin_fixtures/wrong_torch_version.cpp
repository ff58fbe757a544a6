// A plugin that says it was built against another LibTorch: grl must refuse it.
#include <stdexcept>

#include "plugin/grl_plugin.h"

extern "C" __attribute__((visibility("default"))) const GrlPluginInfo* grl_plugin_info() {
  static const GrlPluginInfo info{GRL_PLUGIN_API_VERSION, "fixture-wrong-torch", TORCH_VERSION_MAJOR + 1, 0};
  return &info;
}

extern "C" __attribute__((visibility("default"))) void grl_register_plugin(grl::plugin::PluginRegistrar&) {
  throw std::logic_error("grl called the registration of a plugin built against another LibTorch");
}
