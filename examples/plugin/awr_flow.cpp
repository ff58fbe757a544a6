// AWR-Flow: advantage-weighted regression (Peng et al. 2019) with a flow-matching policy, as a grl
// plugin built outside the grl source tree (docs/adding-an-algorithm.md walks through this file).
//
//   stage "value":  V(s) <- r + gamma (1 - done) Vbar(s')         (TD(0) on the dataset; Vbar Polyak)
//   stage "policy": A(s, a) = r + gamma (1 - done) V(s') - V(s)    (one-step advantage, V frozen)
//                   w = min(exp(A / temperature), max_weight)
//                   L = mean_batch w * l_FM(a | s)                 (conditional flow matching)
//   acting:         a = ODE sample of the flow from N(0, I), clipped to [-1, 1]
//
// Unlike GMPO it learns no Q function and no expectile: the value comes from plain TD(0), and the
// advantage from the dataset's own next state, which is what AWR's off-policy variant does.
#include <torch/torch.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "algorithms/generative_policy.h"
#include "algorithms/gmpo/gmpo.h"  // GenerativeActor: acting with a generative policy
#include "algorithms/networks/mlp.h"
#include "algorithms/training/algorithm.h"
#include "common/config.h"
#include "common/seeding.h"
#include "datasets/batch_sampler.h"
#include "plugin/grl_plugin.h"

namespace awr_flow {

using namespace grl;

struct AwrFlowConfig {
  std::int64_t value_steps = 20000;   // TD(0) steps of V
  std::int64_t policy_steps = 20000;  // weighted flow-matching steps
  std::int64_t batch_size = 256;
  double discount = 0.99;
  double value_lr = 3e-4;
  double target_update = 0.005;       // Polyak rate of Vbar
  double policy_lr = 1e-4;
  double temperature = 1.0;           // w = exp(A / temperature)
  double max_weight = 20.0;           // AWR's weight clip
  networks::MlpConfig value;          // V: hidden widths and activation
  GenerativePolicyConfig policy;      // network, path (flow paths: icfm, otcfm), solver

  AwrFlowConfig() { policy.path = "icfm"; }

  template <class V>
  void visit(V& v) {
    v.field("value_steps", value_steps, "TD(0) steps of the value function", config::at_least(1));
    v.field("policy_steps", policy_steps, "advantage-weighted flow-matching steps", config::at_least(1));
    v.field("batch_size", batch_size, "transitions per step", config::at_least(1));
    v.field("discount", discount, "gamma", config::in_range(0.0, 1.0));
    v.field("value_lr", value_lr, "Adam learning rate of V", config::positive());
    v.field("target_update", target_update, "Polyak rate of the target value", config::in_range(0.0, 1.0));
    v.field("policy_lr", policy_lr, "Adam learning rate of the policy", config::positive());
    v.field("temperature", temperature, "advantage temperature: w = exp(A / temperature)", config::positive());
    v.field("max_weight", max_weight, "largest weight", config::positive());
    v.section("value", value, "value network (MLP)");
    v.section("policy", policy, "generative policy: network, path, solver");
  }
};

// min(exp(A / temperature), max_weight), without gradient: [B].
torch::Tensor awr_weights(const torch::Tensor& advantage, double temperature, double max_weight) {
  return torch::clamp_max(torch::exp(advantage.detach() / temperature), max_weight);
}

class AwrFlow : public training::Algorithm {
 public:
  AwrFlow(const AwrFlowConfig& config, const training::AlgorithmContext& context)
      : config_(config), context_(context) {
    const std::int64_t state_dim = context.env.obs_dim, action_dim = context.env.act_dim;
    if (state_dim <= 0 || action_dim <= 0) throw std::invalid_argument("awr_flow: the env spec has no dimensions");
    value_ = networks::Mlp(state_dim, 1, config.value);
    target_value_ = networks::Mlp(state_dim, 1, config.value);
    policy_ = GenerativePolicy(config.policy, state_dim, action_dim);
    for (auto* module : {static_cast<torch::nn::Module*>(value_.get()), static_cast<torch::nn::Module*>(target_value_.get()),
                         static_cast<torch::nn::Module*>(policy_.get())}) {
      module->to(context.device);
    }
    copy_into_target(1.0);
    for (auto& p : target_value_->parameters()) p.set_requires_grad(false);
    value_optimizer_ = std::make_unique<torch::optim::Adam>(value_->parameters(), torch::optim::AdamOptions(config.value_lr));
    policy_optimizer_ = std::make_unique<torch::optim::Adam>(policy_->parameters(), torch::optim::AdamOptions(config.policy_lr));
    // context.data is null when the algorithm is rebuilt from a checkpoint only to act.
    if (context.data) {
      sampler_.emplace(*context.data, config.batch_size, derive_seed(context.seed, SeedStream::sampler));
    }
  }

