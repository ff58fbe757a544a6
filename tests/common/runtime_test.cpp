// ScopedBlasThreads sets OpenBLAS's own thread count for its scope and restores it; blas_kernel_name
// reports the kernels OpenBLAS chose (pinned or not, they have a name).
#include <gtest/gtest.h>

#include "common/blas_kernels.h"
#include "common/runtime.h"

namespace grl {
namespace {

TEST(ScopedBlasThreads, SetsOpenBlasThreadsForItsScopeAndRestoresThem) {
  if (openblas_threads() == 0) GTEST_SKIP() << "the BLAS in use is not OpenBLAS";
  set_compute_threads(2);
  ASSERT_EQ(openblas_threads(), 2);
  {
    const ScopedBlasThreads one(1);
    EXPECT_EQ(openblas_threads(), 1);
  }
  EXPECT_EQ(openblas_threads(), 2);
  set_compute_threads(1);
  EXPECT_EQ(openblas_threads(), 1);
}

TEST(BlasKernels, OpenBlasNamesItsKernels) {
  if (openblas_threads() == 0) GTEST_SKIP() << "the BLAS in use is not OpenBLAS";
  EXPECT_FALSE(blas_kernel_name().empty());
}

}  // namespace
}  // namespace grl
