#include "baselines/bc/bc.h"

#include <stdexcept>

#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

template <class V>
void BcConfig::visit(V& v) {
  v.field("loss", loss, "mse: deterministic tanh actor, squared error; nll: tanh-Gaussian negative log-likelihood",
          config::one_of({"mse", "nll"}));
  v.field("steps", steps, "gradient steps", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate", config::positive());
  v.section("actor", actor, "actor: hidden widths (ReLU); log-std clamps for nll");
}
template void BcConfig::visit(config::Reader&);
template void BcConfig::visit(config::Writer&);

torch::Tensor bc_mse_loss(const torch::Tensor& predicted, const torch::Tensor& actions) {
  if (predicted.sizes() != actions.sizes()) {
    throw std::invalid_argument("bc: predicted actions " + c10::str(predicted.sizes()) + " and dataset actions " +
                                c10::str(actions.sizes()) + " differ in shape");
  }
  return torch::mse_loss(predicted, actions.detach());
}

torch::Tensor bc_nll_loss(const torch::Tensor& log_prob) { return -log_prob.mean(); }

Bc::Bc(const BcConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("bc", context);
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  std::vector<torch::Tensor> parameters;
  if (config.loss == "mse") {
    networks::MlpConfig mlp;
    mlp.hidden = config.actor.hidden;
    deterministic_ = DeterministicActor(state_dim, action_dim, mlp);
    deterministic_->to(context.device);
    parameters = deterministic_->parameters();
  } else if (config.loss == "nll") {
    gaussian_ = networks::TanhGaussianActor(state_dim, action_dim, config.actor);
    gaussian_->to(context.device);
    parameters = gaussian_->parameters();
  } else {
    throw std::invalid_argument("bc: unknown loss '" + config.loss + "' (expected mse or nll)");
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(config.lr));
  if (context.data) {
    sampler_.emplace(*context.data, config.batch_size, derive_seed(derive_seed(context.seed, SeedStream::sampler), 1));
  }
}

std::vector<training::Stage> Bc::stages() const { return {{"policy", config_.steps, true}}; }

training::Metrics Bc::train_step(const std::string& stage, std::int64_t) {
  training_data("bc", context_);
  if (stage != "policy") throw std::invalid_argument("bc: unknown stage '" + stage + "' (stages: policy)");
  const datasets::TransitionBatch batch = sampler_->next();
  torch::Tensor loss;
  training::Metrics metrics;
  if (deterministic_) {
    const torch::Tensor predicted = deterministic_->forward(batch.observations);
    loss = bc_mse_loss(predicted, batch.actions);
    metrics = {{"loss", loss.item<double>()}};
  } else {
    const torch::Tensor log_prob = gaussian_->log_prob(batch.observations, batch.actions);
    loss = bc_nll_loss(log_prob);
    const torch::Tensor mse = bc_mse_loss(gaussian_->deterministic_action(batch.observations).detach(), batch.actions);
    metrics = {{"loss", loss.item<double>()}, {"mean_action_mse", mse.item<double>()}};
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  return metrics;
}

void Bc::save(training::CheckpointWriter& out) const {
  if (deterministic_) out.module("bc/actor", *deterministic_);
  else out.module("bc/actor", *gaussian_);
  out.optimizer("bc/adam", *optimizer_);
  if (sampler_) out.text("bc/sampler", sampler_->get_state().serialize());
}

void Bc::load(const training::CheckpointReader& in) {
  if (deterministic_) in.module("bc/actor", *deterministic_);
  else in.module("bc/actor", *gaussian_);
  in.optimizer("bc/adam", *optimizer_);
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("bc/sampler")));
}

std::shared_ptr<training::Policy> Bc::policy() {
  if (deterministic_) return std::make_shared<DeterministicActorPolicy>(deterministic_);
  return std::make_shared<TanhGaussianMeanPolicy>(gaussian_);
}

void register_bc(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("bc", training::algorithm_factory<BcConfig, Bc>(),
                          "behaviour cloning: deterministic tanh actor (mse) or tanh-Gaussian likelihood (nll)");
}

}  // namespace grl::baselines
