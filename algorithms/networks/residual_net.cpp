#include "algorithms/networks/residual_net.h"

#include <stdexcept>
#include <string>

namespace grl::networks {

// ---------------------------------------------------------------------------------------------
// Time/condition embedding

TimeConditionEmbeddingImpl::TimeConditionEmbeddingImpl(int64_t state_dim, const GenerativeNetworkConfig& config)
    : state_dim_(state_dim) {
  if (config.embedding_dim < 1 || config.condition_dim < 1) {
    throw std::invalid_argument("temporal_spatial_residual: embedding_dim and condition_dim must be >= 1");
  }
  time_encoding = register_module("time_encoding", GaussianFourierTimeEncoding(config.time_frequencies, config.time_scale));
  int64_t joint = time_encoding->output_dim();
  if (state_dim > 0) {
    condition = register_module("condition", torch::nn::Linear(state_dim, config.condition_dim));
    joint += config.condition_dim;
  }
  hidden = register_module("hidden", torch::nn::Linear(joint, config.embedding_dim));
  output = register_module("output", torch::nn::Linear(config.embedding_dim, config.embedding_dim));
}

torch::Tensor TimeConditionEmbeddingImpl::encode_condition(const torch::Tensor& state) {
  return torch::silu(condition->forward(state));
}

torch::Tensor TimeConditionEmbeddingImpl::forward(const torch::Tensor& t, const torch::Tensor& state) {
  torch::Tensor joint = time_encoding->forward(t);
  if (state_dim_ > 0) joint = torch::cat({joint, encode_condition(state)}, 1);
  return output->forward(torch::silu(hidden->forward(joint)));
}

torch::Tensor TimeConditionEmbeddingImpl::forward_grid(const torch::Tensor& times, const torch::Tensor& state) {
  const torch::Tensor phi = time_encoding->forward(times);  // [T, 2F]
  const int64_t phi_dim = phi.size(1);
  // Linear([phi, c']) = W_phi phi + (W_c c' + b): the time part is [T, E], the state part [B, E].
  torch::Tensor time_part = phi.matmul(hidden->weight.narrow(1, 0, phi_dim).t());
  torch::Tensor state_part;
  if (state_dim_ > 0) {
    const torch::Tensor c = encode_condition(state);
    state_part = torch::addmm(hidden->bias, c, hidden->weight.narrow(1, phi_dim, c.size(1)).t());
  } else {
    state_part = hidden->bias.unsqueeze(0);  // [1, E]: the same embedding for every state
  }
  torch::Tensor pre = time_part.unsqueeze(1) + state_part.unsqueeze(0);  // [T, B, E]
  return output->forward(torch::silu(pre));
}

// ---------------------------------------------------------------------------------------------
// Residual block

ResidualBlockImpl::ResidualBlockImpl(int64_t input_dim, int64_t output_dim, int64_t embedding_dim) {
  dense1 = register_module("dense1", torch::nn::Linear(input_dim, output_dim));
  time_projection = register_module("time_projection", torch::nn::Linear(embedding_dim, output_dim));
  dense2 = register_module("dense2", torch::nn::Linear(output_dim, output_dim));
  if (input_dim != output_dim) skip = register_module("skip", torch::nn::Linear(input_dim, output_dim));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& e) {
  torch::Tensor h = torch::silu(dense1->forward(x)) + time_projection->forward(torch::silu(e));
  h = torch::silu(dense2->forward(h));
  return h + (skip ? skip->forward(x) : x);
}

torch::Tensor ResidualBlockImpl::forward_projected(const torch::Tensor& x, const torch::Tensor& projection) {
  torch::Tensor h = torch::addmm(dense1->bias, x, dense1->weight.t());
  torch::silu_(h);
  h.add_(projection);
  torch::Tensor y = torch::addmm(dense2->bias, h, dense2->weight.t());
  torch::silu_(y);
  if (skip) {
    y.addmm_(x, skip->weight.t());
    y.add_(skip->bias);
  } else {
    y.add_(x);
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// The backbone

TemporalSpatialResidualNetImpl::TemporalSpatialResidualNetImpl(int64_t action_dim, int64_t state_dim,
                                                               const GenerativeNetworkConfig& config)
    : GenerativeNetworkImpl(action_dim, state_dim) {
  const std::vector<int>& hidden = config.hidden;
  if (hidden.empty()) throw std::invalid_argument("temporal_spatial_residual: 'hidden' must list at least one width");
  for (int w : hidden) {
    if (w < 1) throw std::invalid_argument("temporal_spatial_residual: hidden width " + std::to_string(w) + " must be >= 1");
  }
  embedding = register_module("embedding", TimeConditionEmbedding(state_dim, config));
  const int64_t e = config.embedding_dim;
  const int64_t levels = static_cast<int64_t>(hidden.size());
  int64_t width = action_dim;
  for (int64_t i = 0; i < levels; ++i) {
    down.push_back(register_module("down" + std::to_string(i), ResidualBlock(width, hidden[i], e)));
    width = hidden[i];
  }
  middle = register_module("middle", ResidualBlock(width, width, e));
  // Up block j sees [u, d_{L-1-j}] and maps it to hidden[L-2-j]; with halving widths (512, 256, 128)
  // its input and output widths agree, as in GenerativeRL.
  for (int64_t j = 0; j + 1 < levels; ++j) {
    const int64_t input = width + hidden[levels - 1 - j];
    width = hidden[levels - 2 - j];
    up.push_back(register_module("up" + std::to_string(j), ResidualBlock(input, width, e)));
  }
  last = register_module("last", torch::nn::Linear(width + hidden[0], action_dim));
}

std::vector<ResidualBlock> TemporalSpatialResidualNetImpl::blocks() const {
  std::vector<ResidualBlock> all = down;
  all.push_back(middle);
  all.insert(all.end(), up.begin(), up.end());
  return all;
}

torch::Tensor TemporalSpatialResidualNetImpl::forward(const torch::Tensor& t, const torch::Tensor& x,
                                                      const torch::Tensor& condition) {
  check_inputs("temporal_spatial_residual", t, x, condition);
  const torch::Tensor times = batch_time(t, x);
  const torch::Tensor e = embedding->forward(times, condition);
  std::vector<torch::Tensor> d;
  torch::Tensor h = x;
  for (auto& block : down) {
    h = block->forward(h, e);
    d.push_back(h);
  }
  torch::Tensor u = middle->forward(d.back(), e);
  for (std::size_t j = 0; j < up.size(); ++j) {
    u = up[j]->forward(torch::cat({u, d[d.size() - 1 - j]}, 1), e);
  }
  return last->forward(torch::cat({u, d.front()}, 1));
}

namespace {

// Above this many floats the per-block projections are computed one grid point at a time (still one
// matmul for all blocks) instead of all at once, to bound memory at large batches.
constexpr int64_t kMaxPrecomputedFloats = int64_t{16} << 20;

class PreparedResidualNet : public PreparedNetwork {
 public:
  PreparedResidualNet(std::shared_ptr<TemporalSpatialResidualNetImpl> net, const torch::Tensor& times,
                      const torch::Tensor& condition)
      : net_(std::move(net)), blocks_(net_->blocks()), steps_(times.size(0)) {
    const torch::Tensor e = net_->embedding->forward_grid(times, condition);  // [T, B', E]
    silu_e_ = torch::silu(e);
    // Stack every block's Linear(E, out) so that one matmul produces all of them.
    std::vector<torch::Tensor> weights, biases;
    for (auto& block : blocks_) {
      weights.push_back(block->time_projection->weight);
      biases.push_back(block->time_projection->bias);
      widths_.push_back(block->output_dim());
    }
    stacked_weight_t_ = torch::cat(weights, 0).t();  // [E, sum out]
    stacked_bias_ = torch::cat(biases, 0);           // [sum out]
    const int64_t total = stacked_bias_.size(0);
    if (silu_e_.size(0) * silu_e_.size(1) * total <= kMaxPrecomputedFloats) {
      const auto flat = silu_e_.reshape({-1, silu_e_.size(2)});
      all_ = torch::addmm(stacked_bias_, flat, stacked_weight_t_).view({silu_e_.size(0), silu_e_.size(1), total});
    }
  }

  torch::Tensor operator()(int64_t index, const torch::Tensor& x) override {
    if (index < 0 || index >= steps_) {
      throw std::out_of_range("prepared network: grid index " + std::to_string(index) + " outside [0, " +
                              std::to_string(steps_) + ")");
    }
    const torch::Tensor projections =
        all_.defined() ? all_[index] : torch::addmm(stacked_bias_, silu_e_[index], stacked_weight_t_);
    int64_t offset = 0;
    std::size_t b = 0;
    auto next_projection = [&]() {
      const torch::Tensor p = projections.narrow(1, offset, widths_[b]);
      offset += widths_[b++];
      return p;
    };
    std::vector<torch::Tensor> d;
    torch::Tensor h = x;
    for (std::size_t i = 0; i < net_->down.size(); ++i) {
      h = net_->down[i]->forward_projected(h, next_projection());
      d.push_back(h);
    }
    torch::Tensor u = net_->middle->forward_projected(d.back(), next_projection());
    for (std::size_t j = 0; j < net_->up.size(); ++j) {
      u = net_->up[j]->forward_projected(torch::cat({u, d[d.size() - 1 - j]}, 1), next_projection());
    }
    return torch::addmm(net_->last->bias, torch::cat({u, d.front()}, 1), net_->last->weight.t());
  }

 private:
  std::shared_ptr<TemporalSpatialResidualNetImpl> net_;
  std::vector<ResidualBlock> blocks_;
  int64_t steps_;
  std::vector<int64_t> widths_;
  torch::Tensor silu_e_, stacked_weight_t_, stacked_bias_, all_;
};

}  // namespace

std::unique_ptr<PreparedNetwork> TemporalSpatialResidualNetImpl::prepare(const torch::Tensor& times,
                                                                         const torch::Tensor& condition) {
  // The fast path uses in-place ops that autograd cannot differentiate; with grad on, use forward().
  if (torch::GradMode::is_enabled()) return GenerativeNetworkImpl::prepare(times, condition);
  if (times.dim() != 1) throw std::invalid_argument("prepare: times must be [T]");
  if (state_dim() > 0 && (!condition.defined() || condition.dim() != 2 || condition.size(1) != state_dim())) {
    throw std::invalid_argument("temporal_spatial_residual: prepare expects a condition of shape [B, " +
                                std::to_string(state_dim()) + "]");
  }
  return std::make_unique<PreparedResidualNet>(
      std::static_pointer_cast<TemporalSpatialResidualNetImpl>(shared_from_this()), times, condition);
}

}  // namespace grl::networks
