#include "common/subnormals.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/torch.h>

#include <cstdint>
#include <sstream>
#include <vector>

#include "common/runtime.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace grl {

namespace {

#if defined(__x86_64__) || defined(__i386__)
// MXCSR: bit 15 flush-to-zero, bit 6 denormals-are-zero. SSE and AVX arithmetic (all of LibTorch's,
// OpenBLAS's and MuJoCo's float work on x86-64) obeys it; the x87 unit does not, and nothing here
// uses it.
constexpr unsigned kMxcsrFlushToZero = 1u << 15;
constexpr unsigned kMxcsrDenormalsAreZero = 1u << 6;
constexpr unsigned kMxcsrBoth = kMxcsrFlushToZero | kMxcsrDenormalsAreZero;
#elif defined(__aarch64__)
// FPCR.FZ (bit 24): subnormal operands and results of single and double precision become zero.
constexpr std::uint64_t kFpcrFlushToZero = 1ull << 24;

std::uint64_t read_fpcr() {
  std::uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}

void write_fpcr(std::uint64_t fpcr) { __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr)); }
#endif

// OpenBLAS's worker threads stopped; OpenBLAS starts them again, from the calling thread, at its next
// threaded call (the same path it takes in a child after fork). False where the BLAS is not OpenBLAS.
bool restart_openblas_workers() {
  using Shutdown = int (*)();
  auto shutdown = reinterpret_cast<Shutdown>(dlsym(RTLD_DEFAULT, "blas_thread_shutdown_"));
  if (!shutdown) return false;
  shutdown();
  return true;
}

// Runs `visit` once on each member of LibTorch's intra-op pool: at::parallel_for over as many
// indices as there are threads, one index per thread (grain 1), returns what each reported.
template <class Visit>
std::vector<bool> on_each_intra_op_thread(Visit visit) {
  const int threads = at::get_num_threads();
  std::vector<char> results(static_cast<std::size_t>(threads), 0);
  at::parallel_for(0, threads, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) results[static_cast<std::size_t>(i)] = visit() ? 1 : 0;
  });
  return std::vector<bool>(results.begin(), results.end());
}

}  // namespace

bool set_subnormal_flushing_on_this_thread(bool flush) {
#if defined(__x86_64__) || defined(__i386__)
  const unsigned mxcsr = _mm_getcsr();
  _mm_setcsr(flush ? (mxcsr | kMxcsrBoth) : (mxcsr & ~kMxcsrBoth));
  return true;
#elif defined(__aarch64__)
  const std::uint64_t fpcr = read_fpcr();
  write_fpcr(flush ? (fpcr | kFpcrFlushToZero) : (fpcr & ~kFpcrFlushToZero));
  return true;
#else
  (void)flush;
  return false;
#endif
}

bool subnormal_flushing_on_this_thread() {
#if defined(__x86_64__) || defined(__i386__)
  return (_mm_getcsr() & kMxcsrBoth) == kMxcsrBoth;
#elif defined(__aarch64__)
  return (read_fpcr() & kFpcrFlushToZero) != 0;
#else
  return false;
#endif
}

void flush_subnormals_on_compute_threads() {
  if (!set_subnormal_flushing_on_this_thread(true)) return;
  on_each_intra_op_thread([] { return set_subnormal_flushing_on_this_thread(true); });
  restart_openblas_workers();
}

SubnormalFlushingState check_subnormal_flushing() {
  SubnormalFlushingState state;
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
  state.supported = true;
#endif
  state.this_thread = subnormal_flushing_on_this_thread();
  const std::vector<bool> intra_op = on_each_intra_op_thread([] { return subnormal_flushing_on_this_thread(); });
  state.intra_op_threads = static_cast<int>(intra_op.size());
  for (const bool flushing : intra_op) state.intra_op_threads_flushing += flushing ? 1 : 0;

  // The operands are made from their bit patterns: converting 2^-130 from a double would itself be
  // flushed to 0 on a flushing thread, and the check could then not fail.
  torch::NoGradGuard no_grad;
  constexpr std::int32_t kTwoToMinus130 = 0x00080000;  // subnormal: mantissa 2^19 times 2^-149
  constexpr std::int32_t kTwoTo100 = (100 + 127) << 23;
  const torch::Tensor tiny = torch::full({1024, 256}, kTwoToMinus130, torch::kInt32).view(torch::kFloat32);
  const torch::Tensor huge = torch::full({256, 256}, kTwoTo100, torch::kInt32).view(torch::kFloat32);
  state.blas_flushes = torch::mm(tiny, huge).abs().max().item<float>() == 0.0f;
  state.blas_threads = openblas_threads();
  return state;
}

std::string SubnormalFlushingState::describe() const {
  if (!supported) return "kept (this CPU family's flush-to-zero control is unknown to this build)";
  std::ostringstream out;
  out << (all_flushing() ? "flushed to zero (FTZ+DAZ)" : "NOT flushed everywhere") << ": this thread "
      << (this_thread ? "yes" : "no") << ", intra-op threads " << intra_op_threads_flushing << "/" << intra_op_threads
      << ", BLAS product " << (blas_flushes ? "flushed" : "not flushed");
  if (blas_threads > 0) out << " on " << blas_threads << " OpenBLAS thread(s)";
  return out.str();
}

}  // namespace grl
