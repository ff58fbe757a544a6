#include "common/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

#include "common/atomic_file.h"

namespace grl {

namespace {

std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof(text) - 1, 0);
  std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& run_directory) {
  std::filesystem::create_directories(run_directory);
  const auto path = run_directory / ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path.string() + ": cannot open the run's lock file: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = holder_of(fd_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw std::runtime_error(run_directory.string() + " is being written by process " + holder + " (" + path.string() +
                               "); one process writes a run at a time: wait for it to end, or stop it and resume");
    }
    throw std::runtime_error(path.string() + ": cannot lock the run: " + std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    std::cerr << "warning: " << path.string() << ": cannot record this process's id: " << std::strerror(errno) << "\n";
  }
  for (const auto& folder : {run_directory, run_directory / "checkpoints", run_directory / "snapshots"}) {
    for (const auto& stale : remove_stale_temporaries(folder)) {
      std::cerr << "removed " << stale.string() << ": a temporary file that an interrupted writer left behind\n";
    }
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace grl
