#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace grl {

namespace {

const std::string kTemporaryMarker = ".tmp.";

std::runtime_error system_error(const std::filesystem::path& path, const std::string& action, int error) {
  return std::runtime_error(path.string() + ": " + action + ": " + std::strerror(error));
}

// Writes every byte or throws with errno's reason (ENOSPC: "No space left on device").
void write_all(int fd, const std::filesystem::path& path, std::string_view bytes) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw system_error(path, "cannot write", n < 0 ? errno : ENOSPC);
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         (path.filename().string() + kTemporaryMarker + std::to_string(::getpid()) + "." + std::to_string(counter++));
}

void write_file_atomic(const std::filesystem::path& path, const std::vector<std::string_view>& pieces) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const auto tmp = temporary_path_for(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw system_error(path, "cannot create its temporary file " + tmp.filename().string(), errno);
  bool open = true;
  try {
    for (const auto piece : pieces) write_all(fd, path, piece);
    // Data must be on disk before the rename makes it visible, or a crash can leave an empty file;
    // some file systems report a full disk only here.
    if (::fsync(fd) != 0) throw system_error(path, "cannot flush to disk", errno);
    open = false;  // close releases the descriptor even when it fails
    if (::close(fd) != 0) throw system_error(path, "cannot close", errno);
  } catch (...) {
    if (open) ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw std::runtime_error(path.string() + ": cannot replace with the new contents: " + ec.message());
  }
}

void write_file_atomic(const std::filesystem::path& path, const std::string& contents) {
  write_file_atomic(path, std::vector<std::string_view>{contents});
}

void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write) {
  std::ostringstream out(std::ios::binary);
  write(out);
  if (!out) throw std::runtime_error(path.string() + ": could not produce the contents to write");
  write_file_atomic(path, out.str());
}

std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> removed;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return removed;
  const std::string own = kTemporaryMarker + std::to_string(::getpid()) + ".";
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(kTemporaryMarker) == std::string::npos || name.find(own) != std::string::npos) continue;
    if (!entry.is_regular_file(ec)) continue;
    if (std::filesystem::remove(entry.path(), ec)) removed.push_back(entry.path());
  }
  return removed;
}

void require_regular_file(const std::filesystem::path& path, const std::string& what) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status) || std::filesystem::is_regular_file(status)) return;
  const char* kind = std::filesystem::is_directory(status)      ? "a directory"
                     : std::filesystem::is_character_file(status) ? "a character device"
                     : std::filesystem::is_block_file(status)     ? "a block device"
                     : std::filesystem::is_fifo(status)           ? "a FIFO"
                     : std::filesystem::is_socket(status)         ? "a socket"
                                                                  : "not a regular file";
  throw std::runtime_error(path.string() + ": expected a " + what + ", found " + kind);
}

std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open file for reading");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    throw std::runtime_error(path.string() + ": " + std::to_string(size) + " bytes, more than the " +
                             std::to_string(max_bytes) + " this file may have");
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path.string() + ": read error");
  return text.str();
}

}  // namespace grl
