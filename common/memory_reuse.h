// Keeping freed memory in the process, so that large tensors are not page-faulted in anew each step.
#pragma once

#include <cstddef>

namespace grl {

// LibTorch takes every CPU tensor from malloc. glibc serves requests above its mmap threshold (128 KB
// at first, raised on each free up to 32 MB) with fresh pages from the kernel, and hands heap tops
// larger than twice that back to it. A batch-4096 training step of the published network allocates
// activations of 8-16 MB each, so every step page-faults and zeroes them again: 662 ms a step against
// 478 ms with the memory kept, and a batch-256 prepared act call (a 57 MB time projection) 462 against
// 300 ms (grl_perf_generative_core --quick on the 2-core machine; results/same-machine-debian).
// This sets both thresholds to kReusedBytes: requests up to it come from the heap, and up to that much
// freed memory stays in the process for the next step (so a process holds on to its peak).
// Returns false, changing nothing, when the user tuned malloc (MALLOC_MMAP_THRESHOLD_,
// MALLOC_TRIM_THRESHOLD_, or glibc.malloc tunables in GLIBC_TUNABLES): their choice stands.
// Call once at start-up; process-wide, it does not change any result.
inline constexpr std::size_t kReusedBytes = std::size_t{1} << 30;
bool keep_freed_memory_for_reuse();

// True when MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or a glibc.malloc tunable is set.
bool malloc_tuned_by_environment();

}  // namespace grl
