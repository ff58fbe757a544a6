// Subnormal floats are flushed to zero on every kind of compute thread once apply_runtime has run:
// the calling thread, LibTorch's intra-op pool, OpenBLAS's workers and threads started afterwards.
// Each check reads the control bits on the thread itself and computes with a subnormal there; every
// check is first shown to fail on a fresh process's threads, so none passes by construction.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>

#include "common/runtime.h"
#include "common/subnormals.h"

namespace grl {
namespace {

// A subnormal made from its bits (converting 2^-130 from a double would itself be flushed).
float two_to_minus_130() {
  const std::uint32_t bits = 0x00080000u;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// DAZ: a subnormal operand times 2^100 is 2^-30, or 0 when subnormal operands read as zero.
float subnormal_operand_product() {
  volatile float tiny = two_to_minus_130();
  volatile float huge = 0x1p100f;
  return tiny * huge;
}

// FTZ: 2^-100 times 2^-30 is the subnormal 2^-130, or 0 when such results are flushed.
float subnormal_result_product() {
  volatile float a = 0x1p-100f;
  volatile float b = 0x1p-30f;
  return a * b;
}

TEST(Subnormals, TheControlBitsDecideTheArithmeticOfTheCallingThread) {
  if (!set_subnormal_flushing_on_this_thread(false)) GTEST_SKIP() << "no flush-to-zero control on this CPU family";
  EXPECT_FALSE(subnormal_flushing_on_this_thread());
  EXPECT_EQ(subnormal_operand_product(), 0x1p-30f);
  EXPECT_EQ(subnormal_result_product(), two_to_minus_130());

  ASSERT_TRUE(set_subnormal_flushing_on_this_thread(true));
  EXPECT_TRUE(subnormal_flushing_on_this_thread());
  EXPECT_EQ(subnormal_operand_product(), 0.0f);
  EXPECT_EQ(subnormal_result_product(), 0.0f);
  set_subnormal_flushing_on_this_thread(false);
}

TEST(Subnormals, ApplyRuntimeFlushesTheMainThreadTheIntraOpPoolAndOpenBlasWorkers) {
  if (!set_subnormal_flushing_on_this_thread(false)) GTEST_SKIP() << "no flush-to-zero control on this CPU family";
  // The process as it starts: two threads each for LibTorch and OpenBLAS, nothing flushed. The
  // probe must see that, or it could not see a pool that was missed.
  set_compute_threads(2);
  const SubnormalFlushingState before = check_subnormal_flushing();
  EXPECT_FALSE(before.this_thread);
  EXPECT_EQ(before.intra_op_threads, 2);
  EXPECT_EQ(before.intra_op_threads_flushing, 0);
  EXPECT_FALSE(before.blas_flushes);
  EXPECT_FALSE(before.all_flushing());

  apply_runtime(RuntimeSettings{2});
  const SubnormalFlushingState after = check_subnormal_flushing();
  EXPECT_TRUE(after.this_thread);
  EXPECT_EQ(after.intra_op_threads, 2);
  EXPECT_EQ(after.intra_op_threads_flushing, 2);
  EXPECT_TRUE(after.blas_flushes) << "a BLAS thread still computes with subnormal operands";
  if (openblas_threads() > 0) {
    EXPECT_EQ(after.blas_threads, 2);
  }
  EXPECT_TRUE(after.all_flushing()) << after.describe();
  EXPECT_NE(after.describe().find("flushed to zero (FTZ+DAZ)"), std::string::npos) << after.describe();

  // OpenBLAS's pool grown later: its new workers are started by a flushing thread.
  set_compute_threads(3);
  EXPECT_TRUE(check_subnormal_flushing().blas_flushes);
  set_compute_threads(1);
}

TEST(Subnormals, ThreadsStartedAfterApplyRuntimeInheritFlushing) {
  if (!set_subnormal_flushing_on_this_thread(false)) GTEST_SKIP() << "no flush-to-zero control on this CPU family";
  bool unflushed_bits = true;
  float unflushed_product = 0;
  std::thread([&] {
    unflushed_bits = subnormal_flushing_on_this_thread();
    unflushed_product = subnormal_operand_product();
  }).join();
  EXPECT_FALSE(unflushed_bits);
  EXPECT_EQ(unflushed_product, 0x1p-30f);

  apply_runtime(RuntimeSettings{1});
  bool bits = false;
  float operand_product = 1, result_product = 1;
  std::thread([&] {
    bits = subnormal_flushing_on_this_thread();
    operand_product = subnormal_operand_product();
    result_product = subnormal_result_product();
  }).join();
  EXPECT_TRUE(bits);
  EXPECT_EQ(operand_product, 0.0f);
  EXPECT_EQ(result_product, 0.0f);
}

}  // namespace
}  // namespace grl
