#include "common/run_directory.h"

#include <ctime>
#include <stdexcept>

#include "common/atomic_file.h"

namespace grl {

RunDirectory RunDirectory::create(const std::filesystem::path& root, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw std::runtime_error("run name '" + name + "' is not a plain directory name");
  }
  const auto path = root / name;
  if (std::filesystem::exists(path)) {
    throw std::runtime_error(path.string() + ": a run with this name exists; resume it or choose another name");
  }
  std::filesystem::create_directories(path / "checkpoints");
  return RunDirectory(path);
}

RunDirectory RunDirectory::open(const std::filesystem::path& path) {
  if (!std::filesystem::is_directory(path)) throw std::runtime_error(path.string() + ": no such run directory");
  if (!std::filesystem::exists(path / "config.yaml")) {
    throw std::runtime_error(path.string() + ": not a run directory (config.yaml is missing)");
  }
  std::filesystem::create_directories(path / "checkpoints");
  return RunDirectory(path);
}

RunDirectory RunDirectory::at(const std::filesystem::path& path) {
  std::filesystem::create_directories(path / "checkpoints");
  return RunDirectory(path);
}

void RunDirectory::write_config(const std::string& resolved_yaml) const {
  write_file_atomic(config_path(), resolved_yaml);
}

std::string timestamped_run_name(const std::string& prefix) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return prefix + "-" + stamp;
}

}  // namespace grl
