#include "baselines/cql/cql.h"

#include <cmath>
#include <stdexcept>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "baselines/sac/sac.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

template <class V>
void CqlConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("discount", discount, "discount gamma", config::in_range(0, 1));
  v.field("policy_lr", policy_lr, "Adam learning rate of the actor", config::positive());
  v.field("qf_lr", qf_lr, "Adam learning rate of the twin critic", config::positive());
  v.field("alpha_lr", alpha_lr, "Adam learning rate of log alpha", config::positive());
  v.field("target_update_rate", target_update_rate, "Polyak rate of the target critic", config::in_range(0, 1));
  v.field("target_update_every", target_update_every, "steps between target updates", config::at_least(1));
  v.field("autotune_alpha", autotune_alpha, "learn the entropy temperature towards the target entropy");
  v.field("alpha_multiplier", alpha_multiplier, "alpha = multiplier exp(log alpha); the fixed alpha when not tuned",
          config::non_negative());
  v.field("target_entropy_scale", target_entropy_scale, "target entropy = -scale * act_dim");
  v.field("backup_entropy", backup_entropy, "subtract alpha log pi(a'|s') in the TD target");
  v.field("bc_steps", bc_steps, "first steps whose actor loss is behaviour cloning", config::non_negative());
  v.field("n_actions", n_actions, "sampled actions per state for each of random, current and next", config::at_least(1));
  v.field("importance_sample", importance_sample, "subtract the sampling log-densities inside the logsumexp");
  v.field("temperature", temperature, "temperature of the logsumexp", config::positive());
  v.field("cql_alpha", cql_alpha, "weight of the conservative penalty (min-Q weight)", config::non_negative());
  v.field("lagrange", lagrange, "learn alpha' so that the gap approaches target_action_gap");
  v.field("target_action_gap", target_action_gap, "Lagrange threshold of the gap");
  v.field("alpha_prime_lr", alpha_prime_lr, "Adam learning rate of log alpha' (Lagrange)", config::positive());
  v.field("max_target_backup", max_target_backup, "TD target from the best of n_actions samples at s'");
  v.field("orthogonal_init", orthogonal_init, "orthogonal initialisation of the Q heads (CORL)");
  v.section("actor", actor, "tanh-Gaussian actor");
  v.section("critic", critic, "each Q head's MLP on [a, s]");
}
template void CqlConfig::visit(config::Reader&);
template void CqlConfig::visit(config::Writer&);

namespace {

void cql_check_sampled(const torch::Tensor& t, const torch::Tensor& q_data, const char* what) {
  if (!t.defined() || t.dim() != 2 || t.size(0) != q_data.size(0)) {
    throw std::invalid_argument(std::string("cql: expected ") + what + " of shape [B, n] with B = " +
                                std::to_string(q_data.size(0)) + ", got " + (t.defined() ? c10::str(t.sizes()) : "none"));
  }
}

// CORL's actor initialisation: small output layers (Xavier uniform, gain 0.01, zero bias) and log std
// starting at -1 (its log_std_offset); the hidden layers keep LibTorch's default.
void cql_init_actor(networks::TanhGaussianActorImpl& actor) {
  torch::NoGradGuard no_grad;
  for (auto& item : actor.named_parameters(true)) {
    const std::string& key = item.key();
    if (key == "last_fc.weight" || key == "last_fc_log_std.weight") torch::nn::init::xavier_uniform_(item.value(), 1e-2);
    if (key == "last_fc.bias") item.value().zero_();
    if (key == "last_fc_log_std.bias") item.value().fill_(-1.0);
  }
}

}  // namespace

