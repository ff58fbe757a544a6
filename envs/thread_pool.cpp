#include "envs/thread_pool.h"

#include <chrono>
#include <stdexcept>
#include <string>

namespace grl::envs {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until done() or about 50 microseconds have passed; returns done(). A waiter whose spin
// failed skips spinning for its next 32 waits: when the machine is oversubscribed the other
// thread is not running, and spinning would only burn the time it needs.
template <class Done>
bool spin_until(Done done, int& skip_spins) {
  if (skip_spins > 0) {
    --skip_spins;
    return done();
  }
  constexpr auto kSpin = std::chrono::microseconds(50);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    if (done()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kSpin) {
      if (done()) return true;
      skip_spins = 32;
      return false;
    }
  }
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads < 1) throw std::invalid_argument("a thread pool needs at least 1 thread, got " + std::to_string(threads));
  workers_.reserve(threads - 1);
  for (int i = 0; i < threads - 1; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  start_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::work() {
  for (int i = next_.fetch_add(1, std::memory_order_relaxed); i < count_; i = next_.fetch_add(1, std::memory_order_relaxed)) {
    try {
      call_(context_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::run(int count, Call call, void* context) {
  if (count <= 0) return;
  if (workers_.empty() || count == 1) {
    for (int i = 0; i < count; ++i) call(context, i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    call_ = call;
    context_ = context;
    count_ = count;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    busy_workers_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_.notify_all();
  work();
  std::exception_ptr error;
  const auto all_done = [this] { return busy_workers_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(all_done, caller_skip_spins_)) {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, all_done);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  int skip_spins = 0;
  for (;;) {
    const auto has_job = [&] {
      return stopping_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(has_job, skip_spins)) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, has_job);
    }
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    work();
    if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);  // pairs with the caller's wait: no lost wake-up
      finished_.notify_one();
    }
  }
}

}  // namespace grl::envs