  std::vector<training::Stage> stages() const override {
    return {{"value", config_.value_steps, false}, {"policy", config_.policy_steps, true}};
  }

  training::Metrics train_step(const std::string& stage, std::int64_t) override {
    if (!sampler_) throw std::logic_error("awr_flow: built without data (for acting only); cannot train");
    const datasets::TransitionBatch batch = sampler_->next();
    const torch::Tensor not_done = 1.0 - batch.dones;
    if (stage == "value") {
      torch::Tensor target;
      {
        torch::NoGradGuard no_grad;
        target = batch.rewards + config_.discount * not_done * target_value_->forward(batch.next_observations);
      }
      const torch::Tensor loss = torch::mse_loss(value_->forward(batch.observations), target);
      value_optimizer_->zero_grad();
      loss.backward();
      value_optimizer_->step();
      copy_into_target(config_.target_update);
      return {{"value_loss", loss.item<double>()}};
    }
    if (stage == "policy") {
      torch::Tensor weights;
      {
        torch::NoGradGuard no_grad;
        const torch::Tensor advantage =
            batch.rewards + config_.discount * not_done * value_->forward(batch.next_observations) -
            value_->forward(batch.observations);
        weights = awr_weights(advantage.squeeze(1), config_.temperature, config_.max_weight);
      }
      const torch::Tensor loss = (weights * policy_->loss_per_sample(batch.actions, batch.observations)).mean();
      policy_optimizer_->zero_grad();
      loss.backward();
      policy_optimizer_->step();
      return {{"policy_loss", loss.item<double>()},
              {"weight_mean", weights.mean().item<double>()},
              {"clipped_fraction", (weights >= config_.max_weight).to(torch::kFloat64).mean().item<double>()}};
    }
    throw std::invalid_argument("awr_flow: unknown stage '" + stage + "' (stages: value, policy)");
  }

  void save(training::CheckpointWriter& out) const override {
    out.module("awr_flow/value", *value_);
    out.module("awr_flow/target_value", *target_value_);
    out.module("awr_flow/policy", *policy_);
    out.optimizer("awr_flow/value_adam", *value_optimizer_);
    out.optimizer("awr_flow/policy_adam", *policy_optimizer_);
    if (sampler_) out.text("awr_flow/sampler", sampler_->get_state().serialize());
  }

  void load(const training::CheckpointReader& in) override {
    in.module("awr_flow/value", *value_);
    in.module("awr_flow/target_value", *target_value_);
    in.module("awr_flow/policy", *policy_);
    in.optimizer("awr_flow/value_adam", *value_optimizer_);
    in.optimizer("awr_flow/policy_adam", *policy_optimizer_);
    if (sampler_) sampler_->set_state(datasets::BatchSamplerState::parse(in.text("awr_flow/sampler")));
  }

  std::shared_ptr<training::Policy> policy() override { return std::make_shared<gmpo::GenerativeActor>(policy_); }

 private:
  // Vbar <- (1 - rate) Vbar + rate V
  void copy_into_target(double rate) {
    torch::NoGradGuard no_grad;
    const auto source = value_->parameters();
    auto target = target_value_->parameters();
    for (std::size_t i = 0; i < source.size(); ++i) target[i].mul_(1.0 - rate).add_(source[i], rate);
  }

  AwrFlowConfig config_;
  training::AlgorithmContext context_;
  networks::Mlp value_{nullptr}, target_value_{nullptr};
  GenerativePolicy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> value_optimizer_, policy_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
};

void register_awr_flow(plugin::PluginRegistrar& registrar) {
  registrar.add_algorithm<AwrFlowConfig, AwrFlow>(
      "awr_flow", "AWR-Flow (example plugin): TD(0) value, advantage-weighted flow-matching policy");
}

}  // namespace awr_flow

GRL_PLUGIN("awr-flow-example", awr_flow::register_awr_flow)
