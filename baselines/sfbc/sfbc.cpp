#include "baselines/sfbc/sfbc.h"

#include <stdexcept>

#include "baselines/baseline_support.h"
#include "common/config.h"
#include "common/seeding.h"

namespace grl::baselines {

SfbcConfig::SfbcConfig() {
  // SfBC on locomotion keeps 4 of its 32 candidates, drawn by softmax(100 Q) on Q fitted to z-scored
  // returns (nearly the top 4), and acts with their mean.
  candidates.samples = 32;
  candidates.selection = "argmax";
  candidates.select_count = 4;
  // SfBC's behaviour model: the score-based VP-SDE (beta 0.1 .. 20) with noise prediction, sampled by
  // DPM-Solver in its noise form, third order, singlestep, 15 evaluations (5 steps).
  GenerativePolicyConfig& m = behaviour.model;
  m.path = "vpsde";
  m.model_type = "noise";
  m.loss = "score_matching";
  m.solver = "dpm_solver";
  m.dpm_order = 3;
  m.dpm_steps = 5;
  m.dpm_multistep = false;
  m.dpm_form = "noise";
}

template <class V>
void SfbcConfig::visit(V& v) {
  v.section("behaviour", behaviour, "stage 1: score-based behaviour model");
  v.section("critic", critic, "stage 2: IQL critic");
  candidates.visit(v);
}
template void SfbcConfig::visit(config::Reader&);
template void SfbcConfig::visit(config::Writer&);

Sfbc::Sfbc(const SfbcConfig& config, const training::AlgorithmContext& context) : config_(config), context_(context) {
  check_context("sfbc", context);
  config.candidates.check("sfbc");
  const int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
  const std::uint64_t sampler_seed = derive_seed(context.seed, SeedStream::sampler);
  behaviour_.emplace(config.behaviour, state_dim, action_dim, context.data, derive_seed(sampler_seed, 1), context.device);
  critic_ = iql::IqlCritic(config.critic.iql, state_dim, action_dim);
  critic_->to(context.device);
  if (context.data) critic_sampler_.emplace(*context.data, config.critic.batch_size, derive_seed(sampler_seed, 2));
}

std::vector<training::Stage> Sfbc::stages() const {
  return {{"behaviour", config_.behaviour.steps, false}, {"critic", config_.critic.steps, true}};
}

training::Metrics Sfbc::train_step(const std::string& stage, std::int64_t) {
  training_data("sfbc", context_);
  if (stage == "behaviour") return behaviour_->step();
  if (stage == "critic") return critic_->update(critic_sampler_->next());
  throw std::invalid_argument("sfbc: unknown stage '" + stage + "' (stages: behaviour, critic)");
}

void Sfbc::save(training::CheckpointWriter& out) const {
  behaviour_->save(out, "sfbc/behaviour");
  critic_->save(out, "sfbc/critic");
  if (critic_sampler_) out.text("sfbc/critic_sampler", critic_sampler_->get_state().serialize());
}

void Sfbc::load(const training::CheckpointReader& in) {
  behaviour_->load(in, "sfbc/behaviour");
  critic_->load(in, "sfbc/critic");
  if (critic_sampler_) critic_sampler_->set_state(datasets::BatchSamplerState::parse(in.text("sfbc/critic_sampler")));
}

std::shared_ptr<training::Policy> Sfbc::policy() {
  iql::IqlCritic critic = critic_;
  QFunction q = [critic](const torch::Tensor& s, const torch::Tensor& a) { return critic->target_q_value(s, a); };
  return std::make_shared<CandidateSelectionPolicy>(behaviour_->acting_model(), q, config_.candidates);
}

void register_sfbc(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm("sfbc", training::algorithm_factory<SfbcConfig, Sfbc>(),
                          "SfBC: score-based behaviour model, acting by a softmax-in-Q choice among N behaviour samples");
}

}  // namespace grl::baselines
