#include "algorithms/networks/residual_net.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "algorithms/networks/bf16_kernels.h"
#include "algorithms/networks/few_row_kernels.h"
#include "algorithms/networks/inference_precision.h"
#include "common/memory_limit.h"
#include "common/tensor_shape.h"

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

namespace {

// In double: squares of absurd widths would wrap around a 64-bit integer.
double block_parameters(double input, double output, double embedding) {
  return (input + 1) * output + (embedding + 1) * output + (output + 1) * output + (input != output ? (input + 1) * output : 0);
}

// The parameters of the blocks and the last layer, counted from the widths alone (the constructor's
// own walk), so that a size that cannot fit is refused before anything is allocated.
double residual_net_parameters(int64_t action_dim, const std::vector<int>& hidden, int64_t embedding) {
  const std::size_t levels = hidden.size();
  const auto e = static_cast<double>(embedding);
  double total = 0, width = static_cast<double>(action_dim);
  for (const int w : hidden) {
    total += block_parameters(width, w, e);
    width = w;
  }
  total += block_parameters(width, width, e);
  for (std::size_t j = 0; j + 1 < levels; ++j) {
    const double input = width + hidden[levels - 1 - j];
    width = hidden[levels - 2 - j];
    total += block_parameters(input, width, e);
  }
  return total + (width + hidden[0] + 1) * static_cast<double>(action_dim);
}

}  // namespace

TemporalSpatialResidualNetImpl::TemporalSpatialResidualNetImpl(int64_t action_dim, int64_t state_dim,
                                                               const GenerativeNetworkConfig& config)
    : GenerativeNetworkImpl(action_dim, state_dim) {
  const std::vector<int>& hidden = config.hidden;
  if (hidden.empty()) throw std::invalid_argument("temporal_spatial_residual: 'hidden' must list at least one width");
  for (int w : hidden) {
    if (w < 1) throw std::invalid_argument("temporal_spatial_residual: hidden width " + std::to_string(w) + " must be >= 1");
  }
  const int64_t e = config.embedding_dim;
  const int64_t levels = static_cast<int64_t>(hidden.size());
  const double parameters = residual_net_parameters(action_dim, hidden, e);
  char count[32];
  std::snprintf(count, sizeof(count), "%.3g", parameters);
  require_fits_in_memory(parameters * kTrainingBytesPerParameter,
                         std::string("a temporal-spatial residual net of ") + count + " parameters (trained with Adam)");
  embedding = register_module("embedding", TimeConditionEmbedding(state_dim, config));
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

struct TemporalSpatialResidualNetImpl::Bf16Weights {
  struct Block {
    bf16::PackedMatrix dense1, dense2, skip;  // skip: empty (out == 0) when the block has none
  };
  std::vector<Block> blocks;  // in blocks() order
  bf16::PackedMatrix last;
  std::vector<torch::Tensor> sources;  // the float weights packed, in the order bf16_sources lists them
  std::vector<int64_t> versions;       // their version counters when packed
};

namespace {

// The weights the bf16 kernels read: every block's dense1, dense2 (and skip), then the last layer.
std::vector<torch::Tensor> bf16_sources(const TemporalSpatialResidualNetImpl& net) {
  std::vector<torch::Tensor> sources;
  for (auto& block : net.blocks()) {
    sources.push_back(block->dense1->weight);
    sources.push_back(block->dense2->weight);
    if (block->skip) sources.push_back(block->skip->weight);
  }
  sources.push_back(net.last->weight);
  return sources;
}

bf16::PackedMatrix pack_linear(const torch::nn::Linear& layer) {
  const torch::Tensor w = layer->weight.contiguous();
  return bf16::pack(w.data_ptr<float>(), w.size(0), w.size(1));
}

}  // namespace

std::shared_ptr<const TemporalSpatialResidualNetImpl::Bf16Weights> TemporalSpatialResidualNetImpl::bf16_weights() {
  const std::vector<torch::Tensor> sources = bf16_sources(*this);
  auto still_current = [&](const Bf16Weights& packed) {
    if (packed.sources.size() != sources.size()) return false;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (!sources[i].is_same(packed.sources[i]) || sources[i]._version() != packed.versions[i]) return false;
    }
    return true;
  };
  if (bf16_weights_ && still_current(*bf16_weights_)) return bf16_weights_;
  auto packed = std::make_shared<Bf16Weights>();
  for (auto& block : blocks()) {
    Bf16Weights::Block b;
    b.dense1 = pack_linear(block->dense1);
    b.dense2 = pack_linear(block->dense2);
    if (block->skip) b.skip = pack_linear(block->skip);
    packed->blocks.push_back(std::move(b));
  }
  packed->last = pack_linear(last);
  packed->sources = sources;
  for (const auto& t : sources) packed->versions.push_back(static_cast<int64_t>(t._version()));
  bf16_weights_ = packed;
  return bf16_weights_;
}

