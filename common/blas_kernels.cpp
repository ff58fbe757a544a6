#include "common/blas_kernels.h"

#include <dlfcn.h>

#include <cstdlib>

namespace grl {

std::string blas_kernel_name() {
  // Looked up at run time: Debian selects the BLAS behind libblas.so.3 through /etc/alternatives.
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!core_name) return "";
  const char* name = core_name();
  return name ? name : "";
}

bool pin_blas_kernels() {
#if defined(__x86_64__) && defined(__linux__)
  if (std::getenv("OPENBLAS_CORETYPE")) return false;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  const std::string current = blas_kernel_name();
  if (current.empty() || current == "Haswell") return false;
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  return true;
#else
  return false;
#endif
}

}  // namespace grl
