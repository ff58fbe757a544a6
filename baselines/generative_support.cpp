#include "baselines/generative_support.h"

#include <stdexcept>

#include "algorithms/networks/soft_update.h"
#include "baselines/baseline_support.h"
#include "baselines/iql/iql.h"
#include "common/config.h"

namespace grl::baselines {

SelectionRule parse_selection_rule(const std::string& name) {
  if (name == "argmax") return SelectionRule::argmax;
  if (name == "softmax") return SelectionRule::softmax;
  throw std::invalid_argument("unknown selection rule '" + name + "' (expected argmax or softmax)");
}

torch::Tensor select_candidates(const torch::Tensor& candidates, const torch::Tensor& q, SelectionRule rule,
                                double temperature, int64_t count, c10::optional<at::Generator> generator) {
  if (candidates.dim() != 3 || q.dim() != 2 || q.size(0) != candidates.size(0) || q.size(1) != candidates.size(1)) {
    throw std::invalid_argument("select_candidates: expected candidates [B, N, A] and q [B, N], got " +
                                c10::str(candidates.sizes()) + " and " + c10::str(q.sizes()));
  }
  if (count < 1 || count > candidates.size(1)) {
    throw std::invalid_argument("select_candidates: select_count " + std::to_string(count) + " must lie in [1, " +
                                std::to_string(candidates.size(1)) + "] (the candidates per state)");
  }
  torch::NoGradGuard no_grad;
  torch::Tensor index;  // [B, k]: the kept candidates of each state
  if (rule == SelectionRule::argmax) {
    index = count == 1 ? q.argmax(1, /*keepdim=*/true) : std::get<1>(q.topk(count, 1));
  } else {
    if (!(temperature > 0)) throw std::invalid_argument("select_candidates: temperature must be > 0");
    // In double: a small temperature must not overflow exp or underflow every probability to 0.
    const torch::Tensor probabilities = torch::softmax(q.to(torch::kFloat64) / temperature, 1);
    index = torch::multinomial(probabilities, count, /*replacement=*/false, generator);
  }
  const int64_t a = candidates.size(2);
  return candidates.gather(1, index.unsqueeze(2).expand({candidates.size(0), count, a})).mean(1);
}

torch::Tensor to_module_input(const torch::nn::Module& module, const torch::Tensor& observations) {
  const auto parameters = module.parameters();
  if (parameters.empty()) return observations;
  return observations.to(parameters.front().device(), parameters.front().scalar_type());
}

CandidateSelectionPolicy::CandidateSelectionPolicy(GenerativePolicy model, QFunction q, int64_t candidates,
                                                   SelectionRule rule, double temperature, int64_t select_count)
    : model_(std::move(model)), q_(std::move(q)), candidates_(candidates), rule_(rule), temperature_(temperature),
      select_count_(select_count) {
  if (candidates_ < 1) throw std::invalid_argument("candidate selection: need at least one candidate");
  if (select_count_ < 1 || select_count_ > candidates_) {
    throw std::invalid_argument("candidate selection: select_count " + std::to_string(select_count_) +
                                " must lie in [1, samples = " + std::to_string(candidates_) + "]");
  }
}

CandidateSelectionPolicy::CandidateSelectionPolicy(GenerativePolicy model, QFunction q,
                                                   const CandidateSelectionConfig& config)
    : CandidateSelectionPolicy(std::move(model), std::move(q), config.samples, parse_selection_rule(config.selection),
                               config.temperature, config.select_count) {}

torch::Tensor CandidateSelectionPolicy::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  const torch::Tensor states = to_module_input(*model_, observations);
  const int64_t b = states.size(0), n = candidates_;
  // sample() keeps sample k of state b conditioned on state b; the Q rows are built the same way.
  const torch::Tensor candidates = model_->sample(states, n).clamp(-1.0, 1.0);  // [B, N, A]
  const torch::Tensor flat = candidates.reshape({b * n, candidates.size(2)});
  const torch::Tensor q = q_(states.repeat_interleave(n, 0), flat).reshape({b, n});
  return select_candidates(candidates, q, rule_, temperature_, select_count_);
}

template <class V>
void CandidateSelectionConfig::visit(V& v) {
  v.field("samples", samples, "candidate actions per state at act time", config::at_least(1));
  v.field("selection", selection, "argmax: the best candidate by Q; softmax: one drawn with probabilities softmax(Q / temperature)",
          config::one_of({"argmax", "softmax"}));
  v.field("temperature", temperature, "softmax selection temperature", config::positive());
  v.field("select_count", select_count, "candidates kept per state and averaged (at most samples)", config::at_least(1));
}
template void CandidateSelectionConfig::visit(config::Reader&);
template void CandidateSelectionConfig::visit(config::Writer&);

