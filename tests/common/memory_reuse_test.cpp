// keep_freed_memory_for_reuse: a 40 MB block (above glibc's largest automatic mmap threshold, so by
// default it is mapped and unmapped each time) is served again from memory the process kept, without
// page faults; a user's own malloc settings are left alone.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>

#include "common/memory_reuse.h"

namespace grl {
namespace {

constexpr std::size_t kBlockBytes = std::size_t{40} << 20;
constexpr std::size_t kPageBytes = 4096;  // touching one byte a page faults every page in

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Page faults taken by allocating a block, writing every page and freeing it.
long faults_of_one_block() {
  const long before = minor_faults();
  auto* block = static_cast<volatile char*>(std::malloc(kBlockBytes));
  if (!block) return -1;
  for (std::size_t i = 0; i < kBlockBytes; i += kPageBytes) block[i] = 1;
  std::free(const_cast<char*>(block));
  return minor_faults() - before;
}

TEST(MemoryReuse, ALargeBlockIsServedAgainWithoutPageFaults) {
  if (malloc_tuned_by_environment()) GTEST_SKIP() << "malloc is tuned by the environment";
  ASSERT_TRUE(keep_freed_memory_for_reuse());
  // The first block grows the heap: every page is new (10240 faults, or a few dozen where transparent
  // huge pages back the heap). The second reuses them; by default glibc would map it afresh.
  const long first = faults_of_one_block();
  const long second = faults_of_one_block();
  EXPECT_GT(first, 8 * second);
  EXPECT_LT(second, 64) << "the freed block should have stayed in the process";
}

TEST(MemoryReuse, LeavesAUsersMallocSettingsAlone) {
  ASSERT_EQ(setenv("MALLOC_TRIM_THRESHOLD_", "131072", 1), 0);
  EXPECT_FALSE(keep_freed_memory_for_reuse());
  unsetenv("MALLOC_TRIM_THRESHOLD_");
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072", 1), 0);
  EXPECT_FALSE(keep_freed_memory_for_reuse());
  // Tunables of other parts of glibc are not a malloc choice.
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.cpu.x86_rep_movsb_threshold=4096", 1), 0);
  EXPECT_FALSE(malloc_tuned_by_environment());
  unsetenv("GLIBC_TUNABLES");
}

}  // namespace
}  // namespace grl
