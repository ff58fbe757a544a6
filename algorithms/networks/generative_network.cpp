#include "algorithms/networks/generative_network.h"
#include "common/tensor_shape.h"

#include <stdexcept>
#include <string>

#include "algorithms/networks/mlp.h"
#include "algorithms/networks/mlp_backbone.h"
#include "algorithms/networks/residual_net.h"
#include "common/config.h"

namespace grl::networks {

template <class V>
void GenerativeNetworkConfig::visit(V& v) {
  v.field("name", name, "backbone", config::one_of(generative_network_registry().names()));
  v.field("hidden", hidden, "hidden widths (residual net: the U's levels)", config::at_least(1));
  v.field("activation", activation, "activation of the mlp backbone", config::one_of(activation_names()));
  v.field("time_frequencies", time_frequencies, "Gaussian-Fourier frequencies (phi has twice as many dims)",
          config::at_least(1));
  v.field("time_scale", time_scale, "frequency scale: W ~ N(0,1) * time_scale * 2 pi", config::positive());
  v.field("condition_dim", condition_dim, "width of the state embedding c'", config::at_least(1));
  v.field("embedding_dim", embedding_dim, "width of the time/condition embedding e", config::at_least(1));
}
template void GenerativeNetworkConfig::visit(config::Reader&);
template void GenerativeNetworkConfig::visit(config::Writer&);

GenerativeNetworkImpl::GenerativeNetworkImpl(int64_t action_dim, int64_t state_dim)
    : action_dim_(action_dim), state_dim_(state_dim) {
  if (action_dim < 1) throw std::invalid_argument("generative network: action_dim must be >= 1, got " + std::to_string(action_dim));
  if (state_dim < 0) throw std::invalid_argument("generative network: state_dim must be >= 0, got " + std::to_string(state_dim));
}

namespace {

// Evaluates forward() at grid point `index`; what a backbone without its own fast path gets.
class ForwardPreparedNetwork : public PreparedNetwork {
 public:
  ForwardPreparedNetwork(std::shared_ptr<GenerativeNetworkImpl> net, torch::Tensor times, torch::Tensor condition)
      : net_(std::move(net)), times_(std::move(times)), condition_(std::move(condition)) {}

  torch::Tensor operator()(int64_t index, const torch::Tensor& x) override {
    if (index < 0 || index >= times_.size(0)) {
      throw std::out_of_range("prepared network: grid index " + std::to_string(index) + " outside [0, " +
                              std::to_string(times_.size(0)) + ")");
    }
    return net_->forward(times_[index].expand({x.size(0)}), x, condition_);
  }

 private:
  std::shared_ptr<GenerativeNetworkImpl> net_;
  torch::Tensor times_, condition_;
};

}  // namespace

torch::Tensor GenerativeNetworkImpl::batch_time(const torch::Tensor& t, const torch::Tensor& x) {
  if (t.dim() == 0) return t.expand({x.size(0)});
  if (t.dim() == 2 && t.size(1) == 1) return t.squeeze(1);
  return t;
}

void GenerativeNetworkImpl::check_inputs(const char* network, const torch::Tensor& t, const torch::Tensor& x,
                                         const torch::Tensor& condition) const {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument(std::string(network) + " network: " + what + " (t " + shape_of(t) + ", x " +
                                shape_of(x) + ", condition " + shape_of(condition) + ")");
  };
  if (!x.defined() || x.dim() != 2 || x.size(1) != action_dim_) {
    fail("expected x of shape [B, " + std::to_string(action_dim_) + "]");
  }
  const int64_t batch = x.size(0);
  if (!t.defined() || !(t.dim() == 0 || (t.dim() == 1 && t.size(0) == batch) ||
                         (t.dim() == 2 && t.size(0) == batch && t.size(1) == 1))) {
    fail("expected t of shape [B] (or a scalar) with B = " + std::to_string(batch));
  }
  if (state_dim_ > 0 &&
      (!condition.defined() || condition.dim() != 2 || condition.size(0) != batch || condition.size(1) != state_dim_)) {
    fail("expected condition of shape [B, " + std::to_string(state_dim_) + "] with B = " + std::to_string(batch));
  }
}

std::unique_ptr<PreparedNetwork> GenerativeNetworkImpl::prepare(const torch::Tensor& times,
                                                                const torch::Tensor& condition) {
  if (times.dim() != 1) throw std::invalid_argument("prepare: times must be [T], got " + shape_of(times));
  return std::make_unique<ForwardPreparedNetwork>(
      std::static_pointer_cast<GenerativeNetworkImpl>(shared_from_this()), times, condition);
}

Registry<GenerativeNetworkFactory>& generative_network_registry() {
  // Built-ins are added on first use (not by static initialisers, which a static library may drop).
  static Registry<GenerativeNetworkFactory>* registry = [] {
    auto* r = new Registry<GenerativeNetworkFactory>("network");
    r->add("temporal_spatial_residual",
           [](const GenerativeNetworkConfig& c, int64_t a, int64_t s) {
             return GenerativeNetwork(std::shared_ptr<GenerativeNetworkImpl>(std::make_shared<TemporalSpatialResidualNetImpl>(a, s, c)));
           },
           "GenerativeRL's U-shaped residual MLP with time/condition embedding (the published backbone)");
    r->add("mlp",
           [](const GenerativeNetworkConfig& c, int64_t a, int64_t s) {
             return GenerativeNetwork(std::shared_ptr<GenerativeNetworkImpl>(std::make_shared<MlpBackboneImpl>(a, s, c)));
           },
           "MLP on [x, phi(t), state]");
    return r;
  }();
  return *registry;
}

GenerativeNetwork make_generative_network(const GenerativeNetworkConfig& config, int64_t action_dim,
                                          int64_t state_dim) {
  return generative_network_registry().get(config.name)(config, action_dim, state_dim);
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace grl::networks
