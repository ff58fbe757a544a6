#include "algorithms/gmpo/gmpo.h"

#include <cmath>
#include <stdexcept>

#include "algorithms/training/temperature_rule.h"
#include "common/config.h"
#include "common/seeding.h"
#include "datasets/discounted_returns.h"

namespace grl::gmpo {

template <class V>
void GmpoCriticConfig::visit(V& v) {
  v.field("epochs", epochs, "passes over the dataset (used when steps is 0)", config::positive());
  v.field("steps", steps, "gradient steps (> 0 overrides epochs)", config::non_negative());
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.section("iql", iql, "IQL critic");
}
template void GmpoCriticConfig::visit(config::Reader&);
template void GmpoCriticConfig::visit(config::Writer&);

template <class V>
void GmpoPolicyConfig::visit(V& v) {
  v.field("epochs", epochs, "passes over the dataset (used when steps is 0)", config::positive());
  v.field("steps", steps, "gradient steps (> 0 overrides epochs)", config::non_negative());
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate", config::positive());
  v.field("beta", beta, "inverse temperature of the weights", config::non_negative());
  v.field("beta_rule", beta_rule, "how beta carries over to the dataset's reward scale: as_given or env_return_span",
          config::one_of(training::temperature_rules()));
  v.field("clamp", clamp, "largest advantage weight C", config::positive());
  v.field("weighting", weighting, "advantage: min(exp(beta A), C); softmax: over K candidates per state",
          config::one_of({"advantage", "softmax"}));
  v.field("softmax_samples", softmax_samples, "K candidates per state (softmax weighting)", config::at_least(2));
  v.field("weight_q", weight_q, "Q heads of the weights: online (the original's) or target (Polyak copies)",
          config::one_of({"online", "target"}));
  v.field("grad_clip", grad_clip, "max gradient norm (0: none)", config::non_negative());
  v.section("model", model, "generative policy: path, parameterisation, loss, network, sampler");
}
template void GmpoPolicyConfig::visit(config::Reader&);
template void GmpoPolicyConfig::visit(config::Writer&);

template <class V>
void GmpoConfig::visit(V& v) {
  v.section("critic", critic, "stage 1: IQL critic");
  v.section("policy", policy, "stage 2: advantage-weighted generative policy");
}
template void GmpoConfig::visit(config::Reader&);
template void GmpoConfig::visit(config::Writer&);

torch::Tensor advantage_weights(const torch::Tensor& q, const torch::Tensor& v, double beta, double clamp) {
  torch::NoGradGuard no_grad;
  // exp may overflow to inf for large advantages; the clamp turns that into C.
  return torch::clamp_max(torch::exp(beta * (q.detach() - v.detach())), clamp);
}

torch::Tensor softmax_weights(const torch::Tensor& q, double beta) {
  torch::NoGradGuard no_grad;
  return torch::softmax(beta * q.detach(), -1);
}

std::int64_t stage_steps(double epochs, std::int64_t steps, std::int64_t dataset_size, std::int64_t batch_size) {
  if (steps > 0) return steps;
  if (dataset_size <= 0 || batch_size <= 0) throw std::invalid_argument("stage_steps: empty dataset or batch");
  const double exact = epochs * static_cast<double>(dataset_size) / static_cast<double>(batch_size);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(exact - 1e-9)));
}

torch::Tensor GenerativeActor::act(const torch::Tensor& observations) {
  // No autograd: the Euler sampler then takes its prepared fast path.
  torch::NoGradGuard no_grad;
  const auto parameters = policy_->parameters();
  const auto options = parameters.empty() ? observations.options()
                                          : torch::TensorOptions().device(parameters.front().device()).dtype(parameters.front().scalar_type());
  // The envs clip to [-1, 1] as well; clipping here keeps what is logged equal to what is applied.
  return policy_->act(observations.to(options)).clamp(-1.0, 1.0);
}

Gmpo::Gmpo(const GmpoConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  const int64_t state_dim = context.env.obs_dim;
  const int64_t action_dim = context.env.act_dim;
  if (state_dim <= 0 || action_dim <= 0) {
    throw std::invalid_argument("gmpo: the context's env spec has no dimensions (obs_dim " + std::to_string(state_dim) +
                                ", act_dim " + std::to_string(action_dim) + ")");
  }
  if (context.data) {
    if (context.data->obs_dim() != state_dim || context.data->act_dim() != action_dim) {
      throw std::invalid_argument("gmpo: dataset widths (" + std::to_string(context.data->obs_dim()) + ", " +
                                  std::to_string(context.data->act_dim()) + ") differ from env '" + context.env.id +
                                  "' (" + std::to_string(state_dim) + ", " + std::to_string(action_dim) + ")");
    }
  }
  critic_ = iql::IqlCritic(config.critic.iql, state_dim, action_dim);
  critic_->to(context.device);
  policy_ = GenerativePolicy(config.policy.model, state_dim, action_dim);
  policy_->to(context.device);
  policy_optimizer_ = std::make_unique<torch::optim::Adam>(policy_->parameters(), torch::optim::AdamOptions(config.policy.lr));

  if (context.data) {
    const int64_t n = context.data->size();
    critic_steps_ = stage_steps(config.critic.epochs, config.critic.steps, n, config.critic.batch_size);
    policy_steps_ = stage_steps(config.policy.epochs, config.policy.steps, n, config.policy.batch_size);
    const std::uint64_t sampler_seed = derive_seed(context.seed, SeedStream::sampler);
    critic_sampler_.emplace(*context.data, config.critic.batch_size, derive_seed(sampler_seed, 1),
                            datasets::SamplingMode::epoch_permutation);
    policy_sampler_.emplace(*context.data, config.policy.batch_size, derive_seed(sampler_seed, 2),
                            datasets::SamplingMode::epoch_permutation);
    data_return_mean_ = datasets::discounted_returns(*context.data, config.critic.iql.discount).mean().item<double>();
    beta_ = config.policy.beta * training::temperature_factor(config.policy.beta_rule, context.reward_scaling, context.env);
  } else {
    beta_ = config.policy.beta;
    critic_steps_ = config.critic.steps > 0 ? config.critic.steps : 1;
    policy_steps_ = config.policy.steps > 0 ? config.policy.steps : 1;
  }
}

