#include "algorithms/networks/inference_precision.h"

#include <stdexcept>

namespace grl::networks {

namespace {
thread_local InferencePrecision current_precision = InferencePrecision::fp32;
}

InferencePrecision parse_inference_precision(const std::string& name) {
  if (name == "fp32") return InferencePrecision::fp32;
  if (name == "bf16") return InferencePrecision::bf16;
  throw std::invalid_argument("unknown inference precision '" + name + "' (expected fp32 or bf16)");
}

const char* inference_precision_name(InferencePrecision precision) {
  return precision == InferencePrecision::bf16 ? "bf16" : "fp32";
}

std::vector<std::string> inference_precision_names() {
  return {inference_precision_name(InferencePrecision::fp32), inference_precision_name(InferencePrecision::bf16)};
}

InferencePrecision current_inference_precision() { return current_precision; }

bool bf16_kernels_available() {
#if defined(__x86_64__)
  static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512bf16");
  return available;
#else
  return false;
#endif
}

void require_inference_precision(InferencePrecision precision) {
  if (precision == InferencePrecision::bf16 && !bf16_kernels_available()) {
    throw std::runtime_error(
        "inference precision bf16 needs a CPU with AVX512-BF16 (`grl info` lists the CPU's flags); this one has "
        "none: use fp32");
  }
}

ScopedInferencePrecision::ScopedInferencePrecision(InferencePrecision precision) : previous_(current_precision) {
  require_inference_precision(precision);
  current_precision = precision;
}

ScopedInferencePrecision::~ScopedInferencePrecision() { current_precision = previous_; }

}  // namespace grl::networks
