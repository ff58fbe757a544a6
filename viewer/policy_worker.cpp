#include "viewer/policy_worker.h"

#include <chrono>
#include <exception>
#include <utility>

namespace grl::viewer {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

PolicyWorker::PolicyWorker(std::shared_ptr<CheckpointPolicy> policy, const DatasetPlayback* dataset)
    : policy_(std::move(policy)), dataset_(dataset), info_(policy_->info()), current_info_(info_),
      thread_([this] { run(); }) {}

PolicyWorker::~PolicyWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t PolicyWorker::request_action(std::vector<double> observation) {
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_id_++;
    action_request_ = ActionRequest{id, std::move(observation)};
  }
  wake_.notify_all();
  return id;
}

std::uint64_t PolicyWorker::request_distribution(std::vector<double> observation, int k, Comparison comparison) {
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_id_++;
    distribution_request_ = DistributionRequest{id, std::move(observation), k, comparison};
  }
  wake_.notify_all();
  return id;
}

void PolicyWorker::request_sampler(const std::string& solver, int steps) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sampler_request_ = SamplerRequest{solver, steps};
  }
  wake_.notify_all();
}

void PolicyWorker::request_seed(std::uint64_t seed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    seed_request_ = seed;
  }
  wake_.notify_all();
}

std::optional<ActionAnswer> PolicyWorker::take_action() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(action_answer_, std::nullopt);
}

std::optional<ActionAnswer> PolicyWorker::wait_action(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  answered_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return action_answer_.has_value(); });
  return std::exchange(action_answer_, std::nullopt);
}

std::optional<DistributionAnswer> PolicyWorker::take_distribution() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(distribution_answer_, std::nullopt);
}

std::optional<std::string> PolicyWorker::take_sampler_result() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(sampler_result_, std::nullopt);
}

PolicyInfo PolicyWorker::current_info() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_info_;
}

void PolicyWorker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] {
      return stop_ || action_request_ || distribution_request_ || sampler_request_ || seed_request_;
    });
    if (stop_) return;
    // Settings first, so the request that follows already uses them; actions before
    // distributions, so the robot keeps moving while the panel waits.
    if (sampler_request_) {
      const SamplerRequest request = *std::exchange(sampler_request_, std::nullopt);
      lock.unlock();
      std::string result;
      try {
        policy_->set_sampler(request.solver, request.steps);
      } catch (const std::exception& e) {
        result = e.what();
      }
      lock.lock();
      sampler_result_ = result;
      current_info_ = policy_->info();
      continue;
    }
    if (seed_request_) {
      const std::uint64_t seed = *std::exchange(seed_request_, std::nullopt);
      lock.unlock();
      policy_->seed(seed);
      lock.lock();
      continue;
    }
    if (action_request_) {
      ActionRequest request = std::move(*action_request_);
      action_request_.reset();
      lock.unlock();
      ActionAnswer answer;
      answer.id = request.id;
      const auto start = std::chrono::steady_clock::now();
      try {
        answer.action = policy_->act(request.observation);
      } catch (const std::exception& e) {
        answer.error = e.what();
      }
      answer.seconds = seconds_since(start);
      lock.lock();
      action_answer_ = std::move(answer);
      answered_.notify_all();
      continue;
    }
    DistributionRequest request = std::move(*distribution_request_);
    distribution_request_.reset();
    lock.unlock();
    DistributionAnswer answer;
    answer.id = request.id;
    const auto start = std::chrono::steady_clock::now();
    try {
      answer.samples = policy_->sample(request.observation, request.k, /*behaviour=*/false);
      if (request.comparison == Comparison::behaviour_model && info_.has_behaviour) {
        answer.comparison = policy_->sample(request.observation, request.k, /*behaviour=*/true);
        answer.comparison_label = "behaviour model samples";
      } else if (request.comparison == Comparison::dataset_neighbours && dataset_ != nullptr) {
        answer.comparison = dataset_->nearest_actions(request.observation, request.k);
        answer.comparison_label = "dataset actions of the nearest states";
      }
    } catch (const std::exception& e) {
      answer.error = e.what();
    }
    answer.seconds = seconds_since(start);
    lock.lock();
    distribution_answer_ = std::move(answer);
  }
}

}  // namespace grl::viewer
