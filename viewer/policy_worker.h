// Policy inference off the render thread. The window asks for an action (or for K samples of the
// action distribution) and goes on drawing; the worker thread runs the policy and leaves the answer
// for the next frame to pick up. A generative policy with many solver steps then slows the robot,
// never the frame rate.
//
// One request of each kind is outstanding at a time: a new request of a kind replaces a pending one
// not yet started (the newest state is the one worth sampling). Sampler changes are applied before
// the next request runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "viewer/checkpoint_policy.h"
#include "viewer/dataset_playback.h"

namespace grl::viewer {

struct ActionAnswer {
  std::uint64_t id = 0;        // the request's id
  std::vector<float> action;   // act_dim values; empty when the policy failed (see error)
  double seconds = 0;          // inference time
  std::string error;
};

struct DistributionAnswer {
  std::uint64_t id = 0;
  std::vector<float> samples;     // [K, act_dim] from the acting policy
  std::vector<float> comparison;  // [M, act_dim]: nearest dataset actions or behaviour samples
  std::string comparison_label;   // what `comparison` holds
  double seconds = 0;
  std::string error;
};

enum class Comparison { none, dataset_neighbours, behaviour_model };

class PolicyWorker {
 public:
  // `dataset` may be null (no neighbours to compare with); it must outlive the worker.
  PolicyWorker(std::shared_ptr<CheckpointPolicy> policy, const DatasetPlayback* dataset);
  ~PolicyWorker();  // finishes the request running now, then joins
  PolicyWorker(const PolicyWorker&) = delete;
  PolicyWorker& operator=(const PolicyWorker&) = delete;

  const PolicyInfo& info() const { return info_; }

  // Returns the request's id.
  std::uint64_t request_action(std::vector<double> observation);
  std::uint64_t request_distribution(std::vector<double> observation, int k, Comparison comparison);
  // Applied before the next request; its error (if any) comes back with that request's answer.
  void request_sampler(const std::string& solver, int steps);
  void request_seed(std::uint64_t seed);

  // Answers not yet taken (each is returned once).
  std::optional<ActionAnswer> take_action();
  // take_action, waiting up to `seconds` for the answer to arrive (the per-frame inference budget).
  std::optional<ActionAnswer> wait_action(double seconds);
  std::optional<DistributionAnswer> take_distribution();
  // The last sampler change's outcome: empty string when it was applied.
  std::optional<std::string> take_sampler_result();
  // Solver settings acting now (updated when a change was applied).
  PolicyInfo current_info() const;

 private:
  struct ActionRequest {
    std::uint64_t id;
    std::vector<double> observation;
  };
  struct DistributionRequest {
    std::uint64_t id;
    std::vector<double> observation;
    int k;
    Comparison comparison;
  };
  struct SamplerRequest {
    std::string solver;
    int steps;
  };
  void run();

  std::shared_ptr<CheckpointPolicy> policy_;
  const DatasetPlayback* dataset_;
  PolicyInfo info_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable answered_;
  bool stop_ = false;
  std::uint64_t next_id_ = 1;
  std::optional<ActionRequest> action_request_;
  std::optional<DistributionRequest> distribution_request_;
  std::optional<SamplerRequest> sampler_request_;
  std::optional<std::uint64_t> seed_request_;
  std::optional<ActionAnswer> action_answer_;
  std::optional<DistributionAnswer> distribution_answer_;
  std::optional<std::string> sampler_result_;
  PolicyInfo current_info_;
  std::thread thread_;  // last: starts after every member it uses exists
};

}  // namespace grl::viewer
