#include "baselines/td3_bc/td3_bc.h"

#include <stdexcept>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

template <class V>
void Td3BcConfig::visit(V& v) {
  v.field("steps", steps, "critic steps (the actor is updated every policy_delay steps)", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("alpha", alpha, "alpha: lambda = alpha / mean|Q|", config::non_negative());
  v.field("discount", discount, "discount gamma", config::in_range(0, 1));
  v.field("target_update_rate", target_update_rate, "Polyak rate of the critic and actor targets", config::in_range(0, 1));
  v.field("policy_noise", policy_noise, "std of the target policy smoothing noise", config::non_negative());
  v.field("noise_clip", noise_clip, "the smoothing noise is clipped to [-noise_clip, noise_clip]", config::non_negative());
  v.field("policy_delay", policy_delay, "critic steps per actor and target update", config::at_least(1));
  v.field("actor_lr", actor_lr, "Adam learning rate of the actor", config::positive());
  v.field("critic_lr", critic_lr, "Adam learning rate of the twin critic", config::positive());
  v.section("actor", actor, "deterministic actor MLP (tanh output)");
  v.section("critic", critic, "each Q head's MLP on [a, s]");
}
template void Td3BcConfig::visit(config::Reader&);
template void Td3BcConfig::visit(config::Writer&);

namespace {

// Q1(s, a) alone ([B]): the head the actor is trained against (TD3).
torch::Tensor td3_first_head(networks::DoubleQNetworkImpl& q, const torch::Tensor& states, const torch::Tensor& actions) {
  return q.q1->forward(torch::cat({actions, states}, 1)).squeeze(1);
}

}  // namespace

torch::Tensor td3_bc_lambda(const torch::Tensor& q, double alpha) { return (alpha / q.abs().mean()).detach(); }

torch::Tensor td3_bc_actor_loss(const torch::Tensor& q, const torch::Tensor& policy_actions,
                                const torch::Tensor& data_actions, double alpha) {
  if (policy_actions.sizes() != data_actions.sizes()) {
    throw std::invalid_argument("td3_bc: policy actions " + c10::str(policy_actions.sizes()) + " and dataset actions " +
                                c10::str(data_actions.sizes()) + " differ in shape");
  }
  return -td3_bc_lambda(q, alpha) * q.mean() + torch::mse_loss(policy_actions, data_actions.detach());
}

torch::Tensor smoothed_target_actions(const torch::Tensor& target_actions, const torch::Tensor& standard_noise,
                                      double policy_noise, double noise_clip) {
  const torch::Tensor noise = (policy_noise * standard_noise).clamp(-noise_clip, noise_clip);
  return (target_actions + noise).clamp(-1.0, 1.0);
}

Td3Bc::Td3Bc(const Td3BcConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("td3_bc", context);
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  actor = DeterministicActor(state_dim, action_dim, config.actor);
  actor_target = DeterministicActor(state_dim, action_dim, config.actor);
  q = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  q_target = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  for (torch::nn::Module* m : std::initializer_list<torch::nn::Module*>{actor.get(), actor_target.get(), q.get(), q_target.get()})
    m->to(context.device);
  networks::soft_update(*actor, *actor_target, 1.0);
  networks::soft_update(*q, *q_target, 1.0);
  for (auto& p : actor_target->parameters()) p.set_requires_grad(false);
  for (auto& p : q_target->parameters()) p.set_requires_grad(false);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor->parameters(), torch::optim::AdamOptions(config.actor_lr));
  critic_optimizer_ = std::make_unique<torch::optim::Adam>(q->parameters(), torch::optim::AdamOptions(config.critic_lr));
  if (context.data) {
    sampler_.emplace(*context.data, config.batch_size, derive_seed(derive_seed(context.seed, SeedStream::sampler), 1));
  }
}

std::vector<training::Stage> Td3Bc::stages() const { return {{"train", config_.steps, true}}; }

