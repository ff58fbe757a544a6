// A shared library that is not a grl plugin: it lacks grl_plugin_info and grl_register_plugin.
extern "C" int grl_fixture_not_a_plugin() { return 1; }
