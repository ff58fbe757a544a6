// The --seed options' check. CLI11 converts integers with strtoll/strtoull, which saturate: a seed
// of 2^64 would silently run as 2^64 - 1 and -1 as 2^64 - 1 for unsigned options. This check reads
// the text itself before any conversion and refuses what is not a whole number in range.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace grl::cli {

// Seeds are stored as int64 in run configs and checkpoints, so the largest is 2^63 - 1 unless a
// command keeps its seed only as an unsigned 64-bit number.
inline CLI::Validator seed_check(std::uint64_t max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        const std::string expected = "expected a seed, a whole number from 0 to " + std::to_string(max) + ", got '" + text + "'";
        if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) return expected;
        std::uint64_t value = 0;
        for (const char c : text) {
          const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
          if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return expected;
          value = value * 10 + digit;
        }
        return value > max ? expected : std::string();
      },
      "SEED");
}

}  // namespace grl::cli
