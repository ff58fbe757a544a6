#include "algorithms/evaluation/evaluator.h"

#include <ATen/Context.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "common/config.h"
#include "common/runtime.h"
#include "common/seeding.h"
#include "envs/env.h"
#include "envs/vec_env.h"
#include "envs/vec_env_tensor.h"

namespace grl::evaluation {

template <class V>
void EvaluationConfig::visit(V& v) {
  v.field("episodes", episodes, "episodes per evaluation, run in lockstep", config::at_least(1));
  v.field("threads", threads, "threads stepping the envs (including the caller)", config::at_least(1));
  v.field("max_episode_steps", max_episode_steps, "time limit of each evaluation episode (the dataset's episodes keep the env's)", config::at_least(1));
  v.field("device", device, "device of the policy's observations (empty: cpu)");
  v.field("precision", precision,
          "arithmetic of the residual net's Euler sampling: fp32, or bf16 (bfloat16 weights and inputs, float32 sums; "
          "needs AVX512-BF16)",
          config::one_of(networks::inference_precision_names()));
}
template void EvaluationConfig::visit(config::Reader&);
template void EvaluationConfig::visit(config::Writer&);

training::Metrics EvaluationResult::metrics() const {
  return {{"return_mean", return_mean}, {"return_std", return_std}, {"score_mean", score_mean},
          {"score_std", score_std},     {"length_mean", length_mean}};
}

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

envs::EnvSpec spec_of(const std::string& id) {
  if (auto spec = envs::find_env_spec(id)) return *spec;
  return envs::env_spec(envs::parse_dataset_id(id).env);
}

// [B, act_dim] actions as float32 on the CPU; throws naming the shape when it is wrong.
torch::Tensor checked_actions(const torch::Tensor& actions, int64_t rows, int act_dim) {
  if (!actions.defined() || actions.dim() != 2 || actions.size(0) != rows || actions.size(1) != act_dim) {
    throw std::runtime_error("evaluator: the policy returned actions of shape " +
                             (actions.defined() ? c10::str(actions.sizes()) : std::string("(undefined)")) +
                             ", expected [" + std::to_string(rows) + ", " + std::to_string(act_dim) + "]");
  }
  return actions.detach().to(torch::kCPU, torch::kFloat32).contiguous();
}

// Seeds LibTorch's generator of `device` (where a generative policy draws its noise) from `seed` for
// the lifetime of this object and restores its previous state afterwards: an evaluation is then a
// function of the policy and the seed alone, and leaves the caller's random numbers untouched.
class SeededTorchGenerator {
 public:
  SeededTorchGenerator(const torch::Device& device, std::uint64_t seed)
      : generator_(at::globalContext().defaultGenerator(device.is_cuda() && !device.has_index()
                                                            ? torch::Device(torch::kCUDA, 0)
                                                            : device)) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    saved_ = generator_.get_state();
    generator_.set_current_seed(seed);
  }
  ~SeededTorchGenerator() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(saved_);
  }
  SeededTorchGenerator(const SeededTorchGenerator&) = delete;
  SeededTorchGenerator& operator=(const SeededTorchGenerator&) = delete;

 private:
  at::Generator generator_;
  torch::Tensor saved_;
};

constexpr std::uint64_t kPolicyNoiseStream = 0x706f6c6963796e73ULL;  // "policyns"

}  // namespace

Evaluator::Evaluator(const std::string& env_id, EvaluationConfig config)
    : env_id_(env_id),
      spec_(spec_of(env_id)),
      config_(std::move(config)),
      precision_(networks::parse_inference_precision(config_.precision)) {
  if (config_.episodes < 1) throw std::invalid_argument("evaluator: episodes must be >= 1");
  // A bad name, or bf16 on a CPU without it, fails here rather than at the first evaluation after training.
  networks::require_inference_precision(precision_);
  spec_.max_episode_steps = config_.max_episode_steps;
}

torch::Device Evaluator::device() const {
  return torch::Device(config_.device.empty() ? std::string("cpu") : resolve_device(config_.device));
}

