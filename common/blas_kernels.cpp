#include "common/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace grl {

std::string blas_kernel_name() {
  // Looked up at run time: Debian selects the BLAS behind libblas.so.3 through /etc/alternatives.
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!core_name) return "";
  const char* name = core_name();
  return name ? name : "";
}

void pin_blas_kernels(char** argv) {
#if defined(__x86_64__) && defined(__linux__)
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return;
  const std::string current = blas_kernel_name();
  if (current.empty() || current == "Haswell") return;
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  execv("/proc/self/exe", argv);
  std::cerr << "grl: warning: could not restart with OPENBLAS_CORETYPE=Haswell (" << std::strerror(errno)
            << "); going on with OpenBLAS's " << current
            << " kernels, whose results differ in the last bits from other machines'\n";
#else
  (void)argv;
#endif
}

}  // namespace grl
