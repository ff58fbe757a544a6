#include "common/memory_limit.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace grl {

namespace {
std::string gib(double bytes) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.1f", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}
}  // namespace

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

void require_fits_in_memory(double bytes, const std::string& what) {
  const auto physical = static_cast<double>(physical_memory_bytes());
  if (physical == 0 || bytes <= physical / 2) return;
  throw std::runtime_error(what + " needs " + gib(bytes) + " GiB, more than half of this machine's " + gib(physical) +
                           " GiB of memory (a typo in a width or size?)");
}

}  // namespace grl
