#include "algorithms/gmpg/gmpg.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "algorithms/training/temperature_rule.h"
#include "common/config.h"
#include "common/seeding.h"
#include "datasets/discounted_returns.h"

namespace grl::gmpg {

template <class V>
void GmpgCriticConfig::visit(V& v) {
  v.field("epochs", epochs, "passes over the dataset (ignored when steps > 0)", config::positive());
  v.field("steps", steps, "gradient steps; > 0 overrides epochs", config::non_negative());
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.section("iql", iql, "IQL critic");
}

template <class V>
void GmpgBehaviourConfig::visit(V& v) {
  v.field("epochs", epochs, "passes over the dataset (ignored when steps > 0)", config::positive());
  v.field("steps", steps, "gradient steps; > 0 overrides epochs", config::non_negative());
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate of mu", config::positive());
  v.section("model", model, "generative model of mu and pi: path, parameterisation, loss, network, acting sampler");
}

template <class V>
void GmpgPolicyConfig::visit(V& v) {
  v.field("epochs", epochs, "passes over the dataset's states (ignored when steps > 0)", config::positive());
  v.field("steps", steps, "gradient steps; > 0 overrides epochs", config::non_negative());
  v.field("batch_size", batch_size, "states per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate of pi_theta", config::positive());
  v.field("beta", beta, "weight of -Q against the KL in bits per action dimension", config::non_negative());
  v.field("beta_rule", beta_rule, "how beta carries over to the dataset's reward scale: as_given or env_return_span",
          config::one_of(training::temperature_rules()));
  v.field("estimator", estimator, "pathwise: gradient through the sampler; reinforce: score function",
          config::one_of({"pathwise", "reinforce"}));
  v.field("gradient", gradient, "discrete_adjoint (bounded memory) or autograd (unrolled solvers)",
          config::one_of({"discrete_adjoint", "autograd"}));
  v.field("grid_points", grid_points, "K: points of the sampler grid the gradient flows through", config::at_least(2));
  v.field("solver", solver, "solver on that grid", config::one_of({"euler", "heun", "rk4"}));
  v.field("likelihood_grid_points", likelihood_grid_points, "points of the likelihood grid", config::at_least(2));
  v.field("likelihood_solver", likelihood_solver, "solver of the likelihood ODE", config::one_of({"euler", "heun", "rk4"}));
  v.field("log_pi", log_pi,
          "pathwise: likelihood_ode (the likelihood ODE on likelihood_grid_points, as log mu and the original) "
          "or sampler_steps (log N(z) - sum of the sampler steps' log|det|: the sampler's exact density, O(h) "
          "off the ODE's log mu)",
          config::one_of({"sampler_steps", "likelihood_ode"}));
  v.field("likelihood_divergence", likelihood_divergence, "exact: one VJP per action dim; exact_batched: one on A copies",
          config::one_of({"exact", "exact_batched"}));
  v.field("adjoint_stride", adjoint_stride, "keep every stride-th solver state; recompute the rest", config::at_least(1));
  v.field("micro_batch", micro_batch, "rows per gradient chunk (0: whole batch)", config::non_negative());
  v.field("weight_clamp", weight_clamp, "reinforce: C in min(exp(beta A), C) / C", config::positive());
  v.field("grad_clip", grad_clip, "max gradient norm (0: no clipping)", config::non_negative());
}

template <class V>
void GmpgConfig::visit(V& v) {
  v.section("critic", critic, "IQL critic stage");
  v.section("behaviour", behaviour, "behaviour model stage");
  v.section("policy", policy, "policy gradient stage");
}

template void GmpgConfig::visit(config::Reader&);
template void GmpgConfig::visit(config::Writer&);

PolicyGradientOptions policy_gradient_options(const GmpgPolicyConfig& c) {
  PolicyGradientOptions o;
  o.beta = c.beta;
  o.grid_points = c.grid_points;
  o.solver = generative::parse_solver_kind(c.solver);
  o.likelihood_grid_points = c.likelihood_grid_points;
  o.likelihood_solver = generative::parse_solver_kind(c.likelihood_solver);
  o.divergence = c.likelihood_divergence == "exact_batched" ? generative::DivergenceMethod::exact_batched
                                                             : generative::DivergenceMethod::exact;
  o.method = parse_gradient_method(c.gradient);
  o.log_pi = parse_policy_log_likelihood(c.log_pi);
  o.adjoint_stride = c.adjoint_stride;
  o.micro_batch = c.micro_batch;
  o.weight_clamp = c.weight_clamp;
  o.check();
  return o;
}

namespace {

std::int64_t steps_of(double epochs, std::int64_t steps, std::int64_t dataset_size, std::int64_t batch_size) {
  if (steps > 0) return steps;
  const double n = std::ceil(epochs * static_cast<double>(dataset_size) / static_cast<double>(batch_size));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(n));
}

// Acts with a generative policy: fresh noise, the policy's own solver and grid, no gradients.
class GenerativeActor : public training::Policy {
 public:
  explicit GenerativeActor(GenerativePolicy policy) : policy_(std::move(policy)) {}
  torch::Tensor act(const torch::Tensor& observations) override {
    torch::NoGradGuard no_grad;
    return policy_->act(observations.to(policy_->device(), torch::kFloat32));
  }

