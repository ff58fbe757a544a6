#include "algorithms/networks/critics.h"
#include "common/tensor_shape.h"

#include <stdexcept>

#include "common/config.h"

namespace grl::networks {

template <class V>
void CriticNetworkConfig::visit(V& v) {
  v.field("name", name, "critic architecture", config::one_of(q_network_registry().names()));
  v.section("mlp", mlp, "hidden widths and activation");
}
template void CriticNetworkConfig::visit(config::Reader&);
template void CriticNetworkConfig::visit(config::Writer&);

namespace {
void check_2d(const char* what, const torch::Tensor& t, int64_t dim) {
  if (!t.defined() || t.dim() != 2 || t.size(1) != dim) {
    throw std::invalid_argument(std::string("critic: expected ") + what + " of shape [B, " + std::to_string(dim) +
                                "], got " + shape_of(t));
  }
}
}  // namespace

DoubleQNetworkImpl::DoubleQNetworkImpl(int64_t state_dim, int64_t action_dim, const MlpConfig& config)
    : state_dim_(state_dim), action_dim_(action_dim) {
  q1 = register_module("q1", Mlp(action_dim + state_dim, 1, config));
  q2 = register_module("q2", Mlp(action_dim + state_dim, 1, config));
}

std::pair<torch::Tensor, torch::Tensor> DoubleQNetworkImpl::forward(const torch::Tensor& state,
                                                                    const torch::Tensor& action) {
  check_2d("state", state, state_dim_);
  check_2d("action", action, action_dim_);
  if (state.size(0) != action.size(0)) {
    throw std::invalid_argument("critic: state batch " + std::to_string(state.size(0)) + " != action batch " +
                                std::to_string(action.size(0)));
  }
  const torch::Tensor input = torch::cat({action, state}, 1);
  return {q1->forward(input).squeeze(1), q2->forward(input).squeeze(1)};
}

torch::Tensor DoubleQNetworkImpl::min_q(const torch::Tensor& state, const torch::Tensor& action) {
  auto [a, b] = forward(state, action);
  return torch::min(a, b);
}

ValueNetworkImpl::ValueNetworkImpl(int64_t state_dim, const MlpConfig& config) {
  v = register_module("v", Mlp(state_dim, 1, config));
}

torch::Tensor ValueNetworkImpl::forward(const torch::Tensor& state) {
  check_2d("state", state, v->input_dim());
  return v->forward(state).squeeze(1);
}

Registry<DoubleQNetworkFactory>& q_network_registry() {
  static Registry<DoubleQNetworkFactory>* registry = [] {
    auto* r = new Registry<DoubleQNetworkFactory>("q network");
    r->add("mlp", [](const CriticNetworkConfig& c, int64_t s, int64_t a) { return DoubleQNetwork(s, a, c.mlp); },
           "two independent MLP heads on [a, s]");
    return r;
  }();
  return *registry;
}

Registry<ValueNetworkFactory>& value_network_registry() {
  static Registry<ValueNetworkFactory>* registry = [] {
    auto* r = new Registry<ValueNetworkFactory>("value network");
    r->add("mlp", [](const CriticNetworkConfig& c, int64_t s) { return ValueNetwork(s, c.mlp); }, "MLP on s");
    return r;
  }();
  return *registry;
}

DoubleQNetwork make_q_network(const CriticNetworkConfig& config, int64_t state_dim, int64_t action_dim) {
  return q_network_registry().get(config.name)(config, state_dim, action_dim);
}

ValueNetwork make_value_network(const CriticNetworkConfig& config, int64_t state_dim) {
  return value_network_registry().get(config.name)(config, state_dim);
}

}  // namespace grl::networks
