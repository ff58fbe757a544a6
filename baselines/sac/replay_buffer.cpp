#include "baselines/sac/replay_buffer.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace grl::sac {

ReplayBuffer::ReplayBuffer(std::int64_t capacity, std::int64_t obs_dim, std::int64_t act_dim, std::int64_t nq,
                           std::int64_t nv)
    : capacity_(capacity), obs_dim_(obs_dim), act_dim_(act_dim), nq_(nq), nv_(nv) {
  if (capacity < 1) throw std::invalid_argument("replay buffer: capacity must be >= 1");
  observations_ = torch::zeros({capacity, obs_dim});
  actions_ = torch::zeros({capacity, act_dim});
  rewards_ = torch::zeros({capacity, 1});
  next_observations_ = torch::zeros({capacity, obs_dim});
  terminals_ = torch::zeros({capacity, 1});
  timeouts_ = torch::zeros({capacity}, torch::kBool);
  qpos_ = torch::zeros({capacity, nq}, torch::kFloat64);
  qvel_ = torch::zeros({capacity, nv}, torch::kFloat64);
  log_probs_ = torch::zeros({capacity});
  envs_ = torch::zeros({capacity}, torch::kInt32);
}

void ReplayBuffer::add(const ReplayRow& row) {
  const std::int64_t i = next_;
  std::copy_n(row.observation, obs_dim_, observations_.data_ptr<float>() + i * obs_dim_);
  std::copy_n(row.action, act_dim_, actions_.data_ptr<float>() + i * act_dim_);
  rewards_.data_ptr<float>()[i] = static_cast<float>(row.reward);
  std::copy_n(row.next_observation, obs_dim_, next_observations_.data_ptr<float>() + i * obs_dim_);
  terminals_.data_ptr<float>()[i] = row.terminal ? 1.0f : 0.0f;
  timeouts_.data_ptr<bool>()[i] = row.timeout && !row.terminal;
  std::copy_n(row.qpos, nq_, qpos_.data_ptr<double>() + i * nq_);
  std::copy_n(row.qvel, nv_, qvel_.data_ptr<double>() + i * nv_);
  log_probs_.data_ptr<float>()[i] = row.log_prob;
  envs_.data_ptr<int>()[i] = row.env;
  if (row.env >= static_cast<int>(last_row_of_env_.size())) last_row_of_env_.resize(row.env + 1, -1);
  last_row_of_env_[row.env] = added_;
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
  ++added_;
}

void ReplayBuffer::mark_episode_cut(int env) {
  if (env < 0 || env >= static_cast<int>(last_row_of_env_.size()) || last_row_of_env_[env] < 0) return;
  const std::int64_t row = last_row_of_env_[env];
  if (added_ - row > capacity_) return;  // overwritten since
  const std::int64_t i = row % capacity_;
  if (terminals_.data_ptr<float>()[i] == 0.0f) timeouts_.data_ptr<bool>()[i] = true;
}

datasets::TransitionBatch ReplayBuffer::sample(std::int64_t batch_size) const {
  if (size_ == 0) throw std::logic_error("replay buffer: sample() from an empty buffer");
  const torch::Tensor index = torch::randint(0, size_, {batch_size}, torch::kLong);
  datasets::TransitionBatch batch;
  batch.observations = observations_.index_select(0, index);
  batch.actions = actions_.index_select(0, index);
  batch.rewards = rewards_.index_select(0, index);
  batch.next_observations = next_observations_.index_select(0, index);
  batch.dones = terminals_.index_select(0, index);
  return batch;
}

