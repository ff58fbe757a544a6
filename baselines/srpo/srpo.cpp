#include "baselines/srpo/srpo.h"

#include <stdexcept>

#include "algorithms/generative/conversions.h"
#include "baselines/baseline_support.h"
#include "baselines/iql/iql.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

template <class V>
void SrpoPolicyConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps of the actor", config::at_least(1));
  v.field("batch_size", batch_size, "states per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate (start of the cosine schedule)", config::positive());
  v.field("cosine_schedule", cosine_schedule, "anneal the learning rate to 0 over the stage");
  v.field("beta", beta, "weight of grad_a Q against the behaviour score", config::non_negative());
  v.field("t_min", t_min, "diffusion times t ~ U(t_min, t_max)", config::open_range(0, 1));
  v.field("t_max", t_max, "diffusion times t ~ U(t_min, t_max)", config::open_range(0, 1));
  v.field("weighting", weighting, "w(t): sigma2 (sigma^2), one, snr (s / sigma)", config::one_of({"sigma2", "one", "snr"}));
  v.field("normalise_q_gradient", normalise_q_gradient, "divide grad_a Q by its root mean square over action dims");
  v.field("subtract_noise", subtract_noise,
          "regularise with eps_hat - z (the original's WT 'noise'): same expected gradient, less variance");
  v.section("actor", actor, "deterministic actor tanh(MLP(s)): hidden widths and activation");
}
template void SrpoPolicyConfig::visit(config::Reader&);
template void SrpoPolicyConfig::visit(config::Writer&);

SrpoConfig::SrpoConfig() {
  GenerativePolicyConfig& m = behaviour.model;
  m.path = "vpsde";
  m.model_type = "noise";
  m.loss = "score_matching_ml";
  // Only the evaluation of the behaviour model on its own would sample from it.
  m.solver = "dpm_solver";
}

template <class V>
void SrpoConfig::visit(V& v) {
  v.section("behaviour", behaviour, "stage 1: diffusion behaviour model (maximum-likelihood weighting)");
  v.section("critic", critic, "stage 2: IQL critic");
  v.section("policy", policy, "stage 3: deterministic actor, score-regularised");
}
template void SrpoConfig::visit(config::Reader&);
template void SrpoConfig::visit(config::Writer&);

torch::Tensor srpo_surrogate_loss(const torch::Tensor& actions, const torch::Tensor& eps_hat, const torch::Tensor& weight,
                                  const torch::Tensor& q_gradient, double beta) {
  if (eps_hat.sizes() != actions.sizes() || q_gradient.sizes() != actions.sizes() || weight.dim() != 1 ||
      weight.size(0) != actions.size(0)) {
    throw std::invalid_argument("srpo_surrogate_loss: expected actions, eps_hat, q_gradient [B, A] and weight [B], got " +
                                c10::str(actions.sizes()) + ", " + c10::str(eps_hat.sizes()) + ", " +
                                c10::str(q_gradient.sizes()) + ", " + c10::str(weight.sizes()));
  }
  const torch::Tensor regulariser = weight.detach() * (eps_hat.detach() * actions).sum(1);
  const torch::Tensor guidance = (q_gradient.detach() * actions).sum(1);
  return (regulariser - beta * guidance).mean();
}

Srpo::Srpo(const SrpoConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("srpo", context);
  if (!(config.policy.t_min < config.policy.t_max)) {
    throw std::invalid_argument("srpo: policy.t_min must be below policy.t_max");
  }
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  const std::uint64_t sampler_seed = derive_seed(context.seed, SeedStream::sampler);
  behaviour_.emplace(config.behaviour, state_dim, action_dim, context.data, derive_seed(sampler_seed, 1), context.device);
  critic_ = iql::IqlCritic(config.critic.iql, state_dim, action_dim);
  critic_->to(context.device);
  actor_ = DeterministicActor(state_dim, action_dim, config.policy.actor);
  actor_->to(context.device);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor_->parameters(), torch::optim::AdamOptions(config.policy.lr));
  if (context.data) {
    critic_sampler_.emplace(*context.data, config.critic.batch_size, derive_seed(sampler_seed, 2));
    policy_sampler_.emplace(*context.data, config.policy.batch_size, derive_seed(sampler_seed, 3));
  }
}

std::vector<training::Stage> Srpo::stages() const {
  return {{"behaviour", config_.behaviour.steps, false},
          {"critic", config_.critic.steps, false},
          {"policy", config_.policy.steps, true}};
}

