#include "baselines/idql/idql.h"

#include <stdexcept>

#include "baselines/baseline_support.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

IdqlConfig::IdqlConfig() {
  candidates.samples = 64;
  candidates.selection = "argmax";
  // IDQL's behaviour model: 5 DDPM steps on the VP schedule of Diffusion-QL (beta 0.1 .. 10), noise
  // prediction trained on the same 5 times, ancestral sampling with x0 clipped to the action box, and
  // an EMA copy (rate 0.001 per step) to sample from.
  GenerativePolicyConfig& m = behaviour.model;
  m.path = "vpsde";
  m.beta0 = 0.1;
  m.beta1 = 10.0;
  m.model_type = "noise";
  m.loss = "score_matching";
  m.loss_time_steps = 5;
  m.solver = "ddpm";
  m.grid_points = 6;
  m.ddpm_clip = true;
  behaviour.ema_rate = 0.001;
}

template <class V>
void IdqlConfig::visit(V& v) {
  v.section("critic", critic, "stage 1: IQL critic");
  v.section("behaviour", behaviour, "stage 2: diffusion behaviour model");
  candidates.visit(v);
}
template void IdqlConfig::visit(config::Reader&);
template void IdqlConfig::visit(config::Writer&);

Idql::Idql(const IdqlConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("idql", context);
  config.candidates.check("idql");
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  critic_ = iql::IqlCritic(config.critic.iql, state_dim, action_dim);
  critic_->to(context.device);
  const std::uint64_t sampler_seed = derive_seed(context.seed, SeedStream::sampler);
  behaviour_.emplace(config.behaviour, state_dim, action_dim, context.data, derive_seed(sampler_seed, 2), context.device);
  if (context.data) critic_sampler_.emplace(*context.data, config.critic.batch_size, derive_seed(sampler_seed, 1));
}

std::vector<training::Stage> Idql::stages() const {
  return {{"critic", config_.critic.steps, false}, {"behaviour", config_.behaviour.steps, true}};
}

training::Metrics Idql::train_step(const std::string& stage, std::int64_t) {
  training_data("idql", context_);
  if (stage == "critic") return critic_->update(critic_sampler_->next());
  if (stage == "behaviour") return behaviour_->step();
  throw std::invalid_argument("idql: unknown stage '" + stage + "' (stages: critic, behaviour)");
}

void Idql::save(training::CheckpointWriter& out) const {
  critic_->save(out, "idql/critic");
  behaviour_->save(out, "idql/behaviour");
  if (critic_sampler_) out.text("idql/critic_sampler", critic_sampler_->get_state().serialize());
}

void Idql::load(const training::CheckpointReader& in) {
  critic_->load(in, "idql/critic");
  behaviour_->load(in, "idql/behaviour");
  if (critic_sampler_) critic_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("idql/critic_sampler")));
}

std::shared_ptr<training::Policy> Idql::policy() {
  iql::IqlCritic critic = critic_;
  // IDQL scores the candidates with the Polyak target heads, min(Qbar1, Qbar2).
  QFunction q = [critic](const torch::Tensor& s, const torch::Tensor& a) { return critic->target_q_value(s, a); };
  return std::make_shared<CandidateSelectionPolicy>(behaviour_->acting_model(), q, config_.candidates);
}

void register_idql(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("idql", training::algorithm_factory<IdqlConfig, Idql>(),
                          "IDQL: IQL critic + DDPM behaviour model, acting by the best of N behaviour samples under Q");
}

}  // namespace grl::baselines