namespace {

// Above this many floats the per-block projections are computed one grid point at a time (still one
// matmul for all blocks) instead of all at once, to bound memory at large batches.
constexpr int64_t kMaxPrecomputedFloats = int64_t{16} << 20;
// The same at bf16, where a step is so cheap that filling a fresh buffer of tens of MB costs more than
// projecting each step (256 rows: 57 MB of page faults, 490 ms per call against 170 ms of steps).
constexpr int64_t kMaxPrecomputedFloatsBf16 = int64_t{1} << 20;

// Up to this many rows a step runs on the few-row kernels; from about 16-32 rows on, OpenBLAS's sgemm
// is faster (512x512 layer, 16 rows: 159 us against 186 us; 32 rows: 427 us against 298 us).
constexpr int64_t kFewRowsMax = 16;
// The grid's block projections (rows = grid points x conditions) take the few-row kernels up to here.
constexpr int64_t kFewRowsProjectionMax = 64;

class PreparedResidualNet : public PreparedNetwork {
 public:
  PreparedResidualNet(std::shared_ptr<TemporalSpatialResidualNetImpl> net, const torch::Tensor& times,
                      const torch::Tensor& condition)
      : net_(std::move(net)), blocks_(net_->blocks()), steps_(times.size(0)) {
    const torch::Tensor e = net_->embedding->forward_grid(times, condition);  // [T, B', E]
    silu_e_ = torch::silu(e);
    int64_t total = 0;
    for (auto& block : blocks_) {
      widths_.push_back(block->output_dim());
      total += block->output_dim();
    }
    const int64_t rows = silu_e_.size(0) * silu_e_.size(1);
    const torch::Tensor flat = silu_e_.reshape({-1, silu_e_.size(2)}).contiguous();
    few_rows_ = few_rows_supported();
    if (current_inference_precision() == InferencePrecision::bf16) {
      if (!few_rows_) {
        throw std::invalid_argument(
            "inference precision bf16: the residual net's bf16 kernels need its float32 weights on the CPU (this "
            "network's are " + std::string(c10::toString(silu_e_.scalar_type())) + " on " + silu_e_.device().str() +
            "): use fp32");
      }
      bf16_ = net_->bf16_weights();
    }
    const int64_t budget = bf16_ ? kMaxPrecomputedFloatsBf16 : kMaxPrecomputedFloats;
    if (few_rows_ && rows <= kFewRowsProjectionMax && rows * total <= budget) {
      // One state's 31 grid points: each block's projection goes straight into its columns of all_;
      // sgemm would spend most of its time packing (and cat copying) the weights.
      all_ = torch::empty({silu_e_.size(0), silu_e_.size(1), total}, flat.options());
      int64_t offset = 0;
      for (auto& block : blocks_) {
        few_row::dense(block->time_projection->weight.data_ptr<float>(), block->time_projection->bias.data_ptr<float>(),
                       block->output_dim(), flat.size(1), flat.data_ptr<float>(), flat.size(1), rows,
                       all_.data_ptr<float>() + offset, total, false);
        offset += block->output_dim();
      }
    } else {
      // Stack every block's Linear(E, out) so that one matmul produces all of them.
      std::vector<torch::Tensor> weights, biases;
      for (auto& block : blocks_) {
        weights.push_back(block->time_projection->weight);
        biases.push_back(block->time_projection->bias);
      }
      stacked_weight_t_ = torch::cat(weights, 0).t();  // [E, sum out]
      stacked_bias_ = torch::cat(biases, 0);           // [sum out]
      if (rows * total <= budget) {
        all_ = torch::addmm(stacked_bias_, flat, stacked_weight_t_).view({silu_e_.size(0), silu_e_.size(1), total});
      }
    }
  }