 private:
  GenerativePolicy policy_;
};

void set_trainable(GenerativePolicyImpl& model, bool trainable) {
  for (auto& p : model.parameters()) p.set_requires_grad(trainable);
}

// Each stage's sampler gets its own stream, so changing one stage's batch size leaves the others alone.
std::uint64_t sampler_seed(std::uint64_t seed, std::uint64_t stage) {
  return derive_seed(derive_seed(seed, SeedStream::sampler), stage);
}

}  // namespace

Gmpg::Gmpg(const GmpgConfig& config, const training::AlgorithmContext& context)
    : config_(config), context_(context), gradient_options_(policy_gradient_options(config.policy)) {
  const int64_t s = context.env.obs_dim, a = context.env.act_dim;
  if (context.data) {
    if (context.data->obs_dim() != s || context.data->act_dim() != a) {
      throw std::invalid_argument("gmpg: the dataset has obs/act dims " + std::to_string(context.data->obs_dim()) + "/" +
                                  std::to_string(context.data->act_dim()) + " but env '" + context.env.id + "' has " +
                                  std::to_string(s) + "/" + std::to_string(a));
    }
  }
  critic_ = iql::IqlCritic(config.critic.iql, s, a);
  critic_->to(context.device);
  behaviour_ = GenerativePolicy(config.behaviour.model, s, a);
  behaviour_->to(context.device);
  policy_ = GenerativePolicy(config.behaviour.model, s, a);
  policy_->to(context.device);
  behaviour_optimizer_ = std::make_unique<torch::optim::Adam>(behaviour_->parameters(),
                                                              torch::optim::AdamOptions(config.behaviour.lr));
  policy_optimizer_ =
      std::make_unique<torch::optim::Adam>(policy_->parameters(), torch::optim::AdamOptions(config.policy.lr));
  if (context.data) {
    const std::int64_t n = context.data->size();
    critic_steps_ = steps_of(config.critic.epochs, config.critic.steps, n, config.critic.batch_size);
    behaviour_steps_ = steps_of(config.behaviour.epochs, config.behaviour.steps, n, config.behaviour.batch_size);
    policy_steps_ = steps_of(config.policy.epochs, config.policy.steps, n, config.policy.batch_size);
    const auto mode = datasets::SamplingMode::epoch_permutation;
    critic_sampler_.emplace(*context.data, config.critic.batch_size, sampler_seed(context.seed, 1), mode);
    behaviour_sampler_.emplace(*context.data, config.behaviour.batch_size, sampler_seed(context.seed, 2), mode);
    policy_sampler_.emplace(*context.data, config.policy.batch_size, sampler_seed(context.seed, 3), mode);
    data_return_mean_ = datasets::discounted_returns(*context.data, config.critic.iql.discount).mean().item<double>();
    gradient_options_.beta =
        config.policy.beta * training::temperature_factor(config.policy.beta_rule, context.reward_scaling, context.env);
  }
}

const datasets::TransitionSet& Gmpg::data() const {
  if (!context_.data) throw std::logic_error("gmpg: built without a dataset (acting only); cannot train");
  return *context_.data;
}

std::vector<training::Stage> Gmpg::stages() const {
  return {{"critic", critic_steps_, false}, {"behaviour", behaviour_steps_, true}, {"policy", policy_steps_, true}};
}

training::Metrics Gmpg::train_step(const std::string& stage, std::int64_t step) {
  data();
  if (stage == "critic") return critic_step();
  if (stage == "behaviour") return behaviour_step();
  if (stage == "policy") return policy_step(step);
  throw std::invalid_argument("gmpg: unknown stage '" + stage + "' (expected critic, behaviour or policy)");
}

training::Metrics Gmpg::critic_step() {
  critic_->set_trainable(true);
  training::Metrics metrics = critic_->update(critic_sampler_->next());
  // What q_mean should reach: the data's mean discounted return (datasets/discounted_returns.h).
  metrics.emplace_back("data_return_mean", data_return_mean_);
  return metrics;
}

training::Metrics Gmpg::behaviour_step() {
  set_trainable(*behaviour_, true);
  const datasets::TransitionBatch batch = behaviour_sampler_->next();
  behaviour_optimizer_->zero_grad();
  const torch::Tensor loss = behaviour_->loss(batch.actions, batch.observations);
  loss.backward();
  behaviour_optimizer_->step();
  return {{"behaviour_loss", loss.item<double>()}};
}