torch::Tensor cql_logsumexp(const torch::Tensor& q_data, const CqlSampledQ& sampled, std::int64_t action_dim,
                            double temperature, bool importance_sample) {
  if (!q_data.defined() || q_data.dim() != 1) throw std::invalid_argument("cql: expected Q(s, a) of the data as [B]");
  cql_check_sampled(sampled.random, q_data, "Q at random actions");
  cql_check_sampled(sampled.current, q_data, "Q at current-policy actions");
  cql_check_sampled(sampled.next, q_data, "Q at next-state policy actions");
  torch::Tensor x;
  if (importance_sample) {
    cql_check_sampled(sampled.current_log_prob, q_data, "log pi of the current-policy actions");
    cql_check_sampled(sampled.next_log_prob, q_data, "log pi of the next-state policy actions");
    // The uniform density on [-1, 1]^A is 0.5^A.
    const double random_log_density = static_cast<double>(action_dim) * std::log(0.5);
    x = torch::cat({sampled.random - random_log_density, sampled.next - sampled.next_log_prob.detach(),
                    sampled.current - sampled.current_log_prob.detach()},
                   1);
  } else {
    x = torch::cat({sampled.random, q_data.unsqueeze(1), sampled.next, sampled.current}, 1);
  }
  return torch::logsumexp(x / temperature, 1) * temperature;
}

torch::Tensor cql_gap(const torch::Tensor& q_data, const CqlSampledQ& sampled, std::int64_t action_dim,
                      double temperature, bool importance_sample) {
  return (cql_logsumexp(q_data, sampled, action_dim, temperature, importance_sample) - q_data).mean();
}

Cql::Cql(const CqlConfig& config, const training::AlgorithmContext& context)
    : config_(config),
      context_(context),
      target_entropy_(-config.target_entropy_scale * static_cast<double>(context.env.act_dim)) {
  check_context("cql", context);
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  actor = networks::TanhGaussianActor(state_dim, action_dim, config.actor);
  cql_init_actor(*actor);
  q = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  if (config.orthogonal_init) {
    orthogonal_init(*q->q1);
    orthogonal_init(*q->q2);
  }
  q_target = networks::DoubleQNetwork(state_dim, action_dim, config.critic);
  actor->to(context.device);
  q->to(context.device);
  q_target->to(context.device);
  networks::soft_update(*q, *q_target, 1.0);
  for (auto& p : q_target->parameters()) p.set_requires_grad(false);
  const auto options = torch::TensorOptions().device(context.device).dtype(torch::kFloat32);
  log_alpha = torch::zeros({1}, options).requires_grad_(true);              // alpha starts at 1
  log_alpha_prime = torch::ones({1}, options).requires_grad_(true);         // alpha' starts at e (CORL)
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor->parameters(), torch::optim::AdamOptions(config.policy_lr));
  critic_optimizer_ = std::make_unique<torch::optim::Adam>(q->parameters(), torch::optim::AdamOptions(config.qf_lr));
  alpha_optimizer_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{log_alpha},
                                                          torch::optim::AdamOptions(config.alpha_lr));
  alpha_prime_optimizer_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{log_alpha_prime},
                                                                torch::optim::AdamOptions(config.alpha_prime_lr));
  if (context.data) {
    sampler_.emplace(*context.data, config.batch_size, derive_seed(derive_seed(context.seed, SeedStream::sampler), 1));
  }
}

std::vector<training::Stage> Cql::stages() const { return {{"train", config_.steps, true}}; }

double Cql::alpha() const {
  if (!config_.autotune_alpha) return config_.alpha_multiplier;
  return config_.alpha_multiplier * std::exp(log_alpha.item<double>());
}

double Cql::alpha_prime() const { return std::min(std::max(std::exp(log_alpha_prime.item<double>()), 0.0), 1e6); }