training::Metrics Td3Bc::train_step(const std::string& stage, std::int64_t) {
  training_data("td3_bc", context_);
  if (stage != "train") throw std::invalid_argument("td3_bc: unknown stage '" + stage + "' (stages: train)");
  const datasets::TransitionBatch batch = sampler_->next();
  ++critic_steps_;

  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor next_actions =
        smoothed_target_actions(actor_target->forward(batch.next_observations), torch::randn_like(batch.actions),
                                config_.policy_noise, config_.noise_clip);
    const torch::Tensor next_q = q_target->min_q(batch.next_observations, next_actions);
    target = iql::td_target(batch.rewards, batch.dones, next_q, config_.discount);
  }
  const auto [q1, q2] = q->forward(batch.observations, batch.actions);
  const torch::Tensor critic_loss = twin_q_loss(q1, q2, target);
  critic_optimizer_->zero_grad();
  critic_loss.backward();
  critic_optimizer_->step();

  const bool actor_step = critic_steps_ % config_.policy_delay == 0;
  if (actor_step) {
    // The gradient reaches the actor through Q1's input only; the critic is frozen for this pass.
    for (auto& p : q->parameters()) p.set_requires_grad(false);
    const torch::Tensor pi = actor->forward(batch.observations);
    const torch::Tensor q_pi = td3_first_head(*q, batch.observations, pi);
    const torch::Tensor actor_loss = td3_bc_actor_loss(q_pi, pi, batch.actions, config_.alpha);
    actor_optimizer_->zero_grad();
    actor_loss.backward();
    actor_optimizer_->step();
    for (auto& p : q->parameters()) p.set_requires_grad(true);
    last_actor_loss_ = actor_loss.item<double>();
    last_lambda_ = td3_bc_lambda(q_pi, config_.alpha).item<double>();
    networks::soft_update(*q, *q_target, config_.target_update_rate);
    networks::soft_update(*actor, *actor_target, config_.target_update_rate);
  }
  return {{"critic_loss", critic_loss.item<double>()},
          {"actor_loss", last_actor_loss_},
          {"lambda", last_lambda_},
          {"q_mean", q1.mean().item<double>()},
          {"target_mean", target.mean().item<double>()}};
}

void Td3Bc::save(training::CheckpointWriter& out) const {
  out.module("td3_bc/actor", *actor);
  out.module("td3_bc/actor_target", *actor_target);
  out.module("td3_bc/q", *q);
  out.module("td3_bc/q_target", *q_target);
  out.optimizer("td3_bc/actor_adam", *actor_optimizer_);
  out.optimizer("td3_bc/critic_adam", *critic_optimizer_);
  out.integer("td3_bc/critic_steps", critic_steps_);
  out.real("td3_bc/last_actor_loss", last_actor_loss_);
  out.real("td3_bc/last_lambda", last_lambda_);
  if (sampler_) out.text("td3_bc/sampler", sampler_->get_state().serialize());
}

void Td3Bc::load(const training::CheckpointReader& in) {
  in.module("td3_bc/actor", *actor);
  in.module("td3_bc/actor_target", *actor_target);
  in.module("td3_bc/q", *q);
  in.module("td3_bc/q_target", *q_target);
  in.optimizer("td3_bc/actor_adam", *actor_optimizer_);
  in.optimizer("td3_bc/critic_adam", *critic_optimizer_);
  critic_steps_ = in.integer("td3_bc/critic_steps");
  last_actor_loss_ = in.real("td3_bc/last_actor_loss");
  last_lambda_ = in.real("td3_bc/last_lambda");
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("td3_bc/sampler")));
}

std::shared_ptr<training::Policy> Td3Bc::policy() { return std::make_shared<DeterministicActorPolicy>(actor); }

void register_td3_bc(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("td3_bc", training::algorithm_factory<Td3BcConfig, Td3Bc>(),
                          "TD3+BC: TD3 with a behaviour-cloning term, lambda = alpha / mean|Q| (Fujimoto & Gu 2021)");
}

}  // namespace grl::baselines
