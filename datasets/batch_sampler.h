// Random minibatches of a TransitionSet: row indices drawn on the CPU from the sampler's own
// generator (never LibTorch's global one), then one index_select per field on the set's device.
//
//   BatchSampler sampler(transitions, 256, derive_seed(seed, SeedStream::sampler));
//   TransitionBatch batch = sampler.next();   // batch.observations: (256, obs_dim)
//   std::string saved = sampler.get_state().serialize();   // into the checkpoint
//   ... later: sampler.set_state(BatchSamplerState::parse(saved));  // continues bit-identically
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "datasets/transition_set.h"

namespace grl::datasets {

enum class SamplingMode {
  // Every row of every batch uniform over the set, independently (the usual offline RL sampler).
  with_replacement,
  // Batches walk through a fresh random permutation per epoch. Batches always have batch_size rows:
  // one that reaches the end of an epoch continues into the next permutation, so the first k * N
  // sampled indices hold every row exactly k times.
  epoch_permutation,
};

std::string to_string(SamplingMode mode);
SamplingMode parse_sampling_mode(const std::string& name);  // "with_replacement", "epoch_permutation"

// Everything needed to continue a sampler where it was: the generator and the position in the
// current permutation. For epoch_permutation `rng` is the generator as it was when the current
// epoch's permutation was drawn (the permutation is drawn again on restore).
struct BatchSamplerState {
  SamplingMode mode = SamplingMode::with_replacement;
  std::int64_t dataset_size = 0;
  std::int64_t batch_size = 0;
  std::int64_t epoch = 0;
  std::int64_t position = 0;
  std::string rng;  // std::mt19937_64 in its standard text form

  // Plain text, one "key value" line each; parse() throws DatasetError on malformed text.
  std::string serialize() const;
  static BatchSamplerState parse(const std::string& text);
};

class BatchSampler {
 public:
  // `seed` seeds the sampler's std::mt19937_64 directly (pass derive_seed(run_seed, SeedStream::sampler)).
  BatchSampler(TransitionSet data, std::int64_t batch_size, std::uint64_t seed,
               SamplingMode mode = SamplingMode::with_replacement);

  // The next batch's row indices: int64, on the CPU.
  torch::Tensor next_indices();
  // The next batch, on the set's device.
  TransitionBatch next();

  BatchSamplerState get_state() const;
  // Throws DatasetError when the state belongs to another mode, dataset size or batch size.
  void set_state(const BatchSamplerState& state);

  std::int64_t batch_size() const { return batch_size_; }
  // epoch_permutation: which permutation the sampler is in (0 for the first; it moves on when the
  // next batch needs a row past the end of the current one).
  std::int64_t epoch() const { return epoch_; }
  SamplingMode mode() const { return mode_; }
  const TransitionSet& data() const { return data_; }

 private:
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), the same on every platform
  void start_epoch();

  TransitionSet data_;
  std::int64_t batch_size_;
  SamplingMode mode_;
  std::mt19937_64 rng_;
  std::mt19937_64 epoch_start_rng_;
  std::vector<std::int64_t> permutation_;
  std::int64_t position_ = 0;
  std::int64_t epoch_ = 0;
};

}  // namespace grl::datasets
