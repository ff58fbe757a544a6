#include "common/memory_reuse.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace grl {

bool malloc_tuned_by_environment() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables && std::strstr(tunables, "glibc.malloc.");
}

bool keep_freed_memory_for_reuse() {
  if (malloc_tuned_by_environment()) return false;
  // Either call fixes its threshold (glibc stops adjusting the mmap threshold once one is set).
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kReusedBytes)) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kReusedBytes)) == 1;
  return mmap_set && trim_set;
}

}  // namespace grl
