// Files that are either completely written or not changed at all.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace grl {

// Writes through `write` into a temporary file beside `path`, flushes it to disk, then renames it
// over `path`; on any failure the temporary is removed and the old file is untouched.
void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);
void write_file_atomic(const std::filesystem::path& path, const std::string& contents);

// A temporary path beside `path` (same directory, so rename is atomic), unique to this process.
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

std::string read_file(const std::filesystem::path& path);

}  // namespace grl
