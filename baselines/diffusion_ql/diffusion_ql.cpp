#include "baselines/diffusion_ql/diffusion_ql.h"

#include <stdexcept>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "baselines/baseline_support.h"
#include "baselines/iql/iql.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

DiffusionQlConfig::DiffusionQlConfig() {
  candidates.samples = 50;
  candidates.selection = "softmax";
  actor.path = "vpsde";
  actor.beta0 = 0.1;  // the reference's vp_beta_schedule: b_min 0.1, b_max 10
  actor.beta1 = 10.0;
  actor.model_type = "noise";
  actor.loss = "score_matching";
  actor.loss_time_steps = 5;
  actor.solver = "ddpm";
  actor.grid_points = 6;
  actor.ddpm_clip = true;
  critic.hidden = {256, 256, 256};
  critic.activation = "mish";
}

template <class V>
void DiffusionQlConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps (critic and actor together)", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("eta", eta, "weight of the normalised Q term", config::non_negative());
  v.field("bc_loss_mean", bc_loss_mean, "BC loss as a mean over action dims (the reference's scale); false: half the sum");
  v.field("actor_lr", actor_lr, "Adam learning rate of the actor", config::positive());
  v.field("critic_lr", critic_lr, "Adam learning rate of the critic", config::positive());
  v.field("lr_decay", lr_decay, "cosine-anneal both learning rates to 0 over the run");
  v.field("grad_norm", grad_norm, "max gradient norm of actor and critic (0: none)", config::non_negative());
  v.field("discount", discount, "discount gamma", config::in_range(0, 1));
  v.field("target_update_rate", target_update_rate, "Polyak rate of the target critic", config::in_range(0, 1));
  v.field("ema_rate", ema_rate, "EMA rate of the target actor", config::in_range(0, 1));
  v.field("ema_every", ema_every, "steps between EMA updates", config::at_least(1));
  v.field("ema_start", ema_start, "first step of the EMA (the EMA actor keeps its initial weights until then)",
          config::non_negative());
  candidates.visit(v);
  v.section("actor", actor, "diffusion actor: DDPM on the VP schedule");
  v.section("critic", critic, "each Q head: hidden widths and activation");
}
template void DiffusionQlConfig::visit(config::Reader&);
template void DiffusionQlConfig::visit(config::Writer&);

torch::Tensor normalised_q_loss(const torch::Tensor& q_value, const torch::Tensor& q_scale) {
  if (q_value.sizes() != q_scale.sizes()) {
    throw std::invalid_argument("normalised_q_loss: Q values " + c10::str(q_value.sizes()) + " and scales " +
                                c10::str(q_scale.sizes()) + " differ in shape");
  }
  return -q_value.mean() / q_scale.abs().mean().detach();
}

DiffusionQl::DiffusionQl(const DiffusionQlConfig& config, const training::AlgorithmContext& context)
    : config_(config), context_(context) {
  check_context("diffusion_ql", context);
  config.candidates.check("diffusion_ql");
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  actor_ = GenerativePolicy(config.actor, state_dim, action_dim);
  actor_->to(context.device);
  ema_actor_ = GenerativePolicy(config.actor, state_dim, action_dim);
  ema_actor_->to(context.device);
  copy_policy_weights(*actor_, *ema_actor_);
  for (auto& p : ema_actor_->parameters()) p.set_requires_grad(false);
  critic_ = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  critic_->to(context.device);
  critic_target_ = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  critic_target_->to(context.device);
  networks::soft_update(*critic_, *critic_target_, 1.0);
  for (auto& p : critic_target_->parameters()) p.set_requires_grad(false);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor_->parameters(), torch::optim::AdamOptions(config.actor_lr));
  critic_optimizer_ =
      std::make_unique<torch::optim::Adam>(critic_->parameters(), torch::optim::AdamOptions(config.critic_lr));
  if (context.data) {
    sampler_.emplace(*context.data, config.batch_size, derive_seed(derive_seed(context.seed, SeedStream::sampler), 1));
  }
}

std::vector<training::Stage> DiffusionQl::stages() const { return {{"train", config_.steps, true}}; }

