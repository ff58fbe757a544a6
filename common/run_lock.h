// One writer per run folder. Two processes writing one run (two `grl resume`, or a resume beside
// the training it continues) would interleave metrics lines and overwrite each other's checkpoints,
// so every writer holds runs/<name>/.lock for as long as it writes.
#pragma once

#include <filesystem>

namespace grl {

class RunLock {
 public:
  // Takes an exclusive flock on <run>/.lock (creating it) and writes this process's id into it.
  // The kernel releases the lock when the process ends however it ends (kill -9 included), so a
  // dead writer never blocks a resume. When another process holds it, throws
  //   "<run> is being written by process <pid> (<run>/.lock); ..."
  // Once held, removes the temporaries that dead writers left in the run (common/atomic_file.h)
  // and says so on stderr.
  explicit RunLock(const std::filesystem::path& run_directory);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace grl
