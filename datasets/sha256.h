// SHA-256 digests in lowercase hex (OpenSSL's libcrypto, which HDF5 already links on Debian).
#pragma once

#include <filesystem>
#include <string>

namespace grl::datasets {

std::string sha256_hex(const std::string& bytes);
// Streams the file in 1 MiB blocks; throws DatasetError when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace grl::datasets
