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

// OpenBLAS's current thread count, or 0 where the BLAS in use is not OpenBLAS.
int openblas_threads();

// OpenBLAS's thread count for a scope, restored after. A threaded OpenBLAS splits a product across
// its threads and rounds differently from one thread, so what must come out the same whatever
// --threads says (native datasets) is computed with a fixed count. No effect where the BLAS is not
// OpenBLAS.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int threads);
  ~ScopedBlasThreads();
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int previous_ = 0;  // 0: no OpenBLAS
};

// Checks that `device` names a usable device and returns it normalised ("cpu", "cuda:0"), or throws
// with what is available.
std::string resolve_device(const std::string& device);

int cuda_device_count();

}  // namespace grl