training::Metrics Srpo::train_step(const std::string& stage, std::int64_t) {
  training_data("srpo", context_);
  if (stage == "behaviour") return behaviour_->step();
  if (stage == "critic") return critic_->update(critic_sampler_->next());
  if (stage == "policy") return policy_step();
  throw std::invalid_argument("srpo: unknown stage '" + stage + "' (stages: behaviour, critic, policy)");
}

training::Metrics Srpo::policy_step() {
  const SrpoPolicyConfig& c = config_.policy;
  const torch::Tensor states = policy_sampler_->next().observations;
  const torch::Tensor actions = actor_->forward(states);
  const int64_t b = actions.size(0);
  const auto options = actions.options();
  torch::Tensor eps_hat, weight, q_gradient, q_mean;
  {
    torch::NoGradGuard no_grad;
    GenerativePolicy mu = behaviour_->model();
    const generative::DiffusionPath& path = *mu->path().diffusion;
    const torch::Tensor t = c.t_min + (c.t_max - c.t_min) * torch::rand({b}, options);
    const torch::Tensor s = path.s(t).unsqueeze(1), sigma = path.sigma(t).unsqueeze(1);
    const torch::Tensor z = torch::randn(actions.sizes(), options);
    const torch::Tensor noisy = s * actions.detach() + sigma * z;
    const generative::ModelFunction model = mu->model_function();
    eps_hat = generative::convert(model.type, generative::ModelType::noise, model(t, noisy, states), t, noisy, path);
    if (c.subtract_noise) eps_hat = eps_hat - z;
    if (c.weighting == "sigma2") weight = sigma.squeeze(1).square();
    else if (c.weighting == "snr") weight = (s / sigma).squeeze(1);
    else weight = torch::ones({b}, options);
  }
  {
    // grad_a of the mean of the two target heads, at the actor's actions, leaving the actor's graph alone.
    const torch::Tensor a = actions.detach().requires_grad_(true);
    auto [q1, q2] = critic_->q_target->forward(states, a);
    const torch::Tensor q = (q1 + q2) / 2;
    q_gradient = torch::autograd::grad({q.sum()}, {a})[0].detach();
    q_mean = q.detach().mean();
    if (c.normalise_q_gradient) q_gradient = q_gradient / q_gradient.square().mean(1, true).sqrt().clamp_min(1e-12);
  }
  const torch::Tensor loss = srpo_surrogate_loss(actions, eps_hat, weight, q_gradient, c.beta);
  const double lr = c.cosine_schedule ? cosine_learning_rate(c.lr, policy_steps_, c.steps) : c.lr;
  set_learning_rate(*actor_optimizer_, lr);
  actor_optimizer_->zero_grad();
  loss.backward();
  actor_optimizer_->step();
  ++policy_steps_;
  return {{"policy_loss", loss.item<double>()},
          {"q_mean", q_mean.item<double>()},
          {"q_gradient_rms", q_gradient.square().mean().sqrt().item<double>()},
          // Per-state size of the regulariser's pull (w eps_hat, or w (eps_hat - z)) to set beyond beta * q_gradient_rms.
          {"score_term_rms", (weight.unsqueeze(1) * eps_hat).square().mean().sqrt().item<double>()},
          {"actor_lr", lr}};
}

void Srpo::save(training::CheckpointWriter& out) const {
  behaviour_->save(out, "srpo/behaviour");
  critic_->save(out, "srpo/critic");
  out.module("srpo/actor", *actor_);
  out.optimizer("srpo/actor_adam", *actor_optimizer_);
  out.integer("srpo/policy_steps", policy_steps_);
  if (critic_sampler_) out.text("srpo/critic_sampler", critic_sampler_->get_state().serialize());
  if (policy_sampler_) out.text("srpo/policy_sampler", policy_sampler_->get_state().serialize());
}

void Srpo::load(const training::CheckpointReader& in) {
  behaviour_->load(in, "srpo/behaviour");
  critic_->load(in, "srpo/critic");
  in.module("srpo/actor", *actor_);
  in.optimizer("srpo/actor_adam", *actor_optimizer_);
  policy_steps_ = in.integer("srpo/policy_steps");
  if (critic_sampler_) critic_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("srpo/critic_sampler")));
  if (policy_sampler_) policy_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("srpo/policy_sampler")));
}

std::shared_ptr<training::Policy> Srpo::policy() { return std::make_shared<DeterministicActorPolicy>(actor_); }

void register_srpo(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("srpo", training::algorithm_factory<SrpoConfig, Srpo>(),
                          "SRPO: deterministic actor trained on the IQL critic, regularised by a diffusion behaviour score");
}

}  // namespace grl::baselines