training::Metrics Gmpg::policy_step(std::int64_t step) {
  if (!policy_started_) {
    if (step != 0) throw std::logic_error("gmpg: policy stage resumed at step " + std::to_string(step) + " without pi_theta");
    copy_policy_weights(*behaviour_, *policy_);
    policy_started_ = true;
  }
  // mu and the critic are frozen: only theta may collect gradients.
  critic_->set_trainable(false);
  set_trainable(*behaviour_, false);
  set_trainable(*policy_, true);
  const torch::Tensor states = policy_sampler_->next().observations;
  const torch::Tensor noise = torch::randn({states.size(0), policy_->action_dim()}, states.options());
  iql::IqlCritic critic = critic_;
  const QFunction q = [critic](const torch::Tensor& s, const torch::Tensor& a) { return critic->q_value(s, a); };
  const VFunction v = [critic](const torch::Tensor& s) { return critic->value(s); };

  policy_optimizer_->zero_grad();
  const PolicyGradientStats stats =
      config_.policy.estimator == "reinforce"
          ? reinforce_gradient(*policy_, *behaviour_, q, v, states, noise, gradient_options_)
          : gmpg_gradient(*policy_, *behaviour_, q, states, noise, gradient_options_);
  const double max_norm = config_.policy.grad_clip > 0 ? config_.policy.grad_clip : std::numeric_limits<double>::infinity();
  const double grad_norm = torch::nn::utils::clip_grad_norm_(policy_->parameters(), max_norm);
  check_policy_step(step, stats, grad_norm);  // before a bad step ruins theta (the last checkpoint stays usable)
  policy_optimizer_->step();
  training::Metrics m{{"policy_loss", stats.loss},
                      {"q_mean", stats.q_mean},
                      {"kl_bits", stats.kl_bits},
                      {"log_pi_bits", stats.log_pi_bits},
                      {"log_mu_bits", stats.log_mu_bits},
                      {"grad_norm", grad_norm},
                      {"beta", gradient_options_.beta}};
  if (config_.policy.estimator == "reinforce") m.emplace_back("weight_mean", stats.weight_mean);
  return m;
}

void Gmpg::save(training::CheckpointWriter& out) const {
  critic_->save(out, "critic");
  out.module("behaviour", *behaviour_);
  out.optimizer("behaviour_optimizer", *behaviour_optimizer_);
  out.module("policy", *policy_);
  out.optimizer("policy_optimizer", *policy_optimizer_);
  out.integer("gmpg/policy_started", policy_started_ ? 1 : 0);
  if (critic_sampler_) out.text("gmpg/critic_sampler", critic_sampler_->get_state().serialize());
  if (behaviour_sampler_) out.text("gmpg/behaviour_sampler", behaviour_sampler_->get_state().serialize());
  if (policy_sampler_) out.text("gmpg/policy_sampler", policy_sampler_->get_state().serialize());
}

void Gmpg::load(const training::CheckpointReader& in) {
  critic_->load(in, "critic");
  in.module("behaviour", *behaviour_);
  in.optimizer("behaviour_optimizer", *behaviour_optimizer_);
  in.module("policy", *policy_);
  in.optimizer("policy_optimizer", *policy_optimizer_);
  policy_started_ = in.integer("gmpg/policy_started") != 0;
  if (critic_sampler_ && in.has("gmpg/critic_sampler")) {
    critic_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("gmpg/critic_sampler")));
  }
  if (behaviour_sampler_ && in.has("gmpg/behaviour_sampler")) {
    behaviour_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("gmpg/behaviour_sampler")));
  }
  if (policy_sampler_ && in.has("gmpg/policy_sampler")) {
    policy_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("gmpg/policy_sampler")));
  }
}

std::shared_ptr<training::Policy> Gmpg::policy() {
  return std::make_shared<GenerativeActor>(policy_started_ ? policy_ : behaviour_);
}

void check_policy_step(std::int64_t step, const PolicyGradientStats& stats, double grad_norm) {
  const std::string where = "gmpg: policy step " + std::to_string(step) + ": ";
  const std::string remedies =
      "; lower policy.lr or policy.beta, set policy.grad_clip, use policy.log_pi: sampler_steps, or a finer "
      "policy.likelihood_grid_points";
  if (!std::isfinite(stats.loss) || !std::isfinite(grad_norm)) {
    throw std::runtime_error(where + "non-finite loss (" + std::to_string(stats.loss) + ") or gradient norm (" +
                             std::to_string(grad_norm) + ")" + remedies);
  }
  for (const auto& [name, bits] : {std::pair<const char*, double>{"log pi", stats.log_pi_bits},
                                   std::pair<const char*, double>{"log mu", stats.log_mu_bits}}) {
    if (!(std::abs(bits) <= kMaxLikelihoodBits)) {
      throw std::runtime_error(where + "the likelihood estimate diverged: " + name + " = " + std::to_string(bits) +
                               " bits per action dimension (limit +-" + std::to_string(kMaxLikelihoodBits) +
                               "); the policy is exploiting a fixed-grid likelihood estimate" + remedies);
    }
  }
}

void register_gmpg(Registry<training::AlgorithmFactory>& registry) {
  registry.add("gmpg", training::algorithm_factory<GmpgConfig, Gmpg>(),
               "GMPG: generative policy trained by the gradient through its sampler (discrete adjoint) against an IQL critic");
}

}  // namespace grl::gmpg