void CandidateSelectionConfig::check(const std::string& algorithm) const {
  if (select_count > samples) {
    throw config::ConfigError("key '" + algorithm + ".select_count': " + std::to_string(select_count) +
                              " candidates kept but only samples = " + std::to_string(samples) +
                              " are drawn; expected select_count <= samples");
  }
}

template <class V>
void BehaviourModelConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps of the behaviour model", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.field("lr", lr, "Adam learning rate", config::positive());
  v.field("grad_clip", grad_clip, "max gradient norm (0: none)", config::non_negative());
  v.field("ema_rate", ema_rate, "> 0: act with an EMA copy updated at this rate", config::in_range(0, 1));
  v.field("ema_every", ema_every, "steps between EMA updates", config::at_least(1));
  v.field("ema_start", ema_start, "steps before the EMA starts averaging (it copies the model until then)",
          config::non_negative());
  v.field("cosine_schedule", cosine_schedule, "anneal the learning rate to 0 over the steps (cosine)");
  v.section("model", model, "generative behaviour model: path, parameterisation, loss, solver, network");
}
template void BehaviourModelConfig::visit(config::Reader&);
template void BehaviourModelConfig::visit(config::Writer&);

template <class V>
void CriticStageConfig::visit(V& v) {
  v.field("steps", steps, "gradient steps of the critic", config::at_least(1));
  v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
  v.section("iql", iql, "IQL critic: expectile V, twin Q, Polyak target Q");
}
template void CriticStageConfig::visit(config::Reader&);
template void CriticStageConfig::visit(config::Writer&);

BehaviourModel::BehaviourModel(const BehaviourModelConfig& config, int64_t state_dim, int64_t action_dim,
                               const datasets::TransitionSet* data, std::uint64_t sampler_seed,
                               const torch::Device& device)
    : config_(config) {
  model_ = GenerativePolicy(config.model, state_dim, action_dim);
  model_->to(device);
  if (config.ema_rate > 0) {
    ema_ = GenerativePolicy(config.model, state_dim, action_dim);
    ema_->to(device);
    copy_policy_weights(*model_, *ema_);
    for (auto& p : ema_->parameters()) p.set_requires_grad(false);
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(model_->parameters(), torch::optim::AdamOptions(config.lr));
  if (data) sampler_.emplace(*data, config.batch_size, sampler_seed);
}

training::Metrics BehaviourModel::step() {
  if (!sampler_) throw std::logic_error("behaviour model: built without a dataset (for acting only); cannot train");
  const datasets::TransitionBatch batch = sampler_->next();
  const torch::Tensor loss = model_->loss(batch.actions, batch.observations);
  const double lr = config_.cosine_schedule ? cosine_learning_rate(config_.lr, steps_, config_.steps) : config_.lr;
  if (config_.cosine_schedule) set_learning_rate(*optimizer_, lr);
  optimizer_->zero_grad();
  loss.backward();
  training::Metrics metrics{{"behaviour_loss", loss.item<double>()}};
  if (config_.cosine_schedule) metrics.emplace_back("behaviour_lr", lr);
  if (config_.grad_clip > 0) {
    metrics.push_back({"behaviour_grad_norm", torch::nn::utils::clip_grad_norm_(model_->parameters(), config_.grad_clip)});
  }
  optimizer_->step();
  ++steps_;
  if (ema_ && steps_ % config_.ema_every == 0) {
    // Until ema_start the copy follows the model exactly (early weights are not worth averaging).
    if (steps_ < config_.ema_start) copy_policy_weights(*model_, *ema_);
    else networks::soft_update(*model_, *ema_, config_.ema_rate, networks::SoftUpdateBuffers::average);
  }
  return metrics;
}

void BehaviourModel::save(training::CheckpointWriter& out, const std::string& prefix) const {
  out.module(prefix + "/model", *model_);
  if (ema_) out.module(prefix + "/ema", *ema_);
  out.optimizer(prefix + "/adam", *optimizer_);
  out.integer(prefix + "/steps", steps_);
  if (sampler_) out.text(prefix + "/sampler", sampler_->get_state().serialize());
}

void BehaviourModel::load(const training::CheckpointReader& in, const std::string& prefix) {
  in.module(prefix + "/model", *model_);
  if (ema_) in.module(prefix + "/ema", *ema_);
  in.optimizer(prefix + "/adam", *optimizer_);
  steps_ = in.integer(prefix + "/steps");
  if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text(prefix + "/sampler")));
}

}  // namespace grl::baselines
