// The arithmetic precision of sampling with a prepared network (GenerativeNetworkImpl::prepare), set for
// a scope like torch's grad mode:
//
//   networks::ScopedInferencePrecision bf16(networks::InferencePrecision::bf16);
//   policy->act(states);   // the residual net's few-row kernels run on bfloat16 weights and inputs
//
// bf16 rounds weights and layer inputs to bfloat16 (8-bit mantissa) and accumulates in float32 with the
// CPU's AVX512-BF16 dot products, which do twice the multiply-adds of a float32 FMA per instruction and
// read half the bytes. It changes the numbers (actions differ from float32 by about 1e-2), so it is a
// choice for evaluation and data collection, never on by default, and training never uses it.
#pragma once

#include <string>
#include <vector>

namespace grl::networks {

enum class InferencePrecision { fp32, bf16 };

// "fp32" | "bf16"; throws std::invalid_argument naming the value and the choices.
InferencePrecision parse_inference_precision(const std::string& name);
const char* inference_precision_name(InferencePrecision precision);
// Every name parse_inference_precision accepts, for option and config checks.
std::vector<std::string> inference_precision_names();

// The precision of this thread (fp32 unless a ScopedInferencePrecision says otherwise).
InferencePrecision current_inference_precision();

// True when this CPU has AVX512-BF16 (and AVX512F/BW), which the bf16 kernels need.
bool bf16_kernels_available();

// Throws std::runtime_error when this CPU cannot run `precision` (bf16 without AVX512-BF16), saying so.
void require_inference_precision(InferencePrecision precision);

// Sets this thread's precision until the end of the scope. Asking for bf16 on a CPU without AVX512-BF16
// throws std::runtime_error saying so: silently running float32 would misreport what was measured.
class ScopedInferencePrecision {
 public:
  explicit ScopedInferencePrecision(InferencePrecision precision);
  ~ScopedInferencePrecision();
  ScopedInferencePrecision(const ScopedInferencePrecision&) = delete;
  ScopedInferencePrecision& operator=(const ScopedInferencePrecision&) = delete;

 private:
  InferencePrecision previous_;
};

}  // namespace grl::networks
