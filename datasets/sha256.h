// SHA-256 of dataset files and byte strings in lowercase hex (common/sha256.h does the hashing).
#pragma once

#include <filesystem>
#include <string>

namespace grl::datasets {

std::string sha256_hex(const std::string& bytes);
// Streams the file in 1 MiB blocks; throws DatasetError when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace grl::datasets
