// Files that are either completely written or not changed at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace grl {

// Writes `pieces`, one after the other, into a temporary file beside `path`, flushes it to disk,
// then renames it over `path`. Any failure (disk full included) throws an error naming `path` and
// the system's reason; the temporary is removed and the old file stays as it was.
void write_file_atomic(const std::filesystem::path& path, const std::vector<std::string_view>& pieces);
void write_file_atomic(const std::filesystem::path& path, const std::string& contents);
// The same for contents produced by `write` (gathered in memory first, so a failing disk never
// meets a half-serialised stream).
void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

// A temporary path beside `path` (same directory, so rename is atomic), unique to this process:
// "<name>.tmp.<pid>.<counter>".
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

// Removes the temporaries that writers other than this process left in `directory` (not recursive).
// Only safe while this process holds the directory's run lock: then no one else can be writing
// there, so any other process's temporary belongs to a writer that died. Returns the removed paths.
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& directory);

// Reads a whole regular file; throws naming the file when it is missing, unreadable, not a regular
// file (a directory, device or FIFO would hang or mislead) or larger than `max_bytes`.
std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes = UINTMAX_MAX);

// Throws "<path>: not a regular file (...)" for a directory, device, FIFO or socket; a missing path
// passes (callers report it in their own words).
void require_regular_file(const std::filesystem::path& path, const std::string& what = "file");

}  // namespace grl
