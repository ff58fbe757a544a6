// Subnormal floats flushed to zero on every thread that computes.
//
// A float below 2^-126 (about 1.2e-38) is subnormal. x86 CPUs take a microcode assist, 10-100x the
// cost of an ordinary operation, whenever one is an operand or a result. Exponentiated weights make
// them in bulk: with a trained critic exp(beta (Q - V)) spans dozens of orders of magnitude, every
// weight between ~1e-38 and ~1e-45 is subnormal, and the backward pass spreads them through every
// GEMM. GMPO's policy stage on the quick-start preset ran 4.45 steps/s with them and 18.4 with an
// untrained critic's weights; Python PyTorch shows the same (48.9 ms per weighted flow-matching step,
// 697.7 ms when 70% of the weights are 1e-41, 39.1 ms with torch.set_flush_denormal(True)).
//
// Two control bits decide it, per thread: FTZ (results that would be subnormal become 0) and DAZ
// (subnormal operands are read as 0); on AArch64 one bit, FPCR.FZ, does both. A value that small
// carries nothing a policy or a critic can use: a weight of 1e-40 beside weights of 1e-3..100 is 0 to
// every sum it enters.
//
// A thread inherits these bits from the thread that starts it, so grl sets them on the main thread
// before any pool exists (apply_runtime, common/runtime.h). Two pools may already exist then and are
// handled here: the OpenMP team behind LibTorch's intra-op parallelism (each member is visited once)
// and OpenBLAS's worker threads, which OpenBLAS starts when it is loaded, before main() (they are
// stopped, and OpenBLAS restarts them from the calling thread at its next threaded call). Threads
// started later (VecEnv's pool, evaluation workers, the viewer's policy worker) inherit the bits.
#pragma once

#include <string>

namespace grl {

// Sets or clears FTZ and DAZ on the calling thread. Returns false (and changes nothing) on a CPU
// family where this build does not know the control register.
bool set_subnormal_flushing_on_this_thread(bool flush);

// Whether the calling thread flushes subnormal results and operands to zero (both bits set).
bool subnormal_flushing_on_this_thread();

// FTZ and DAZ on the calling thread, on every member of LibTorch's intra-op pool at its current size,
// and on OpenBLAS's workers (restarted from the calling thread). Call it on the main thread at
// start-up, after the thread counts are set (apply_runtime does both); a pool that grows later
// inherits the bits from the thread that grows it.
void flush_subnormals_on_compute_threads();

// What each kind of compute thread does with subnormals, checked on the threads themselves.
struct SubnormalFlushingState {
  bool supported = false;           // this CPU family's control bits are known to this build
  bool this_thread = false;         // the calling thread has both bits set
  int intra_op_threads = 0;         // LibTorch's intra-op threads (the calling thread included)
  int intra_op_threads_flushing = 0;
  // A float matrix product big enough that OpenBLAS (or whatever BLAS LibTorch uses) splits it over
  // all its threads, on subnormal left operands (2^-130) times 2^100: 0 everywhere when every thread
  // that computed a part reads subnormal operands as zero, about 1e-9 per term otherwise.
  bool blas_flushes = false;
  int blas_threads = 0;  // OpenBLAS's thread count; 0 where the BLAS is not OpenBLAS

  bool all_flushing() const {
    return supported && this_thread && intra_op_threads_flushing == intra_op_threads && blas_flushes;
  }
  // One line for `grl info`.
  std::string describe() const;
};

SubnormalFlushingState check_subnormal_flushing();

}  // namespace grl
