#include "common/runtime.h"

#include <dlfcn.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "common/blas_kernels.h"
#include "common/config.h"
#include "common/memory_reuse.h"
#include "common/subnormals.h"

namespace grl {

template <class V>
void RuntimeSettings::visit(V& v) {
  v.field("threads", threads, "LibTorch intra-op threads", config::at_least(1));
  v.field("device", device, "cpu, cuda or cuda:N");
}
template void RuntimeSettings::visit(config::Reader&);
template void RuntimeSettings::visit(config::Writer&);

int cuda_device_count() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

namespace {

// Looked up at run time: the BLAS behind libblas.so.3 need not be OpenBLAS. False when it is not.
bool set_openblas_threads(int threads) {
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set) set(threads);
  return set != nullptr;
}

}  // namespace

int openblas_threads() {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get ? get() : 0;
}

void set_compute_threads(int threads) {
  if (threads < 1) throw std::runtime_error("threads must be >= 1, got " + std::to_string(threads));
  torch::set_num_threads(threads);
  // OpenBLAS keeps its own pool (one thread per core by default) that torch::set_num_threads does not
  // size; on the 2-core machine its workers spin in sched_yield beside ours and made batch-10 policy
  // calls 184 ms instead of 39 ms.
  set_openblas_threads(threads);
}

ScopedBlasThreads::ScopedBlasThreads(int threads) {
  const int previous = openblas_threads();
  if (previous != 0 && set_openblas_threads(threads)) previous_ = previous;
}

ScopedBlasThreads::~ScopedBlasThreads() {
  if (previous_ != 0) set_openblas_threads(previous_);
}

bool prefer_passive_openmp_waiting(int threads) {
  if (threads <= 1 || std::getenv("OMP_WAIT_POLICY")) return false;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  return true;
}

void restart_for_environment(char** argv) {
  execv("/proc/self/exe", argv);
  const char* kernels = std::getenv("OPENBLAS_CORETYPE");
  const char* waiting = std::getenv("OMP_WAIT_POLICY");
  std::cerr << "grl: warning: could not restart with OPENBLAS_CORETYPE=" << (kernels ? kernels : "unset")
            << " and OMP_WAIT_POLICY=" << (waiting ? waiting : "unset") << " (" << std::strerror(errno)
            << "); going on with the BLAS kernels OpenBLAS chose, whose results differ in the last bits from "
               "other machines', and with spinning OpenMP workers\n";
}

void apply_runtime(const RuntimeSettings& settings) {
  keep_freed_memory_for_reuse();
  set_compute_threads(settings.threads);
  // After the thread counts: the pools then have their final size, and each member gets the bits.
  flush_subnormals_on_compute_threads();
}

void start_runtime_as_grl(char** argv, const RuntimeSettings& settings) {
  const bool kernels_pinned = pin_blas_kernels();
  if (prefer_passive_openmp_waiting(settings.threads) || kernels_pinned) restart_for_environment(argv);
  apply_runtime(settings);
}

std::string resolve_device(const std::string& device) {
  if (device == "cpu") return "cpu";
  if (device.rfind("cuda", 0) == 0) {
    int index = 0;
    if (device.size() > 4) {
      if (device[4] != ':' || device.size() == 5) throw std::runtime_error("device '" + device + "': expected cuda or cuda:N");
      try {
        index = std::stoi(device.substr(5));
      } catch (const std::exception&) {
        throw std::runtime_error("device '" + device + "': expected cuda or cuda:N");
      }
    }
    const int count = cuda_device_count();
    if (count == 0) {
      throw std::runtime_error("device '" + device +
                               "': this LibTorch build or machine has no CUDA device (use --device cpu, or build "
                               "against a CUDA LibTorch with -DTorch_DIR=...)");
    }
    if (index < 0 || index >= count) {
      throw std::runtime_error("device '" + device + "': only " + std::to_string(count) + " CUDA device(s) present");
    }
    return "cuda:" + std::to_string(index);
  }
  throw std::runtime_error("device '" + device + "': expected cpu, cuda or cuda:N");
}

}  // namespace grl