void Evaluator::summarize(EvaluationResult& r) const {
  const double n = static_cast<double>(r.returns.size());
  r.normalized_scores.clear();
  double sum = 0, score_sum = 0, length_sum = 0;
  for (std::size_t i = 0; i < r.returns.size(); ++i) {
    r.normalized_scores.push_back(envs::normalized_score(spec_, r.returns[i]));
    sum += r.returns[i];
    score_sum += r.normalized_scores.back();
    length_sum += r.lengths[i];
  }
  r.return_mean = sum / n;
  r.score_mean = score_sum / n;
  r.length_mean = length_sum / n;
  double var = 0, score_var = 0;
  for (std::size_t i = 0; i < r.returns.size(); ++i) {
    var += (r.returns[i] - r.return_mean) * (r.returns[i] - r.return_mean);
    score_var += (r.normalized_scores[i] - r.score_mean) * (r.normalized_scores[i] - r.score_mean);
  }
  r.return_std = std::sqrt(var / n);
  r.score_std = std::sqrt(score_var / n);
}

EvaluationResult Evaluator::run(training::Policy& policy, std::uint64_t seed) const {
  const double start = now_seconds();
  const networks::ScopedInferencePrecision precision(precision_);
  const SeededTorchGenerator noise(device(), derive_seed(seed, kPolicyNoiseStream));
  envs::VecEnvOptions options;
  options.num_envs = config_.episodes;
  options.threads = config_.threads;
  options.auto_reset = false;
  options.seed = seed;
  options.env.max_episode_steps = config_.max_episode_steps;
  envs::VecEnv env(env_id_, options);
  env.reset(seed);

  const int n = env.num_envs();
  const int act_dim = env.act_dim();
  const torch::Device device = this->device();
  EvaluationResult result;
  result.returns.assign(n, 0.0);
  result.lengths.assign(n, 0);
  std::vector<std::uint8_t> active(n, 1);
  std::vector<float> actions(static_cast<std::size_t>(n) * act_dim, 0.0f);
  std::vector<int64_t> live;
  for (;;) {
    live.clear();
    for (int i = 0; i < n; ++i)
      if (active[i]) live.push_back(i);
    if (live.empty()) break;
    torch::Tensor observations = envs::observations_tensor(env, torch::kCPU);
    if (static_cast<int>(live.size()) < n) observations = observations.index_select(0, torch::tensor(live, torch::kLong));
    const torch::Tensor chosen =
        checked_actions(policy.act(observations.to(device)), static_cast<int64_t>(live.size()), act_dim);
    const float* rows = chosen.data_ptr<float>();
    for (std::size_t k = 0; k < live.size(); ++k) {
      std::copy(rows + k * act_dim, rows + (k + 1) * act_dim, actions.begin() + live[k] * act_dim);
    }
    ++result.policy_calls;
    env.step(actions.data(), active.data());
    for (const int64_t i : live) {
      result.returns[i] += env.rewards()[i];
      result.lengths[i] += 1;
      ++result.env_steps;
      if (env.terminals()[i] || env.timeouts()[i]) active[i] = 0;
    }
  }
  summarize(result);
  result.seconds = now_seconds() - start;
  return result;
}

EvaluationResult Evaluator::run_one_at_a_time(training::Policy& policy, std::uint64_t seed) const {
  const double start = now_seconds();
  const networks::ScopedInferencePrecision precision(precision_);
  envs::EnvOptions options;
  options.max_episode_steps = config_.max_episode_steps;
  const torch::Device device = this->device();
  const SeededTorchGenerator noise(device, derive_seed(seed, kPolicyNoiseStream));
  EvaluationResult result;
  for (int episode = 0; episode < config_.episodes; ++episode) {
    auto env = envs::make_env(env_id_, options);
    std::vector<double> obs = env->reset(derive_seed(seed, static_cast<std::uint64_t>(episode)));
    std::vector<float> obs_f(obs.size());
    std::vector<double> action(env->act_dim());
    double episode_return = 0;
    int length = 0;
    for (;;) {
      for (std::size_t j = 0; j < obs.size(); ++j) obs_f[j] = static_cast<float>(obs[j]);
      const torch::Tensor o = torch::from_blob(obs_f.data(), {1, static_cast<int64_t>(obs_f.size())}, torch::kFloat32);
      const torch::Tensor a = checked_actions(policy.act(o.clone().to(device)), 1, env->act_dim());
      for (int j = 0; j < env->act_dim(); ++j) action[j] = a.data_ptr<float>()[j];
      ++result.policy_calls;
      const envs::StepResult step = env->step(action.data(), obs.data());
      episode_return += step.reward;
      ++length;
      ++result.env_steps;
      if (step.done()) break;
    }
    result.returns.push_back(episode_return);
    result.lengths.push_back(length);
  }
  summarize(result);
  result.seconds = now_seconds() - start;
  return result;
}

}  // namespace grl::evaluation