training::Metrics DiffusionQl::train_step(const std::string& stage, std::int64_t) {
  training_data("diffusion_ql", context_);
  if (stage != "train") throw std::invalid_argument("diffusion_ql: unknown stage '" + stage + "' (stages: train)");
  const datasets::TransitionBatch batch = sampler_->next();
  const DiffusionQlConfig& c = config_;
  const double actor_lr = c.lr_decay ? cosine_learning_rate(c.actor_lr, steps_, c.steps) : c.actor_lr;
  const double critic_lr = c.lr_decay ? cosine_learning_rate(c.critic_lr, steps_, c.steps) : c.critic_lr;
  set_learning_rate(*actor_optimizer_, actor_lr);
  set_learning_rate(*critic_optimizer_, critic_lr);

  // Critic: TD target with the EMA actor's action at s'.
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor next_actions = ema_actor_->act(batch.next_observations).clamp(-1.0, 1.0);
    const torch::Tensor next_q = critic_target_->min_q(batch.next_observations, next_actions);
    target = iql::td_target(batch.rewards, batch.dones, next_q, c.discount);
  }
  auto [q1, q2] = critic_->forward(batch.observations, batch.actions);
  const torch::Tensor critic_loss = twin_q_loss(q1, q2, target);
  critic_optimizer_->zero_grad();
  critic_loss.backward();
  if (c.grad_norm > 0) torch::nn::utils::clip_grad_norm_(critic_->parameters(), c.grad_norm);
  critic_optimizer_->step();

  // Actor: the DDPM loss on dataset actions plus the normalised Q of its own sampled actions, with
  // gradients through all denoising steps (the critic's parameters receive gradients too, but they
  // are cleared before the critic's next step).
  // The core's loss is half the squared error summed over the A action dims; the reference averages them.
  const double bc_scale = c.bc_loss_mean ? 2.0 / static_cast<double>(batch.actions.size(1)) : 1.0;
  const torch::Tensor bc_loss = bc_scale * actor_->loss(batch.actions, batch.observations);
  const torch::Tensor new_actions = actor_->act(batch.observations).clamp(-1.0, 1.0);
  auto [q1_new, q2_new] = critic_->forward(batch.observations, new_actions);
  // Which head is the numerator: a coin drawn from the global generator (saved in checkpoints).
  const bool first = torch::rand({1}).item<double>() > 0.5;
  const torch::Tensor q_loss = first ? normalised_q_loss(q1_new, q2_new) : normalised_q_loss(q2_new, q1_new);
  const torch::Tensor actor_loss = bc_loss + c.eta * q_loss;
  actor_optimizer_->zero_grad();
  actor_loss.backward();
  if (c.grad_norm > 0) torch::nn::utils::clip_grad_norm_(actor_->parameters(), c.grad_norm);
  actor_optimizer_->step();

  ++steps_;
  networks::soft_update(*critic_, *critic_target_, c.target_update_rate);
  if (steps_ % c.ema_every == 0 && steps_ >= c.ema_start) networks::soft_update(*actor_, *ema_actor_, c.ema_rate, networks::SoftUpdateBuffers::average);

  return {{"critic_loss", critic_loss.item<double>()},
          {"actor_loss", actor_loss.item<double>()},
          {"bc_loss", bc_loss.item<double>()},
          {"q_loss", q_loss.item<double>()},
          {"q_mean", q1.mean().item<double>()},
          {"actor_lr", actor_lr}};
}

void DiffusionQl::save(training::CheckpointWriter& out) const {
  out.module("diffusion_ql/actor", *actor_);
  out.module("diffusion_ql/ema_actor", *ema_actor_);
  out.module("diffusion_ql/critic", *critic_);
  out.module("diffusion_ql/critic_target", *critic_target_);
  out.optimizer("diffusion_ql/actor_adam", *actor_optimizer_);
  out.optimizer("diffusion_ql/critic_adam", *critic_optimizer_);
  out.integer("diffusion_ql/steps", steps_);
  if (sampler_) out.text("diffusion_ql/sampler", sampler_->get_state().serialize());
}

void DiffusionQl::load(const training::CheckpointReader& in) {
  in.module("diffusion_ql/actor", *actor_);
  in.module("diffusion_ql/ema_actor", *ema_actor_);
  in.module("diffusion_ql/critic", *critic_);
  in.module("diffusion_ql/critic_target", *critic_target_);
  in.optimizer("diffusion_ql/actor_adam", *actor_optimizer_);
  in.optimizer("diffusion_ql/critic_adam", *critic_optimizer_);
  steps_ = in.integer("diffusion_ql/steps");
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("diffusion_ql/sampler")));
}

std::shared_ptr<training::Policy> DiffusionQl::policy() {
  networks::DoubleQNetwork target = critic_target_;
  QFunction q = [target](const torch::Tensor& s, const torch::Tensor& a) { return target.ptr()->min_q(s, a); };
  return std::make_shared<CandidateSelectionPolicy>(actor_, q, config_.candidates);
}

void register_diffusion_ql(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("diffusion_ql", training::algorithm_factory<DiffusionQlConfig, DiffusionQl>(),
                          "Diffusion-QL: DDPM actor trained by its denoising loss plus a normalised Q term, twin critic");
}

}  // namespace grl::baselines
