#include "benchmark/presets.h"

#include "common/data_files.h"

namespace grl::benchmark {

std::filesystem::path find_preset(const std::string& relative) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(relative, ec)) return relative;
  return find_data_file(DataFolder{"GRL_PRESET_DIR", "presets", "presets", "preset"}, relative);
}

}  // namespace grl::benchmark
