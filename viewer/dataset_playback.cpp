#include "viewer/dataset_playback.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "datasets/d4rl_file.h"
#include "datasets/dataset_location.h"

namespace grl::viewer {
namespace {

template <class T>
std::vector<T> flat_values(const torch::Tensor& tensor, torch::ScalarType type) {
  const torch::Tensor c = tensor.to(torch::kCPU, type).contiguous();
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

}  // namespace

DatasetPlayback::DatasetPlayback(const std::string& dataset, const envs::EnvSpec& env)
    : obs_dim_(env.obs_dim), act_dim_(env.act_dim), nq_(env.nq), nv_(env.nv) {
  const datasets::DatasetLocation location = datasets::locate_dataset(dataset);
  if (location.format != datasets::DatasetFormat::d4rl) {
    throw std::runtime_error("dataset " + location.file.string() +
                             " is a Minari dataset; playback needs the D4RL layout with infos/qpos and infos/qvel");
  }
  file_ = location.file.string();
  datasets::D4rlReadOptions options;
  options.metadata = false;
  options.other_arrays = false;
  const datasets::D4rlFile data = datasets::read_d4rl_file(location.file, options);
  datasets::validate_d4rl_file(data, file_, &env, /*check_finite=*/false);
  for (const char* key : {"qpos", "qvel"}) {
    if (data.infos.count(key) == 0) {
      throw std::runtime_error("dataset " + file_ + " has no infos/" + key +
                               ": playback needs the simulator state of every row");
    }
  }
  const torch::Tensor& qpos = data.infos.at("qpos");
  const torch::Tensor& qvel = data.infos.at("qvel");
  rows_ = data.rows();
  if (qpos.dim() != 2 || qpos.size(0) != rows_ || qpos.size(1) != nq_ || qvel.dim() != 2 || qvel.size(0) != rows_ ||
      qvel.size(1) != nv_) {
    throw std::runtime_error("dataset " + file_ + ": infos/qpos and infos/qvel must be [" + std::to_string(rows_) +
                             ", " + std::to_string(nq_) + "] and [" + std::to_string(rows_) + ", " +
                             std::to_string(nv_) + "] for " + env.id);
  }
  if (rows_ == 0) throw std::runtime_error("dataset " + file_ + " has no rows");
  observations_ = flat_values<float>(data.observations, torch::kFloat32);
  actions_ = flat_values<float>(data.actions, torch::kFloat32);
  rewards_ = flat_values<double>(data.rewards.reshape({-1}), torch::kFloat64);
  qpos_ = flat_values<double>(qpos, torch::kFloat64);
  qvel_ = flat_values<double>(qvel, torch::kFloat64);
  const torch::Tensor std = data.observations.to(torch::kFloat64).std(0, /*unbiased=*/false);
  for (const double s : flat_values<double>(std, torch::kFloat64)) {
    inverse_std_.push_back(static_cast<float>(1.0 / std::max(s, 1e-3)));
  }

  // Episodes end at a terminal or a timeout row; the rows after the last such row (a file cut in
  // the middle of an episode) are one more episode.
  const std::vector<std::uint8_t> terminal = flat_values<std::uint8_t>(data.terminals.reshape({-1}) != 0, torch::kUInt8);
  std::vector<std::uint8_t> timeout(static_cast<std::size_t>(rows_), 0);
  if (data.timeouts) timeout = flat_values<std::uint8_t>(data.timeouts->reshape({-1}) != 0, torch::kUInt8);
  DatasetEpisode current;
  for (std::int64_t r = 0; r < rows_; ++r) {
    current.episode_return += rewards_[static_cast<std::size_t>(r)];
    ++current.length;
    if (terminal[static_cast<std::size_t>(r)] || timeout[static_cast<std::size_t>(r)] || r + 1 == rows_) {
      current.terminal = terminal[static_cast<std::size_t>(r)] != 0;
      episodes_.push_back(current);
      current = DatasetEpisode{};
      current.begin = r + 1;
    }
  }
}

const DatasetEpisode& DatasetPlayback::episode(int index) const {
  if (index < 0 || index >= episode_count()) {
    throw std::out_of_range("dataset " + file_ + " has episodes 0.." + std::to_string(episode_count() - 1) +
                            ", not " + std::to_string(index));
  }
  return episodes_[static_cast<std::size_t>(index)];
}

void DatasetPlayback::apply_state(envs::Env& env, std::int64_t row) const {
  if (row < 0 || row >= rows_) throw std::out_of_range("dataset row " + std::to_string(row) + " out of range");
  env.set_state(qpos_.data() + row * nq_, qvel_.data() + row * nv_);
}

std::vector<double> DatasetPlayback::observation(std::int64_t row) const {
  const float* o = observations_.data() + row * obs_dim_;
  return std::vector<double>(o, o + obs_dim_);
}

std::vector<double> DatasetPlayback::action(std::int64_t row) const {
  const float* a = actions_.data() + row * act_dim_;
  return std::vector<double>(a, a + act_dim_);
}

std::vector<float> DatasetPlayback::nearest_actions(const std::vector<double>& observation, int k) const {
  if (static_cast<int>(observation.size()) != obs_dim_ || k < 1) return {};
  std::vector<float> query(observation.size());
  for (int j = 0; j < obs_dim_; ++j) query[j] = static_cast<float>(observation[j]) * inverse_std_[j];
  std::vector<std::pair<float, std::int64_t>> distances(static_cast<std::size_t>(rows_));
  for (std::int64_t r = 0; r < rows_; ++r) {
    const float* o = observations_.data() + r * obs_dim_;
    float d = 0;
    for (int j = 0; j < obs_dim_; ++j) {
      const float diff = o[j] * inverse_std_[j] - query[j];
      d += diff * diff;
    }
    distances[static_cast<std::size_t>(r)] = {d, r};
  }
  const std::size_t kept = std::min<std::size_t>(static_cast<std::size_t>(k), distances.size());
  std::partial_sort(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(kept), distances.end());
  std::vector<float> result;
  result.reserve(kept * static_cast<std::size_t>(act_dim_));
  for (std::size_t i = 0; i < kept; ++i) {
    const float* a = actions_.data() + distances[i].second * act_dim_;
    result.insert(result.end(), a, a + act_dim_);
  }
  return result;
}

}  // namespace grl::viewer
