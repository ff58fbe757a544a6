#include "datasets/batch_sampler.h"

#include <numeric>
#include <sstream>

#include "common/memory_limit.h"
#include "datasets/dataset_error.h"

namespace grl::datasets {

std::string to_string(SamplingMode mode) {
  return mode == SamplingMode::with_replacement ? "with_replacement" : "epoch_permutation";
}

SamplingMode parse_sampling_mode(const std::string& name) {
  if (name == "with_replacement") return SamplingMode::with_replacement;
  if (name == "epoch_permutation") return SamplingMode::epoch_permutation;
  throw DatasetError("unknown sampling mode '" + name + "' (expected with_replacement or epoch_permutation)");
}

std::string BatchSamplerState::serialize() const {
  std::ostringstream out;
  out << "grl_batch_sampler 1\n"
      << "mode " << to_string(mode) << "\n"
      << "dataset_size " << dataset_size << "\n"
      << "batch_size " << batch_size << "\n"
      << "epoch " << epoch << "\n"
      << "position " << position << "\n"
      << "rng " << rng << "\n";
  return out.str();
}

BatchSamplerState BatchSamplerState::parse(const std::string& text) {
  std::istringstream in(text);
  std::string key, mode;
  int version = 0;
  BatchSamplerState state;
  auto expect = [&](const char* name) {
    if (!(in >> key) || key != name)
      throw DatasetError(std::string("batch sampler state: expected '") + name + "', found '" + key + "'");
  };
  expect("grl_batch_sampler");
  if (!(in >> version) || version != 1) throw DatasetError("batch sampler state: unsupported version");
  expect("mode");
  in >> mode;
  state.mode = parse_sampling_mode(mode);
  expect("dataset_size");
  in >> state.dataset_size;
  expect("batch_size");
  in >> state.batch_size;
  expect("epoch");
  in >> state.epoch;
  expect("position");
  in >> state.position;
  expect("rng");
  std::getline(in, state.rng);
  std::istringstream check(state.rng);
  std::mt19937_64 rng;
  if (!in || !(check >> rng)) throw DatasetError("batch sampler state: malformed text");
  return state;
}

BatchSampler::BatchSampler(TransitionSet data, std::int64_t batch_size, std::uint64_t seed, SamplingMode mode)
    : data_(std::move(data)), batch_size_(batch_size), mode_(mode), rng_(seed) {
  if (data_.size() == 0) throw DatasetError("batch sampler: the transition set is empty");
  if (batch_size_ <= 0) throw DatasetError("batch sampler: batch size must be positive, got " + std::to_string(batch_size_));
  // One batch: states, next states, actions, reward and done as float32, plus an int64 index.
  const auto row_bytes = static_cast<std::uint64_t>(2 * data_.obs_dim() + data_.act_dim() + 2) * sizeof(float) + sizeof(std::int64_t);
  try {
    require_fits_in_memory(static_cast<double>(batch_size_) * static_cast<double>(row_bytes),
                           "a batch of " + std::to_string(batch_size_) + " transitions");
  } catch (const std::runtime_error& e) {
    throw DatasetError(std::string("batch sampler: ") + e.what());
  }
  if (mode_ == SamplingMode::epoch_permutation) {
    start_epoch();
    epoch_ = 0;
  }
}

std::uint64_t BatchSampler::below(std::uint64_t n) {
  // Lemire's multiply-and-reject: unbiased, and unlike std::uniform_int_distribution the same
  // numbers on every standard library, so a seed means the same batches everywhere.
  __extension__ using u128 = unsigned __int128;
  u128 m = static_cast<u128>(rng_()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(rng_()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

void BatchSampler::start_epoch() {
  epoch_start_rng_ = rng_;
  const auto n = static_cast<std::size_t>(data_.size());
  permutation_.resize(n);
  std::iota(permutation_.begin(), permutation_.end(), std::int64_t{0});
  for (std::size_t i = n - 1; i > 0; --i) std::swap(permutation_[i], permutation_[below(i + 1)]);
  position_ = 0;
  ++epoch_;
}

torch::Tensor BatchSampler::next_indices() {
  auto indices = torch::empty({batch_size_}, torch::kLong);
  std::int64_t* out = indices.data_ptr<std::int64_t>();
  const auto n = static_cast<std::uint64_t>(data_.size());
  if (mode_ == SamplingMode::with_replacement) {
    for (std::int64_t i = 0; i < batch_size_; ++i) out[i] = static_cast<std::int64_t>(below(n));
    return indices;
  }
  std::int64_t filled = 0;
  while (filled < batch_size_) {
    if (position_ == data_.size()) start_epoch();
    const std::int64_t take = std::min(batch_size_ - filled, data_.size() - position_);
    std::copy_n(permutation_.begin() + position_, take, out + filled);
    filled += take;
    position_ += take;
  }
  return indices;
}

TransitionBatch BatchSampler::next() {
  auto indices = next_indices();
  if (data_.device() != indices.device()) indices = indices.to(data_.device(), /*non_blocking=*/true);
  return data_.select(indices);
}

BatchSamplerState BatchSampler::get_state() const {
  BatchSamplerState state;
  state.mode = mode_;
  state.dataset_size = data_.size();
  state.batch_size = batch_size_;
  state.epoch = epoch_;
  state.position = position_;
  std::ostringstream rng;
  rng << (mode_ == SamplingMode::epoch_permutation ? epoch_start_rng_ : rng_);
  state.rng = rng.str();
  return state;
}

void BatchSampler::set_state(const BatchSamplerState& state) {
  if (state.mode != mode_ || state.dataset_size != data_.size() || state.batch_size != batch_size_)
    throw DatasetError("batch sampler state is for mode " + to_string(state.mode) + ", " + std::to_string(state.dataset_size) +
                       " transitions, batch " + std::to_string(state.batch_size) + "; this sampler has " + to_string(mode_) +
                       ", " + std::to_string(data_.size()) + " transitions, batch " + std::to_string(batch_size_));
  if (state.position < 0 || state.position > data_.size()) throw DatasetError("batch sampler state: position out of range");
  std::istringstream in(state.rng);
  std::mt19937_64 rng;
  if (!(in >> rng)) throw DatasetError("batch sampler state: malformed generator state");
  rng_ = rng;
  if (mode_ == SamplingMode::epoch_permutation) {
    start_epoch();  // draws the same permutation again and leaves rng_ where it was
    epoch_ = state.epoch;
    position_ = state.position;
  }
}

}  // namespace grl::datasets
