#include "baselines/qgpo/qgpo.h"

#include <stdexcept>

#include "algorithms/generative/guidance.h"
#include "algorithms/generative/sampling.h"
#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "baselines/baseline_support.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

QgpoGuidanceConfig::QgpoGuidanceConfig() {
  critic.hidden = {256, 256, 256};
  energy.hidden = {256, 256, 256, 256};
  energy.activation = "silu";
}

template <class V>
void QgpoGuidanceConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps of critic and energy together", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("q_lr", q_lr, "Adam learning rate of the Q heads", config::positive());
  v.field("energy_lr", energy_lr, "Adam learning rate of the energy model", config::positive());
  v.field("discount", discount, "discount gamma", config::in_range(0, 1));
  v.field("target_update_rate", target_update_rate, "Polyak rate of the target Q heads", config::in_range(0, 1));
  v.field("alpha", alpha, "inverse temperature of the in-support softmax value of s'", config::non_negative());
  v.field("beta", beta, "inverse temperature of the energy targets softmax(beta Q)", config::non_negative());
  v.field("q_steps", q_steps, "steps that also update Q (and its targets); later ones train the energy only (0: all)",
          config::non_negative());
  v.section("critic", critic, "each Q head on [a, s]: hidden widths and activation");
  v.section("energy", energy, "energy f([a_t, phi(t), s]): hidden widths and activation");
  v.field("time_frequencies", time_frequencies, "Gaussian-Fourier frequencies of the energy's time features",
          config::at_least(1));
}
template void QgpoGuidanceConfig::visit(config::Reader&);
template void QgpoGuidanceConfig::visit(config::Writer&);

QgpoConfig::QgpoConfig() {
  GenerativePolicyConfig& m = behaviour.model;
  m.path = "vpsde";
  m.model_type = "noise";
  m.loss = "score_matching";
  m.solver = "dpm_solver";
  m.dpm_order = 2;  // QGPO's 15 singlestep evaluations of order 2: here 8 second-order steps
  m.dpm_steps = 8;
  m.dpm_multistep = false;
  m.dpm_form = "data";
}

template <class V>
void QgpoConfig::visit(V& v) {
  v.section("behaviour", behaviour, "stage 1: diffusion behaviour model (sampled by its solver, DPM-Solver)");
  v.field("fake_samples", fake_samples, "K behaviour samples stored per dataset state", config::at_least(2));
  v.field("fake_chunk", fake_chunk, "states sampled per step of the fake_actions stage", config::at_least(1));
  v.section("guidance", guidance, "stage 3: in-support softmax Q-learning and contrastive energy prediction");
  v.field("guidance_scale", guidance_scale, "w: eps - w sigma grad f at act time (0: the behaviour model)",
          config::non_negative());
}
template void QgpoConfig::visit(config::Reader&);
template void QgpoConfig::visit(config::Writer&);

torch::Tensor contrastive_energy_loss(const torch::Tensor& q, const torch::Tensor& energy, double beta) {
  if (q.dim() != 2 || q.sizes() != energy.sizes()) {
    throw std::invalid_argument("contrastive_energy_loss: expected q and energy [B, K], got " + c10::str(q.sizes()) +
                                " and " + c10::str(energy.sizes()));
  }
  const torch::Tensor target = torch::softmax(beta * q.detach(), 1);
  return -(target * torch::log_softmax(energy, 1)).sum(1).mean();
}

torch::Tensor in_support_value(const torch::Tensor& q, double alpha) {
  if (q.dim() != 2) throw std::invalid_argument("in_support_value: expected q [B, K], got " + c10::str(q.sizes()));
  return (torch::softmax(alpha * q, 1) * q).sum(1);
}

TimeEnergyImpl::TimeEnergyImpl(int64_t state_dim, int64_t action_dim, const networks::MlpConfig& mlp_config,
                               int time_frequencies) {
  time_encoding = register_module("time_encoding", networks::GaussianFourierTimeEncoding(time_frequencies));
  mlp = register_module("mlp", networks::Mlp(action_dim + time_encoding->output_dim() + state_dim, 1, mlp_config));
}

torch::Tensor TimeEnergyImpl::forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& states) {
  return mlp->forward(torch::cat({x, time_encoding->forward(t), states}, 1)).squeeze(1);
}

namespace {

// Acts with the behaviour model guided by w grad f, one sample per state by the model's solver.
class QgpoPolicy : public training::Policy {
 public:
  QgpoPolicy(GenerativePolicy model, TimeEnergy energy, double scale)
      : model_(std::move(model)), energy_(std::move(energy)), scale_(scale) {}

