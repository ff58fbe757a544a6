#include "baselines/iql/iql.h"

#include <cmath>
#include <stdexcept>

#include "baselines/baseline_support.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

template <class V>
void IqlConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps (critic and actor together)", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.section("critic", critic, "IQL critic: expectile V, twin Q, Polyak target Q");
  v.field("actor_type", actor_type, "gaussian: tanh-Gaussian log-likelihood; deterministic: tanh actor, squared error",
          config::one_of({"gaussian", "deterministic"}));
  v.field("actor_lr", actor_lr, "Adam learning rate of the actor (start of the cosine schedule)", config::positive());
  v.field("beta", beta, "inverse temperature of the advantage weights", config::non_negative());
  v.field("clamp", clamp, "largest advantage weight", config::positive());
  v.field("cosine_schedule", cosine_schedule, "anneal the actor's learning rate to 0 over the run (cosine)");
  v.section("actor", actor, "actor: hidden widths (ReLU); log-std clamps for gaussian");
}
template void IqlConfig::visit(config::Reader&);
template void IqlConfig::visit(config::Writer&);

torch::Tensor awr_weights(const torch::Tensor& advantage, double beta, double clamp) {
  torch::NoGradGuard no_grad;
  // exp overflows to inf for large advantages; the clamp turns that into `clamp`.
  return torch::clamp_max(torch::exp(beta * advantage.detach()), clamp);
}

torch::Tensor awr_loss(const torch::Tensor& weights, const torch::Tensor& per_sample_loss) {
  if (weights.sizes() != per_sample_loss.sizes()) {
    throw std::invalid_argument("iql: weights " + c10::str(weights.sizes()) + " and per-sample losses " +
                                c10::str(per_sample_loss.sizes()) + " differ in shape");
  }
  return (weights.detach() * per_sample_loss).mean();
}

double cosine_learning_rate(double base_lr, std::int64_t step, std::int64_t total_steps) {
  if (total_steps <= 0) throw std::invalid_argument("iql: cosine schedule over a non-positive number of steps");
  return base_lr * 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total_steps)));
}

Iql::Iql(const IqlConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("iql", context);
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  critic_ = iql::IqlCritic(config.critic, state_dim, action_dim);
  critic_->to(context.device);
  std::vector<torch::Tensor> parameters;
  if (config.actor_type == "gaussian") {
    gaussian_ = networks::TanhGaussianActor(state_dim, action_dim, config.actor);
    gaussian_->to(context.device);
    parameters = gaussian_->parameters();
  } else if (config.actor_type == "deterministic") {
    networks::MlpConfig mlp;
    mlp.hidden = config.actor.hidden;
    deterministic_ = DeterministicActor(state_dim, action_dim, mlp);
    deterministic_->to(context.device);
    parameters = deterministic_->parameters();
  } else {
    throw std::invalid_argument("iql: unknown actor_type '" + config.actor_type + "' (expected gaussian or deterministic)");
  }
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(config.actor_lr));
  if (context.data) {
    sampler_.emplace(*context.data, config.batch_size, derive_seed(derive_seed(context.seed, SeedStream::sampler), 1));
  }
}

std::vector<training::Stage> Iql::stages() const { return {{"train", config_.steps, true}}; }

double Iql::actor_learning_rate() const {
  return config_.cosine_schedule ? cosine_learning_rate(config_.actor_lr, actor_steps_, config_.steps) : config_.actor_lr;
}

training::Metrics Iql::train_step(const std::string& stage, std::int64_t) {
  training_data("iql", context_);
  if (stage != "train") throw std::invalid_argument("iql: unknown stage '" + stage + "' (stages: train)");
  const datasets::TransitionBatch batch = sampler_->next();

  // The actor is weighted by the advantage as it stands before this step's critic update (CORL).
  const torch::Tensor advantage = critic_->advantage(batch.observations, batch.actions);
  training::Metrics metrics = critic_->update(batch);

  const torch::Tensor weights = awr_weights(advantage, config_.beta, config_.clamp);
  torch::Tensor per_sample;
  if (gaussian_) {
    per_sample = -gaussian_->log_prob(batch.observations, batch.actions);
  } else {
    per_sample = (deterministic_->forward(batch.observations) - batch.actions).square().sum(1);
  }
  const torch::Tensor actor_loss = awr_loss(weights, per_sample);
  const double lr = actor_learning_rate();
  set_learning_rate(*actor_optimizer_, lr);
  actor_optimizer_->zero_grad();
  actor_loss.backward();
  actor_optimizer_->step();
  ++actor_steps_;

  metrics.insert(metrics.begin(), std::make_pair(std::string("actor_loss"), actor_loss.item<double>()));
  metrics.push_back({"weight_mean", weights.mean().item<double>()});
  metrics.push_back({"clamped_fraction", (weights >= config_.clamp).to(torch::kFloat64).mean().item<double>()});
  metrics.push_back({"actor_lr", lr});
  return metrics;
}

void Iql::save(training::CheckpointWriter& out) const {
  critic_->save(out, "iql/critic");
  if (gaussian_) out.module("iql/actor", *gaussian_);
  else out.module("iql/actor", *deterministic_);
  out.optimizer("iql/actor_adam", *actor_optimizer_);
  out.integer("iql/actor_steps", actor_steps_);
  if (sampler_) out.text("iql/sampler", sampler_->get_state().serialize());
}

void Iql::load(const training::CheckpointReader& in) {
  critic_->load(in, "iql/critic");
  if (gaussian_) in.module("iql/actor", *gaussian_);
  else in.module("iql/actor", *deterministic_);
  in.optimizer("iql/actor_adam", *actor_optimizer_);
  actor_steps_ = in.integer("iql/actor_steps");
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("iql/sampler")));
}

std::shared_ptr<training::Policy> Iql::policy() {
  if (gaussian_) return std::make_shared<TanhGaussianMeanPolicy>(gaussian_);
  return std::make_shared<DeterministicActorPolicy>(deterministic_);
}

void register_iql(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("iql", training::algorithm_factory<IqlConfig, Iql>(),
                          "IQL: expectile critic and advantage-weighted actor (CORL's iql.py)");
}

}  // namespace grl::baselines
