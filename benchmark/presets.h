// Presets (run configs) shipped with the program, found without depending on the working directory:
// $GRL_PRESET_DIR, <install>/share/grl/presets, then <source>/presets.
#pragma once

#include <filesystem>
#include <string>

namespace grl::benchmark {

// `relative` as in the source tree ("gmpo/quickstart-hopper.yaml"), or a path that exists as given.
std::filesystem::path find_preset(const std::string& relative);

}  // namespace grl::benchmark