std::vector<training::Stage> Gmpo::stages() const {
  return {{"critic", critic_steps_, false}, {"policy", policy_steps_, true}};
}

const datasets::TransitionSet& Gmpo::data() const {
  if (!context_.data) throw std::logic_error("gmpo: built without a dataset (for acting only); cannot train");
  return *context_.data;
}

training::Metrics Gmpo::train_step(const std::string& stage, std::int64_t) {
  data();
  if (stage == "critic") return critic_step();
  if (stage == "policy") return policy_step();
  throw std::invalid_argument("gmpo: unknown stage '" + stage + "' (stages: critic, policy)");
}

training::Metrics Gmpo::critic_step() {
  training::Metrics metrics = critic_->update(critic_sampler_->next());
  // What q_mean should reach: the data's mean discounted return (datasets/discounted_returns.h).
  metrics.emplace_back("data_return_mean", data_return_mean_);
  return metrics;
}

torch::Tensor Gmpo::weight_q(const torch::Tensor& states, const torch::Tensor& actions) const {
  torch::NoGradGuard no_grad;
  return config_.policy.weight_q == "target" ? critic_->target_q_value(states, actions)
                                              : critic_->q_value(states, actions);
}

training::Metrics Gmpo::policy_step() {
  const datasets::TransitionBatch batch = policy_sampler_->next();
  const GmpoPolicyConfig& c = config_.policy;
  training::Metrics metrics;
  torch::Tensor loss;
  if (c.weighting == "advantage") {
    torch::Tensor weights, advantage;
    {
      torch::NoGradGuard no_grad;
      advantage = weight_q(batch.observations, batch.actions) - critic_->value(batch.observations);
      weights = advantage_weights(advantage, torch::zeros_like(advantage), beta_, c.clamp);
    }
    const torch::Tensor per_sample = policy_->loss_per_sample(batch.actions, batch.observations);
    loss = (weights * per_sample).mean();
    metrics = {{"loss", loss.item<double>()},
               {"generative_loss", per_sample.detach().mean().item<double>()},
               {"weight_mean", weights.mean().item<double>()},
               {"weight_max", weights.max().item<double>()},
               {"weight_std", weights.std().item<double>()},
               {"beta", beta_},
               {"clamped_fraction", (weights >= c.clamp).to(torch::kFloat64).mean().item<double>()},
               {"advantage_mean", advantage.mean().item<double>()}};
  } else {
    const int64_t b = batch.size();
    const int64_t k = c.softmax_samples;
    const int64_t a_dim = batch.act_dim();
    torch::Tensor candidates, states, weights;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor sampled = policy_->sample(batch.observations, k - 1).clamp(-1.0, 1.0);
      candidates = torch::cat({batch.actions.unsqueeze(1), sampled}, 1).reshape({b * k, a_dim});
      states = batch.observations.repeat_interleave(k, 0);
      const torch::Tensor q = weight_q(states, candidates).view({b, k});
      weights = softmax_weights(q, beta_);
    }
    const torch::Tensor per_sample = policy_->loss_per_sample(candidates, states).view({b, k});
    loss = (weights * per_sample).sum(1).mean();
    metrics = {{"loss", loss.item<double>()},
               {"generative_loss", per_sample.detach().mean().item<double>()},
               {"data_action_weight", weights.select(1, 0).mean().item<double>()},
               {"weight_max", weights.max().item<double>()},
               {"beta", beta_}};
  }
  policy_optimizer_->zero_grad();
  loss.backward();
  if (c.grad_clip > 0) torch::nn::utils::clip_grad_norm_(policy_->parameters(), c.grad_clip);
  policy_optimizer_->step();
  return metrics;
}

void Gmpo::save(training::CheckpointWriter& out) const {
  critic_->save(out, "critic");
  out.module("policy/model", *policy_);
  out.optimizer("policy/adam", *policy_optimizer_);
  if (critic_sampler_) out.text("critic/sampler", critic_sampler_->get_state().serialize());
  if (policy_sampler_) out.text("policy/sampler", policy_sampler_->get_state().serialize());
}

void Gmpo::load(const training::CheckpointReader& in) {
  critic_->load(in, "critic");
  in.module("policy/model", *policy_);
  in.optimizer("policy/adam", *policy_optimizer_);
  if (critic_sampler_) critic_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("critic/sampler")));
  if (policy_sampler_) policy_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("policy/sampler")));
}

std::shared_ptr<training::Policy> Gmpo::policy() { return std::make_shared<GenerativeActor>(policy_); }

void register_gmpo(Registry<training::AlgorithmFactory>& registry) {
  registry.add("gmpo", training::algorithm_factory<GmpoConfig, Gmpo>(),
               "GMPO: IQL critic, then a generative policy trained by advantage-weighted flow/score matching");
}

}  // namespace grl::gmpo