datasets::D4rlFile ReplayBuffer::to_d4rl(std::int64_t rows) const {
  if (rows < 1 || rows > added_) {
    throw std::invalid_argument("replay buffer: asked for " + std::to_string(rows) + " rows, " +
                                std::to_string(added_) + " were added");
  }
  if (added_ > capacity_) {
    throw std::invalid_argument("replay buffer: it wrapped (capacity " + std::to_string(capacity_) +
                                "), so its first rows are gone; use a capacity of at least the run's steps");
  }
  // Whole episodes, in the order they ended; each env's rows are already in time order.
  const int* env = envs_.data_ptr<int>();
  const float* terminal = terminals_.data_ptr<float>();
  const bool* timeout = timeouts_.data_ptr<bool>();
  const int num_envs = static_cast<int>(*std::max_element(env, env + rows)) + 1;
  std::vector<std::vector<std::int64_t>> running(num_envs);
  std::vector<std::int64_t> order;
  order.reserve(rows);
  for (std::int64_t i = 0; i < rows; ++i) {
    running[env[i]].push_back(i);
    if (terminal[i] != 0.0f || timeout[i]) {
      order.insert(order.end(), running[env[i]].begin(), running[env[i]].end());
      running[env[i]].clear();
    }
  }
  std::vector<std::int64_t> cut_rows;
  for (auto& episode : running) {
    if (episode.empty()) continue;
    order.insert(order.end(), episode.begin(), episode.end());
    cut_rows.push_back(static_cast<std::int64_t>(order.size()) - 1);
  }
  const torch::Tensor index = torch::tensor(order, torch::kLong);
  datasets::D4rlFile file;
  file.observations = observations_.index_select(0, index);
  file.actions = actions_.index_select(0, index);
  file.rewards = rewards_.index_select(0, index).squeeze(1);
  file.next_observations = next_observations_.index_select(0, index);
  file.terminals = terminals_.index_select(0, index).squeeze(1).to(torch::kBool);
  file.timeouts = timeouts_.index_select(0, index);
  for (const std::int64_t r : cut_rows) file.timeouts->data_ptr<bool>()[r] = true;
  file.infos["qpos"] = qpos_.index_select(0, index);
  file.infos["qvel"] = qvel_.index_select(0, index);
  file.infos["action_log_probs"] = log_probs_.index_select(0, index);
  return file;
}

void ReplayBuffer::save(training::CheckpointWriter& out, const std::string& prefix) const {
  out.integer(prefix + "/capacity", capacity_);
  out.integer(prefix + "/size", size_);
  out.integer(prefix + "/next", next_);
  out.integer(prefix + "/added", added_);
  auto rows = [&](const torch::Tensor& t) { return t.narrow(0, 0, size_); };
  out.tensor(prefix + "/observations", rows(observations_));
  out.tensor(prefix + "/actions", rows(actions_));
  out.tensor(prefix + "/rewards", rows(rewards_));
  out.tensor(prefix + "/next_observations", rows(next_observations_));
  out.tensor(prefix + "/terminals", rows(terminals_));
  out.tensor(prefix + "/timeouts", rows(timeouts_));
  out.tensor(prefix + "/qpos", rows(qpos_));
  out.tensor(prefix + "/qvel", rows(qvel_));
  out.tensor(prefix + "/log_probs", rows(log_probs_));
  out.tensor(prefix + "/envs", rows(envs_));
  out.tensor(prefix + "/last_row_of_env", torch::tensor(last_row_of_env_, torch::kLong));
}

void ReplayBuffer::load(const training::CheckpointReader& in, const std::string& prefix) {
  if (in.integer(prefix + "/capacity") != capacity_) {
    throw std::runtime_error(in.path().string() + ": replay buffer capacity " +
                             std::to_string(in.integer(prefix + "/capacity")) + " differs from this run's " +
                             std::to_string(capacity_));
  }
  size_ = in.integer(prefix + "/size");
  next_ = in.integer(prefix + "/next");
  added_ = in.integer(prefix + "/added");
  auto rows = [&](torch::Tensor& dst, const char* name) {
    const torch::Tensor t = in.tensor(prefix + "/" + name);
    if (t.size(0) != size_ || t.scalar_type() != dst.scalar_type() || t.sizes().slice(1) != dst.sizes().slice(1)) {
      throw std::runtime_error(in.path().string() + ": replay buffer entry '" + name + "' does not fit this run");
    }
    dst.narrow(0, 0, size_).copy_(t);
  };
  rows(observations_, "observations");
  rows(actions_, "actions");
  rows(rewards_, "rewards");
  rows(next_observations_, "next_observations");
  rows(terminals_, "terminals");
  rows(timeouts_, "timeouts");
  rows(qpos_, "qpos");
  rows(qvel_, "qvel");
  rows(log_probs_, "log_probs");
  rows(envs_, "envs");
  const torch::Tensor last = in.tensor(prefix + "/last_row_of_env").contiguous();
  last_row_of_env_.assign(last.data_ptr<std::int64_t>(), last.data_ptr<std::int64_t>() + last.numel());
}

}  // namespace grl::sac