training::Metrics Cql::train_step(const std::string& stage, std::int64_t) {
  training_data("cql", context_);
  if (stage != "train") throw std::invalid_argument("cql: unknown stage '" + stage + "' (stages: train)");
  const datasets::TransitionBatch batch = sampler_->next();
  ++steps_;
  const torch::Tensor& s = batch.observations;
  const torch::Tensor& a = batch.actions;
  const int64_t b = batch.size(), n = config_.n_actions, a_dim = batch.act_dim();
  const double alpha_now = alpha();

  // Actor and temperature (the critic frozen: the actor's gradient reaches it through the actions only).
  const networks::TanhGaussianSample pi = actor->sample(s);
  torch::Tensor alpha_loss;
  if (config_.autotune_alpha) alpha_loss = sac::alpha_loss(log_alpha, pi.log_prob, target_entropy_);
  torch::Tensor actor_loss;
  if (steps_ <= config_.bc_steps) {
    actor_loss = sac::actor_loss(actor->log_prob(s, a), pi.log_prob, alpha_now);
  } else {
    for (auto& p : q->parameters()) p.set_requires_grad(false);
    actor_loss = sac::actor_loss(q->min_q(s, pi.action), pi.log_prob, alpha_now);
    for (auto& p : q->parameters()) p.set_requires_grad(true);
  }

  // TD target.
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor next_q, next_log_prob;
    if (config_.max_target_backup) {
      const torch::Tensor next_states = batch.next_observations.repeat_interleave(n, 0);
      const networks::TanhGaussianSample next = actor->sample(next_states);
      const auto [best, index] = q_target->min_q(next_states, next.action).view({b, n}).max(1);
      next_q = best;
      next_log_prob = next.log_prob.view({b, n}).gather(1, index.unsqueeze(1)).squeeze(1);
    } else {
      const networks::TanhGaussianSample next = actor->sample(batch.next_observations);
      next_q = q_target->min_q(batch.next_observations, next.action);
      next_log_prob = next.log_prob;
    }
    target = sac::soft_td_target(batch.rewards, batch.dones, next_q, next_log_prob,
                                 config_.backup_entropy ? alpha_now : 0.0, config_.discount);
  }
  const auto [q1, q2] = q->forward(s, a);
  const torch::Tensor td_loss = twin_q_loss(q1, q2, target);

  // The conservative penalty: every head at 3n sampled actions per state, in one batched pass.
  torch::Tensor sampled_actions, current_log_prob, next_log_prob;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor random = torch::empty({b, n, a_dim}, a.options()).uniform_(-1.0, 1.0);
    const networks::TanhGaussianSample current = actor->sample(s.repeat_interleave(n, 0));
    const networks::TanhGaussianSample next = actor->sample(batch.next_observations.repeat_interleave(n, 0));
    sampled_actions = torch::cat({random, current.action.view({b, n, a_dim}), next.action.view({b, n, a_dim})}, 1)
                          .view({b * 3 * n, a_dim});
    current_log_prob = current.log_prob.view({b, n});
    next_log_prob = next.log_prob.view({b, n});
  }
  const auto [sampled_q1, sampled_q2] = q->forward(s.repeat_interleave(3 * n, 0), sampled_actions);
  auto sampled_of = [&](const torch::Tensor& head) {
    const torch::Tensor per_state = head.view({b, 3 * n});
    return CqlSampledQ{per_state.narrow(1, 0, n), per_state.narrow(1, n, n), current_log_prob,
                       per_state.narrow(1, 2 * n, n), next_log_prob};
  };
  const CqlSampledQ sampled1 = sampled_of(sampled_q1), sampled2 = sampled_of(sampled_q2);
  const torch::Tensor gap1 = cql_gap(q1, sampled1, a_dim, config_.temperature, config_.importance_sample);
  const torch::Tensor gap2 = cql_gap(q2, sampled2, a_dim, config_.temperature, config_.importance_sample);
  torch::Tensor penalty;
  double alpha_prime_now = 0.0, alpha_prime_loss_value = 0.0;
  if (config_.lagrange) {
    const torch::Tensor alpha_prime = torch::clamp(torch::exp(log_alpha_prime), 0.0, 1e6);
    alpha_prime_now = alpha_prime.item<double>();
    const double gap_target = config_.target_action_gap;
    penalty = alpha_prime.detach() * config_.cql_alpha * ((gap1 - gap_target) + (gap2 - gap_target));
    // alpha' ascends the penalty: its loss is the penalty's negative, averaged over the heads.
    const torch::Tensor alpha_prime_loss =
        -0.5 * alpha_prime * config_.cql_alpha * ((gap1.detach() - gap_target) + (gap2.detach() - gap_target));
    alpha_prime_optimizer_->zero_grad();
    alpha_prime_loss.sum().backward();
    alpha_prime_optimizer_->step();
    alpha_prime_loss_value = alpha_prime_loss.sum().item<double>();
  } else {
    penalty = config_.cql_alpha * (gap1 + gap2);
  }
  const torch::Tensor critic_loss = td_loss + penalty.sum();

  // Steps, in CORL's order, each on a loss computed above from the parameters before any step.
  double alpha_loss_value = 0.0;
  if (config_.autotune_alpha) {
    alpha_optimizer_->zero_grad();
    alpha_loss.backward();
    alpha_optimizer_->step();
    alpha_loss_value = alpha_loss.item<double>();
  }
  actor_optimizer_->zero_grad();
  actor_loss.backward();
  actor_optimizer_->step();
  critic_optimizer_->zero_grad();
  critic_loss.backward();
  critic_optimizer_->step();
  if (steps_ % config_.target_update_every == 0) networks::soft_update(*q, *q_target, config_.target_update_rate);

  return {{"critic_loss", critic_loss.item<double>()},
          {"actor_loss", actor_loss.item<double>()},
          {"cql_gap", 0.5 * (gap1.item<double>() + gap2.item<double>())},
          {"td_loss", td_loss.item<double>()},
          {"alpha", alpha_now},
          {"alpha_loss", alpha_loss_value},
          {"alpha_prime", alpha_prime_now},
          {"alpha_prime_loss", alpha_prime_loss_value},
          {"entropy", -pi.log_prob.mean().item<double>()},
          {"q_data", q1.mean().item<double>()},
          {"q_random", sampled1.random.mean().item<double>()},
          {"target_mean", target.mean().item<double>()}};
}

