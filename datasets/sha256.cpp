#include "datasets/sha256.h"

#include <fstream>
#include <vector>

#include "common/sha256.h"
#include "datasets/dataset_error.h"

namespace grl::datasets {

std::string sha256_hex(const std::string& bytes) { return Sha256::hex(Sha256::of(bytes.data(), bytes.size())); }

std::string sha256_file_hex(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError(path.string() + ": cannot open file to compute its SHA-256");
  Sha256 digest;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0) digest.update(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw DatasetError(path.string() + ": read error while computing its SHA-256");
  return Sha256::hex(digest.finish());
}

}  // namespace grl::datasets
