// Files that prove their integrity: the payload followed by a 56-byte trailer
//   "GRL-SHA256-V1\n\0\0" (16 bytes) | payload size (8 bytes, little-endian) | SHA-256 of the payload (32 bytes)
// so that a flipped bit, a truncated copy or a damaged header is detected when the file is read,
// instead of loading silently wrong values. The payload is left intact at the front of the file,
// so tools that read the payload format and tolerate trailing bytes (zip readers do) still open it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace grl {

// Writes payload + trailer atomically (see write_file_atomic).
void write_checksummed_file(const std::filesystem::path& path, std::string_view payload);

struct ChecksummedContents {
  std::string bytes;               // the whole file
  std::size_t payload_size = 0;    // the payload is bytes[0, payload_size)
  bool verified = false;           // false: the file has no trailer (written before checksums existed)
  std::string_view payload() const { return std::string_view(bytes).substr(0, payload_size); }
};

// Reads a file and verifies its trailer. A damaged file (wrong size, wrong digest, a trailer that
// is itself damaged) throws "<path>: damaged: ..."; a file without any trailer is returned with
// verified = false, and the caller decides whether it accepts such a file.
ChecksummedContents read_checksummed_file(const std::filesystem::path& path);

}  // namespace grl