void Cql::save(training::CheckpointWriter& out) const {
  out.module("cql/actor", *actor);
  out.module("cql/q", *q);
  out.module("cql/q_target", *q_target);
  out.tensor("cql/log_alpha", log_alpha.detach());
  out.tensor("cql/log_alpha_prime", log_alpha_prime.detach());
  out.optimizer("cql/actor_adam", *actor_optimizer_);
  out.optimizer("cql/critic_adam", *critic_optimizer_);
  out.optimizer("cql/alpha_adam", *alpha_optimizer_);
  out.optimizer("cql/alpha_prime_adam", *alpha_prime_optimizer_);
  out.integer("cql/steps", steps_);
  if (sampler_) out.text("cql/sampler", sampler_->get_state().serialize());
}

void Cql::load(const training::CheckpointReader& in) {
  in.module("cql/actor", *actor);
  in.module("cql/q", *q);
  in.module("cql/q_target", *q_target);
  {
    torch::NoGradGuard no_grad;
    log_alpha.copy_(in.tensor("cql/log_alpha"));
    log_alpha_prime.copy_(in.tensor("cql/log_alpha_prime"));
  }
  in.optimizer("cql/actor_adam", *actor_optimizer_);
  in.optimizer("cql/critic_adam", *critic_optimizer_);
  in.optimizer("cql/alpha_adam", *alpha_optimizer_);
  in.optimizer("cql/alpha_prime_adam", *alpha_prime_optimizer_);
  steps_ = in.integer("cql/steps");
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("cql/sampler")));
}

std::shared_ptr<training::Policy> Cql::policy() { return std::make_shared<TanhGaussianMeanPolicy>(actor); }

void register_cql(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("cql", training::algorithm_factory<CqlConfig, Cql>(),
                          "CQL: SAC with the conservative logsumexp penalty on the twin critic (CORL's cql.py)");
}

}  // namespace grl::baselines
