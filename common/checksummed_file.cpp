#include "common/checksummed_file.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/atomic_file.h"
#include "common/sha256.h"

namespace grl {

namespace {

constexpr std::size_t kMagicSize = 16;
constexpr char kMagic[kMagicSize + 1] = "GRL-SHA256-V1\n\0\0";
constexpr std::size_t kTrailerSize = kMagicSize + 8 + 32;

std::string trailer_for(std::string_view payload) {
  std::string trailer(kMagic, kMagicSize);
  std::uint64_t size = payload.size();
  for (int i = 0; i < 8; ++i) trailer += static_cast<char>((size >> (8 * i)) & 0xff);
  const auto digest = Sha256::of(payload.data(), payload.size());
  trailer.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return trailer;
}

}  // namespace

void write_checksummed_file(const std::filesystem::path& path, std::string_view payload) {
  const std::string trailer = trailer_for(payload);
  write_file_atomic(path, std::vector<std::string_view>{payload, trailer});
}

ChecksummedContents read_checksummed_file(const std::filesystem::path& path) {
  ChecksummedContents contents;
  contents.bytes = read_file(path);
  const std::string& bytes = contents.bytes;
  const auto damaged = [&](const std::string& why) {
    return std::runtime_error(path.string() + ": damaged: " + why +
                              " (copy it again, or resume from an earlier checkpoint)");
  };
  // A trailer with a few altered bytes in its header, or a file cut inside its trailer, is damage;
  // only a file with no trailer header near its end counts as written without one.
  std::size_t header_matches = 0;
  if (bytes.size() >= kTrailerSize)
    for (std::size_t i = 0; i < kMagicSize; ++i) header_matches += bytes[bytes.size() - kTrailerSize + i] == kMagic[i];
  if (header_matches < kMagicSize * 3 / 4) {
    const auto tail = bytes.size() > 4 * kTrailerSize ? bytes.size() - 4 * kTrailerSize : 0;
    if (bytes.find(std::string(kMagic, 10), tail) != std::string::npos) {
      throw damaged("its checksum trailer is cut or displaced (" + std::to_string(bytes.size()) + " bytes)");
    }
    contents.payload_size = bytes.size();
    contents.verified = false;
    return contents;
  }
  const char* trailer = bytes.data() + bytes.size() - kTrailerSize;
  if (std::memcmp(trailer, kMagic, kMagicSize) != 0) throw damaged("its checksum trailer's header is altered");
  std::uint64_t recorded_size = 0;
  for (int i = 0; i < 8; ++i)
    recorded_size |= static_cast<std::uint64_t>(static_cast<unsigned char>(trailer[kMagicSize + i])) << (8 * i);
  const std::size_t payload_size = bytes.size() - kTrailerSize;
  if (recorded_size != payload_size) {
    throw damaged("it holds " + std::to_string(payload_size) + " bytes of data, its trailer records " +
                  std::to_string(recorded_size));
  }
  const auto digest = Sha256::of(bytes.data(), payload_size);
  Sha256::Digest recorded{};
  std::memcpy(recorded.data(), trailer + kMagicSize + 8, recorded.size());
  if (digest != recorded) {
    throw damaged("SHA-256 of its data is " + Sha256::hex(digest) + ", its trailer records " + Sha256::hex(recorded));
  }
  contents.payload_size = payload_size;
  contents.verified = true;
  return contents;
}

}  // namespace grl
