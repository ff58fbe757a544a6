// Process-wide compute settings: intra-op threads, the device, memory reuse and subnormal flushing.
#pragma once

#include <string>

namespace grl {

struct RuntimeSettings {
  // Intra-op threads for LibTorch and OpenBLAS. One is the default: a sweep runs one cell per core,
  // and policy calls on a few rows gain nothing from a second thread (a lone training run at large
  // batch does: results/gmpo/benchmarks.md).
  int threads = 1;
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"

  template <class V>
  void visit(V& v);
};

// Sets LibTorch's and OpenBLAS's thread counts, keeps freed memory for reuse (common/memory_reuse.h)
// and flushes subnormal floats to zero on every compute thread (common/subnormals.h); call once at
// start-up, before any parallel work.
void apply_runtime(const RuntimeSettings& settings);
void set_compute_threads(int threads);

// OpenBLAS's current thread count, or 0 where the BLAS in use is not OpenBLAS.
int openblas_threads();

// With more than one thread, idle OpenMP workers must sleep rather than spin. libgomp's default lets
// them spin for a while after every parallel region; on 2 cores they then take the core away from
// OpenBLAS's threads, and two threads ran a batch-4096 training step slower than one (672 against
// 466 ms; 253 ms with OMP_WAIT_POLICY=PASSIVE). libgomp reads OMP_WAIT_POLICY once, when it is loaded,
// before main(), so when threads > 1 and the variable is unset this sets it to PASSIVE and returns
// true: the program must then restart (restart_for_environment). A user who sets OMP_WAIT_POLICY keeps
// their choice.
bool prefer_passive_openmp_waiting(int threads);

// Re-executes the program with `argv` so that the libraries, loaded again, read the environment set by
// pin_blas_kernels (common/blas_kernels.h) and prefer_passive_openmp_waiting; one restart serves both.
// Call it after parsing the arguments and before anything is computed or written. Does not return,
// unless the restart fails: then it warns and the program goes on as it was loaded.
void restart_for_environment(char** argv);

// Everything grl's main() does to its process before computing, for the programs that measure what grl
// computes (perf/): pins OpenBLAS's kernels (common/blas_kernels.h) and prefers passive OpenMP waiting,
// restarting the program once when either needs it, then apply_runtime. Call it first in main(), after
// parsing the arguments.
void start_runtime_as_grl(char** argv, const RuntimeSettings& settings);

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
