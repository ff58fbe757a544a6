// A plugin that calls a function no grl defines: dlopen (RTLD_NOW) must refuse it, naming the symbol.
#include "plugin/grl_plugin.h"

extern "C" void grl_fixture_symbol_that_grl_lacks();

namespace {
void register_nothing(grl::plugin::PluginRegistrar&) { grl_fixture_symbol_that_grl_lacks(); }
}  // namespace

GRL_PLUGIN("fixture-undefined-symbol", register_nothing)