  torch::Tensor act(const torch::Tensor& observations) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor states = to_module_input(*model_, observations);
    TimeEnergy energy = energy_;
    const generative::EnergyFn f = [energy](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) {
      return energy.ptr()->forward(t, x, c);
    };
    const generative::ModelFunction guided =
        generative::guided_model(model_->path(), model_->model_function(), f, scale_);
    const torch::Tensor noise = torch::randn({states.size(0), model_->action_dim()}, states.options());
    return generative::sample(model_->path(), guided, noise, states, model_->sampler_options()).clamp(-1.0, 1.0);
  }

 private:
  GenerativePolicy model_;
  TimeEnergy energy_;
  double scale_;
};

}  // namespace

Qgpo::Qgpo(const QgpoConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("qgpo", context);
  if (generative::make_path(config.behaviour.model.path).is_flow()) {
    throw std::invalid_argument("qgpo: the behaviour model needs a diffusion path, not '" + config.behaviour.model.path + "'");
  }
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  const std::uint64_t sampler_seed = derive_seed(context.seed, SeedStream::sampler);
  behaviour_.emplace(config.behaviour, state_dim, action_dim, context.data, derive_seed(sampler_seed, 1), context.device);
  const QgpoGuidanceConfig& g = config.guidance;
  critic_ = networks::DoubleQNetwork(state_dim, action_dim, g.critic);
  critic_->to(context.device);
  critic_target_ = networks::DoubleQNetwork(state_dim, action_dim, g.critic);
  critic_target_->to(context.device);
  networks::soft_update(*critic_, *critic_target_, 1.0);
  for (auto& p : critic_target_->parameters()) p.set_requires_grad(false);
  energy_ = TimeEnergy(state_dim, action_dim, g.energy, g.time_frequencies);
  energy_->to(context.device);
  q_optimizer_ = std::make_unique<torch::optim::Adam>(critic_->parameters(), torch::optim::AdamOptions(g.q_lr));
  energy_optimizer_ = std::make_unique<torch::optim::Adam>(energy_->parameters(), torch::optim::AdamOptions(g.energy_lr));
  if (context.data) {
    const int64_t n = context.data->size();
    fake_steps_ = (n + config.fake_chunk - 1) / config.fake_chunk;
    const auto options = context.data->actions.options();
    fake_ = torch::zeros({n, config.fake_samples, action_dim}, options);
    fake_next_ = torch::zeros({n, config.fake_samples, action_dim}, options);
    sampler_.emplace(*context.data, g.batch_size, derive_seed(sampler_seed, 2));
  }
}

std::vector<training::Stage> Qgpo::stages() const {
  return {{"behaviour", config_.behaviour.steps, false},
          {"fake_actions", fake_steps_, false},
          {"guidance", config_.guidance.steps, true}};
}

training::Metrics Qgpo::train_step(const std::string& stage, std::int64_t step) {
  training_data("qgpo", context_);
  if (stage == "behaviour") return behaviour_->step();
  if (stage == "fake_actions") return fake_action_step(step);
  if (stage == "guidance") return guidance_step(step);
  throw std::invalid_argument("qgpo: unknown stage '" + stage + "' (stages: behaviour, fake_actions, guidance)");
}

training::Metrics Qgpo::fake_action_step(std::int64_t step) {
  const datasets::TransitionSet& data = *context_.data;
  const int64_t n = data.size(), begin = step * config_.fake_chunk;
  const int64_t count = std::min(config_.fake_chunk, n - begin);
  if (count <= 0) throw std::invalid_argument("qgpo: fake_actions step " + std::to_string(step) + " is past the data");
  torch::NoGradGuard no_grad;
  GenerativePolicy mu = behaviour_->acting_model();
  const int64_t k = config_.fake_samples;
  fake_.narrow(0, begin, count).copy_(mu->sample(data.observations.narrow(0, begin, count), k).clamp(-1.0, 1.0));
  fake_next_.narrow(0, begin, count)
      .copy_(mu->sample(data.next_observations.narrow(0, begin, count), k).clamp(-1.0, 1.0));
  return {{"states_done", static_cast<double>(begin + count)}};
}

