// A small pool of persistent worker threads for data-parallel loops (VecEnv stepping).
//
// parallel_for(count, fn) calls fn(i) once for every i in [0, count), spread over the workers and
// the calling thread, and returns when all calls have finished. Indices are handed out one at a
// time from an atomic counter, so uneven costs (contacts) balance themselves. No allocation per
// call: the callable is passed by pointer. An exception thrown by fn is rethrown in the caller
// (the first one; the remaining indices are still run).
//
// Waiting threads spin for up to 50 microseconds before they block on a condition variable: a
// VecEnv step is 0.5-5 ms of work, and a futex wake-up through the scheduler every step costs a
// noticeable share of that. A thread whose spin failed blocks at once for its next 32 waits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace grl::envs {

class ThreadPool {
 public:
  // `threads` counts the calling thread: threads - 1 workers are started. threads >= 1.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  template <class Fn>
  void parallel_for(int count, Fn& fn) {
    run(count, [](void* context, int i) { (*static_cast<Fn*>(context))(i); }, &fn);
  }

 private:
  using Call = void (*)(void*, int);
  void run(int count, Call call, void* context);
  void work();  // runs indices of the current job until none is left
  void worker_loop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable finished_;
  std::atomic<std::uint64_t> generation_{0};  // incremented (under mutex_) per job
  std::atomic<int> busy_workers_{0};          // workers still on the current job
  std::atomic<bool> stopping_{false};
  int caller_skip_spins_ = 0;  // see spin_until in thread_pool.cpp

  // The current job.
  Call call_ = nullptr;
  void* context_ = nullptr;
  int count_ = 0;
  std::atomic<int> next_{0};
  std::exception_ptr error_;
};

}  // namespace grl::envs
