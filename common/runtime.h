// Process-wide compute settings: intra-op threads and the device.
#pragma once

#include <string>

namespace grl {

struct RuntimeSettings {
  // Intra-op threads for LibTorch. One beats two for our network sizes on a 2-core machine
  // (the second core is better spent on environment stepping), hence the default.
  int threads = 1;
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"

  template <class V>
  void visit(V& v);
};

// Sets LibTorch's and OpenBLAS's thread counts; call once at start-up, before any parallel work.
void apply_runtime(const RuntimeSettings& settings);
void set_compute_threads(int threads);

// Checks that `device` names a usable device and returns it normalised ("cpu", "cuda:0"), or throws
// with what is available.
std::string resolve_device(const std::string& device);

int cuda_device_count();

}  // namespace grl
