#include "benchmark/machine_info.h"

#include <mujoco/mujoco.h>
#include <torch/version.h>

#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "common/runtime.h"
#include "grl_version.h"

namespace grl::benchmark {

std::string machine_description() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  double gib = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemTotal:", 0) == 0) {
      gib = std::stod(line.substr(9)) / (1024.0 * 1024.0);
      break;
    }
  }
  std::ostringstream out;
  out << cpu << ", " << std::thread::hardware_concurrency() << " cores, " << std::fixed << std::setprecision(1) << gib
      << " GiB";
  if (cuda_device_count() > 0) out << ", " << cuda_device_count() << " CUDA device(s)";
  return out.str();
}

std::string software_versions() {
  const int mj = mj_version();
  std::ostringstream out;
  out << "grl " << GRL_VERSION_STRING << ", LibTorch " << TORCH_VERSION << ", MuJoCo " << mj / 100 << "." << (mj / 10) % 10
      << "." << mj % 10;
  return out.str();
}

}  // namespace grl::benchmark
