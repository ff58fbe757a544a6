#include "envs/vec_env.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "common/seeding.h"

namespace grl::envs {

VecEnv::VecEnv(const std::string& id, const VecEnvOptions& options) : options_(options), pool_(options.threads) {
  if (options.num_envs < 1) throw std::invalid_argument("a VecEnv needs at least 1 env, got " + std::to_string(options.num_envs));
  envs_.reserve(options.num_envs);
  for (int i = 0; i < options.num_envs; ++i) envs_.push_back(make_env(id, options.env));
  obs_dim_ = envs_.front()->obs_dim();
  act_dim_ = envs_.front()->act_dim();
  const std::size_t n = envs_.size();
  observations_.assign(n * obs_dim_, 0.0f);
  final_observations_.assign(n * obs_dim_, 0.0f);
  rewards_.assign(n, 0.0);
  terminals_.assign(n, 0);
  timeouts_.assign(n, 0);
  terms_.assign(n, RewardTerms{});
  episode_returns_.assign(n, 0.0);
  episode_lengths_.assign(n, 0);
  ended_.assign(n, 0);
  action_scratch_.assign(n * act_dim_, 0.0);
  obs_scratch_.assign(n * obs_dim_, 0.0);
  for (int i = 0; i < options.num_envs; ++i) envs_[i]->seed(derive_seed(options.seed, static_cast<std::uint64_t>(i)));
}

VecEnv::~VecEnv() = default;

void VecEnv::write_observation(int i, float* rows) {
  const double* src = obs_scratch_.data() + static_cast<std::size_t>(i) * obs_dim_;
  float* dst = rows + static_cast<std::size_t>(i) * obs_dim_;
  for (int k = 0; k < obs_dim_; ++k) dst[k] = static_cast<float>(src[k]);
}

void VecEnv::reset_env(int i) {
  if (i < 0 || i >= num_envs()) throw std::out_of_range("env index " + std::to_string(i) + " out of range [0, " + std::to_string(num_envs()) + ")");
  envs_[i]->reset_into(obs_scratch_.data() + static_cast<std::size_t>(i) * obs_dim_);
  write_observation(i, observations_.data());
  rewards_[i] = 0.0;
  terminals_[i] = timeouts_[i] = 0;
  terms_[i] = RewardTerms{};
  episode_returns_[i] = 0.0;
  episode_lengths_[i] = 0;
}

void VecEnv::reset() {
  auto reset_one = [this](int i) { reset_env(i); };
  pool_.parallel_for(num_envs(), reset_one);
}

void VecEnv::reset(std::uint64_t seed) {
  options_.seed = seed;
  for (int i = 0; i < num_envs(); ++i) envs_[i]->seed(derive_seed(seed, static_cast<std::uint64_t>(i)));
  reset();
}

void VecEnv::check_actions(const float* actions, const std::uint8_t* active) const {
  for (int i = 0; i < num_envs(); ++i) {
    if (active && !active[i]) continue;
    const float* row = actions + static_cast<std::size_t>(i) * act_dim_;
    for (int k = 0; k < act_dim_; ++k) {
      if (!std::isfinite(row[k])) {
        std::ostringstream what;
        what << spec().id << " VecEnv: env " << i << " action[" << k << "] is " << row[k]
             << "; actions must be finite (they are clipped to [-1, 1])";
        throw std::invalid_argument(what.str());
      }
    }
  }
}

void VecEnv::step_env(int i, const float* actions) {
  double* action = action_scratch_.data() + static_cast<std::size_t>(i) * act_dim_;
  const float* row = actions + static_cast<std::size_t>(i) * act_dim_;
  for (int k = 0; k < act_dim_; ++k) action[k] = static_cast<double>(row[k]);
  double* obs = obs_scratch_.data() + static_cast<std::size_t>(i) * obs_dim_;
  const StepResult r = envs_[i]->step(action, obs);
  rewards_[i] = r.reward;
  terminals_[i] = r.terminal;
  timeouts_[i] = r.timeout;
  terms_[i] = r.terms;
  episode_returns_[i] += r.reward;
  episode_lengths_[i] += 1;
  write_observation(i, observations_.data());
  if (options_.auto_reset && r.done()) {
    write_observation(i, final_observations_.data());
    ended_[i] = 1;
    envs_[i]->reset_into(obs);
    write_observation(i, observations_.data());
  }
}

void VecEnv::step(const float* actions) { step(actions, nullptr); }

void VecEnv::step(const float* actions, const std::uint8_t* active) {
  check_actions(actions, active);
  // Auto-reset: the statistics of an episode that ended in the previous step are kept for one
  // step, so that the caller can read them; clear them now.
  for (int i = 0; i < num_envs(); ++i) {
    if (ended_[i] && (!active || active[i])) {
      episode_returns_[i] = 0.0;
      episode_lengths_[i] = 0;
      ended_[i] = 0;
    }
  }
  auto step_one = [this, actions, active](int i) {
    if (active && !active[i]) {
      rewards_[i] = 0.0;
      terminals_[i] = timeouts_[i] = 0;
      terms_[i] = RewardTerms{};
      return;
    }
    step_env(i, actions);
  };
  pool_.parallel_for(num_envs(), step_one);
}

}  // namespace grl::envs
