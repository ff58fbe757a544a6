#include "algorithms/iql/iql_critic.h"

#include "algorithms/networks/soft_update.h"

#include <stdexcept>

#include "common/config.h"

namespace grl::iql {

template <class V>
void IqlCriticConfig::visit(V& v) {
  v.section("network", network, "Q heads and V network");
  v.field("q_lr", q_lr, "Adam learning rate of the Q heads", config::positive());
  v.field("v_lr", v_lr, "Adam learning rate of V", config::positive());
  v.field("expectile", expectile, "expectile tau of the V regression (0.7 locomotion, 0.9 AntMaze)",
          config::open_range(0, 1));
  v.field("discount", discount, "discount gamma", config::in_range(0, 1));
  v.field("target_update_rate", target_update_rate, "Polyak rate of the target Q heads", config::in_range(0, 1));
  v.field("target_update_every", target_update_every, "steps between target updates", config::at_least(1));
}
template void IqlCriticConfig::visit(config::Reader&);
template void IqlCriticConfig::visit(config::Writer&);

namespace {

torch::Tensor as_column_free(const torch::Tensor& t, const char* what) {
  if (!t.defined()) throw std::invalid_argument(std::string("iql: ") + what + " is undefined");
  if (t.dim() == 2 && t.size(1) == 1) return t.squeeze(1);
  if (t.dim() != 1) {
    throw std::invalid_argument(std::string("iql: expected ") + what + " of shape [B] or [B, 1], got " +
                                c10::str(t.sizes()));
  }
  return t;
}

}  // namespace

torch::Tensor expectile_loss(const torch::Tensor& residual, double expectile) {
  const torch::Tensor u = as_column_free(residual, "residuals");
  // |tau - 1[u < 0]|: tau where u >= 0, 1 - tau where u < 0.
  const torch::Tensor weight = torch::where(u < 0, torch::full_like(u, 1.0 - expectile), torch::full_like(u, expectile));
  return (weight * u.square()).mean();
}

torch::Tensor td_target(const torch::Tensor& rewards, const torch::Tensor& dones, const torch::Tensor& next_values,
                        double discount) {
  const torch::Tensor r = as_column_free(rewards, "rewards");
  const torch::Tensor d = as_column_free(dones, "dones");
  const torch::Tensor v = as_column_free(next_values, "next values");
  if (r.size(0) != d.size(0) || r.size(0) != v.size(0)) {
    throw std::invalid_argument("iql: td_target: rewards, dones and next values differ in batch size");
  }
  return r + discount * (1.0 - d) * v;
}

torch::Tensor double_q_loss(const torch::Tensor& q1, const torch::Tensor& q2, const torch::Tensor& target) {
  const torch::Tensor y = as_column_free(target, "targets").detach();
  return 0.5 * (torch::mse_loss(as_column_free(q1, "q1"), y) + torch::mse_loss(as_column_free(q2, "q2"), y));
}

IqlCriticImpl::IqlCriticImpl(const IqlCriticConfig& config, int64_t state_dim, int64_t action_dim) : config_(config) {
  q = register_module("q", networks::make_q_network(config.network, state_dim, action_dim));
  q_target = register_module("q_target", networks::make_q_network(config.network, state_dim, action_dim));
  v = register_module("v", networks::make_value_network(config.network, state_dim));
  networks::soft_update(*q, *q_target, 1.0);
  for (auto& p : q_target->parameters()) p.set_requires_grad(false);
  q_optimizer_ = std::make_unique<torch::optim::Adam>(q->parameters(), torch::optim::AdamOptions(config.q_lr));
  v_optimizer_ = std::make_unique<torch::optim::Adam>(v->parameters(), torch::optim::AdamOptions(config.v_lr));
}

training::Metrics IqlCriticImpl::update(const datasets::TransitionBatch& batch) {
  torch::Tensor next_v, target_q;
  {
    torch::NoGradGuard no_grad;
    next_v = v->forward(batch.next_observations);
    target_q = q_target->min_q(batch.observations, batch.actions);
  }
  // V: expectile regression towards the target Q.
  const torch::Tensor value_now = v->forward(batch.observations);
  const torch::Tensor advantage = target_q - value_now;
  const torch::Tensor v_loss = expectile_loss(advantage, config_.expectile);
  v_optimizer_->zero_grad();
  v_loss.backward();
  v_optimizer_->step();

  // Q: regression on r + gamma (1 - done) V(s').
  const torch::Tensor y = td_target(batch.rewards, batch.dones, next_v, config_.discount);
  auto [q1, q2] = q->forward(batch.observations, batch.actions);
  const torch::Tensor q_loss = double_q_loss(q1, q2, y);
  q_optimizer_->zero_grad();
  q_loss.backward();
  q_optimizer_->step();

  ++steps_;
  if (steps_ % config_.target_update_every == 0) networks::soft_update(*q, *q_target, config_.target_update_rate);

  return {{"q_loss", q_loss.item<double>()},
          {"v_loss", v_loss.item<double>()},
          {"q_mean", target_q.mean().item<double>()},
          {"v_mean", value_now.mean().item<double>()},
          {"advantage_mean", advantage.mean().item<double>()}};
}

// The networks' forward functions are not const (LibTorch modules); evaluating them changes nothing,
// so the const queries reach them through the holders' shared pointers.
torch::Tensor IqlCriticImpl::q_value(const torch::Tensor& states, const torch::Tensor& actions) const {
  return q.ptr()->min_q(states, actions);
}

torch::Tensor IqlCriticImpl::target_q_value(const torch::Tensor& states, const torch::Tensor& actions) const {
  return q_target.ptr()->min_q(states, actions);
}

torch::Tensor IqlCriticImpl::value(const torch::Tensor& states) const { return v.ptr()->forward(states); }

torch::Tensor IqlCriticImpl::advantage(const torch::Tensor& states, const torch::Tensor& actions) const {
  torch::NoGradGuard no_grad;
  return target_q_value(states, actions) - value(states);
}

void IqlCriticImpl::set_trainable(bool trainable) {
  for (auto& p : q->parameters()) p.set_requires_grad(trainable);
  for (auto& p : v->parameters()) p.set_requires_grad(trainable);
}

void IqlCriticImpl::save(training::CheckpointWriter& out, const std::string& prefix) const {
  out.module(prefix + "/q", *q);
  out.module(prefix + "/q_target", *q_target);
  out.module(prefix + "/v", *v);
  out.optimizer(prefix + "/q_adam", *q_optimizer_);
  out.optimizer(prefix + "/v_adam", *v_optimizer_);
  out.integer(prefix + "/steps", steps_);
}

void IqlCriticImpl::load(const training::CheckpointReader& in, const std::string& prefix) {
  in.module(prefix + "/q", *q);
  in.module(prefix + "/q_target", *q_target);
  in.module(prefix + "/v", *v);
  in.optimizer(prefix + "/q_adam", *q_optimizer_);
  in.optimizer(prefix + "/v_adam", *v_optimizer_);
  steps_ = in.integer(prefix + "/steps");
}

}  // namespace grl::iql