  torch::Tensor operator()(int64_t index, const torch::Tensor& x) override {
    if (index < 0 || index >= steps_) {
      throw std::out_of_range("prepared network: grid index " + std::to_string(index) + " outside [0, " +
                              std::to_string(steps_) + ")");
    }
    const int64_t conditions = silu_e_.size(1);
    if (x.dim() != 2 || x.size(1) != net_->action_dim() || (x.size(0) != conditions && conditions != 1)) {
      throw std::invalid_argument("prepared network: expected x of shape [" + std::to_string(conditions) + ", " +
                                  std::to_string(net_->action_dim()) + "] (one row per prepared condition), got " +
                                  shape_of(x));
    }
    const torch::Tensor projections =
        all_.defined() ? all_[index] : torch::addmm(stacked_bias_, silu_e_[index], stacked_weight_t_);
    // bf16 has only the row kernels (they beat float32 sgemm at any row count); float32 takes them up to
    // kFewRowsMax rows.
    if ((bf16_ || (few_rows_ && x.size(0) <= kFewRowsMax)) && x.scalar_type() == torch::kFloat32 &&
        x.device().is_cpu()) {
      return few_rows_forward(projections, x);
    }
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
  // The few-row kernels read the weights in place: float32, contiguous, on the CPU. The grid
  // projections they are given are made from silu_e_ and share its type.
  bool few_rows_supported() const {
    if (!few_row::fast_kernels_available() || !silu_e_.device().is_cpu()) return false;
    std::vector<torch::Tensor> used = {net_->last->weight, net_->last->bias, silu_e_};
    for (auto& block : blocks_) {
      for (auto* layer : {&block->dense1, &block->dense2, &block->skip, &block->time_projection}) {
        if (!*layer) continue;
        used.push_back((*layer)->weight);
        used.push_back((*layer)->bias);
      }
    }
    return std::all_of(used.begin(), used.end(), [](const torch::Tensor& t) {
      return t.scalar_type() == torch::kFloat32 && t.is_contiguous();
    });
  }

  struct Slice {
    float* data;
    int64_t stride;
  };

  // One layer on raw rows: the bf16 kernel when this network was prepared at bf16, else float32.
  void dense(const torch::nn::Linear& layer, const bf16::PackedMatrix* packed, const float* x, int64_t x_stride,
             int64_t rows, float* y, int64_t y_stride, bool accumulate) {
    if (packed != nullptr) {
      bf16::dense(*packed, layer->bias.data_ptr<float>(), x, x_stride, rows, y, y_stride, accumulate);
      return;
    }
    few_row::dense(layer->weight.data_ptr<float>(), layer->bias.data_ptr<float>(), layer->weight.size(0),
                   layer->weight.size(1), x, x_stride, rows, y, y_stride, accumulate);
  }

  // One residual block on raw rows: the same arithmetic as ResidualBlockImpl::forward_projected.
  // `index`: the block's place in blocks_.
  void block_rows(ResidualBlockImpl& block, std::size_t index, const Slice& x, const float* projection,
                  int64_t projection_stride, int64_t rows, const Slice& y) {
    const TemporalSpatialResidualNetImpl::Bf16Weights::Block* packed = bf16_ ? &bf16_->blocks[index] : nullptr;
    const int64_t out = block.output_dim();
    float* h = scratch_;
    dense(block.dense1, packed ? &packed->dense1 : nullptr, x.data, x.stride, rows, h, out, false);
    few_row::silu(h, rows, out, out);
    few_row::add(h, out, projection, projection_stride, rows, out);
    dense(block.dense2, packed ? &packed->dense2 : nullptr, h, out, rows, y.data, y.stride, false);
    few_row::silu(y.data, rows, out, y.stride);
    if (block.skip) {
      dense(block.skip, packed ? &packed->skip : nullptr, x.data, x.stride, rows, y.data, y.stride, true);
    } else {
      few_row::add(y.data, y.stride, x.data, x.stride, rows, out);
    }
  }

  // Every concatenation [u, d_i] is a buffer whose right part block down[i] writes into and whose left
  // part the block before the consumer writes into, so no step copies activations:
  //   joined_[j] (j < L-1) is up[j]'s input [u, d_{L-1-j}]; joined_[L-1] is the last layer's [u, d_0].
  torch::Tensor few_rows_forward(const torch::Tensor& projections, const torch::Tensor& x_in) {
    const torch::Tensor x = x_in.contiguous();
    const int64_t rows = x.size(0), levels = static_cast<int64_t>(net_->down.size());
    const float* projection = projections.data_ptr<float>();
    const int64_t projection_stride = projections.size(0) == 1 ? 0 : projections.stride(0);

    std::vector<int64_t> joined_width(static_cast<std::size_t>(levels));
    for (int64_t j = 0; j < levels; ++j) {
      joined_width[j] = j + 1 < levels ? net_->up[j]->input_dim() : net_->last->weight.size(1);
    }
    if (rows != workspace_rows_) {
      // One 64-byte-aligned block (torch's CPU allocator) with every buffer starting on a cache line:
      // with std::vector's 16-byte alignment, a step on fresh buffers ran about 40% slower.
      auto aligned = [](int64_t floats) { return (floats + 15) / 16 * 16; };
      int64_t size = 0, widest = 0;
      for (int64_t j = 0; j < levels; ++j) {
        size += aligned(rows * joined_width[j]);
        widest = std::max(widest, joined_width[j]);
      }
      workspace_ = torch::empty({size + aligned(rows * widest)}, x.options());
      joined_.clear();
      float* next = workspace_.data_ptr<float>();
      for (int64_t j = 0; j < levels; ++j) {
        joined_.push_back(next);
        next += aligned(rows * joined_width[j]);
      }
      scratch_ = next;
      workspace_rows_ = rows;
    }
    // d_i lives in the right part of joined_[L-1-i]; u (the output of the block before) in the left part.
    auto d_slice = [&](int64_t i) {
      const int64_t j = levels - 1 - i;
      return Slice{joined_[j] + joined_width[j] - net_->down[i]->output_dim(), joined_width[j]};
    };
    auto u_slice = [&](int64_t j) { return Slice{joined_[j], joined_width[j]}; };

    std::size_t b = 0;
    int64_t offset = 0;
    auto run = [&](ResidualBlockImpl& block, const Slice& input, const Slice& output) {
      block_rows(block, b, input, projection + offset, projection_stride, rows, output);
      offset += widths_[b++];
    };
    Slice input{x.data_ptr<float>(), x.size(1)};
    for (int64_t i = 0; i < levels; ++i) {
      run(*net_->down[i], input, d_slice(i));
      input = d_slice(i);
    }
    run(*net_->middle, input, u_slice(0));
    for (int64_t j = 0; j + 1 < levels; ++j) run(*net_->up[j], u_slice(j), u_slice(j + 1));

    torch::Tensor out = torch::empty({rows, net_->action_dim()}, x.options());
    dense(net_->last, bf16_ ? &bf16_->last : nullptr, joined_[levels - 1], joined_width[levels - 1], rows,
          out.data_ptr<float>(), net_->action_dim(), false);
    return out;
  }

  std::shared_ptr<TemporalSpatialResidualNetImpl> net_;
  std::vector<ResidualBlock> blocks_;
  int64_t steps_;
  std::vector<int64_t> widths_;
  torch::Tensor silu_e_, stacked_weight_t_, stacked_bias_, all_;
  bool few_rows_ = false;
  std::shared_ptr<const TemporalSpatialResidualNetImpl::Bf16Weights> bf16_;  // set when prepared at bf16
  torch::Tensor workspace_;  // holds joined_ and scratch_ for workspace_rows_ rows
  int64_t workspace_rows_ = 0;
  std::vector<float*> joined_;
  float* scratch_ = nullptr;
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