training::Metrics Qgpo::guidance_step(std::int64_t step) {
  const QgpoGuidanceConfig& g = config_.guidance;
  const datasets::TransitionSet& data = *context_.data;
  const torch::Tensor index = sampler_->next_indices().to(data.observations.device());
  const torch::Tensor s = data.observations.index_select(0, index);
  const torch::Tensor a = data.actions.index_select(0, index);
  const torch::Tensor next_s = data.next_observations.index_select(0, index);
  const int64_t b = s.size(0), k = config_.fake_samples, a_dim = a.size(1);

  training::Metrics metrics;
  // QGPO's own schedule learns Q only in the first half of the guidance steps; the energy keeps
  // learning against the then fixed target heads.
  const bool learn_q = g.q_steps == 0 || step < g.q_steps;
  if (learn_q) {
    // In-support softmax Q-learning: the value of s' is a soft maximum over its K behaviour samples.
    torch::Tensor target;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor next_fake = fake_next_.index_select(0, index).reshape({b * k, a_dim});
      const torch::Tensor next_q = critic_target_->min_q(next_s.repeat_interleave(k, 0), next_fake).view({b, k});
      target = iql::td_target(data.rewards.index_select(0, index), data.dones.index_select(0, index),
                              in_support_value(next_q, g.alpha), g.discount);
    }
    auto [q1, q2] = critic_->forward(s, a);
    const torch::Tensor q_loss = twin_q_loss(q1, q2, target);
    q_optimizer_->zero_grad();
    q_loss.backward();
    q_optimizer_->step();
    metrics.emplace_back("q_loss", q_loss.item<double>());
    metrics.emplace_back("q_mean", q1.mean().item<double>());
  }

  // Contrastive energy prediction on the K behaviour samples of s, all noised to one t per state.
  const torch::Tensor fake = fake_.index_select(0, index);  // [B, K, A]
  torch::Tensor q_fake;
  {
    torch::NoGradGuard no_grad;
    q_fake = critic_target_->min_q(s.repeat_interleave(k, 0), fake.reshape({b * k, a_dim})).view({b, k});
  }
  const generative::DiffusionPath& path = *behaviour_->model()->path().diffusion;
  const torch::Tensor t = generative::kSamplingTimeEpsilon +
                          (1.0 - generative::kSamplingTimeEpsilon) * torch::rand({b}, s.options());
  const torch::Tensor noisy = path.s(t).view({b, 1, 1}) * fake + path.sigma(t).view({b, 1, 1}) * torch::randn_like(fake);
  const torch::Tensor f =
      energy_->forward(t.repeat_interleave(k, 0), noisy.reshape({b * k, a_dim}), s.repeat_interleave(k, 0)).view({b, k});
  const torch::Tensor energy_loss = contrastive_energy_loss(q_fake, f, g.beta);
  energy_optimizer_->zero_grad();
  energy_loss.backward();
  energy_optimizer_->step();

  if (learn_q) networks::soft_update(*critic_, *critic_target_, g.target_update_rate);
  metrics.emplace_back("energy_loss", energy_loss.item<double>());
  metrics.emplace_back("fake_q_mean", q_fake.mean().item<double>());
  return metrics;
}

void Qgpo::save(training::CheckpointWriter& out) const {
  behaviour_->save(out, "qgpo/behaviour");
  out.module("qgpo/critic", *critic_);
  out.module("qgpo/critic_target", *critic_target_);
  out.module("qgpo/energy", *energy_);
  out.optimizer("qgpo/q_adam", *q_optimizer_);
  out.optimizer("qgpo/energy_adam", *energy_optimizer_);
  // The fake actions are part of the run's state (K behaviour samples per transition, twice): they
  // make checkpoints as large as 2 K times the dataset's actions.
  if (fake_.defined()) {
    out.tensor("qgpo/fake_actions", fake_);
    out.tensor("qgpo/fake_next_actions", fake_next_);
  }
  if (sampler_) out.text("qgpo/sampler", sampler_->get_state().serialize());
}

void Qgpo::load(const training::CheckpointReader& in) {
  behaviour_->load(in, "qgpo/behaviour");
  in.module("qgpo/critic", *critic_);
  in.module("qgpo/critic_target", *critic_target_);
  in.module("qgpo/energy", *energy_);
  in.optimizer("qgpo/q_adam", *q_optimizer_);
  in.optimizer("qgpo/energy_adam", *energy_optimizer_);
  if (fake_.defined()) {
    const torch::Tensor fake = in.tensor("qgpo/fake_actions"), fake_next = in.tensor("qgpo/fake_next_actions");
    if (fake.sizes() != fake_.sizes() || fake_next.sizes() != fake_next_.sizes()) {
      throw std::runtime_error("qgpo: checkpoint '" + in.path().string() + "' holds fake actions " +
                               c10::str(fake.sizes()) + ", this run needs " + c10::str(fake_.sizes()));
    }
    fake_.copy_(fake);
    fake_next_.copy_(fake_next);
  }
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("qgpo/sampler")));
}

std::shared_ptr<training::Policy> Qgpo::policy() { return policy_with_scale(config_.guidance_scale); }

std::shared_ptr<training::Policy> Qgpo::policy_with_scale(double scale) {
  return std::make_shared<QgpoPolicy>(behaviour_->acting_model(), energy_, scale);
}

void register_qgpo(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("qgpo", training::algorithm_factory<QgpoConfig, Qgpo>(),
                          "QGPO: diffusion behaviour model guided by an energy trained by contrastive energy prediction");
}

}  // namespace grl::baselines
