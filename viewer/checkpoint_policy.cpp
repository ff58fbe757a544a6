#include "viewer/checkpoint_policy.h"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/generative_policy.h"
#include "algorithms/gmpg/gmpg.h"
#include "algorithms/gmpo/gmpo.h"
#include "algorithms/training/checkpoint.h"
#include "common/runtime.h"

namespace grl::viewer {

const std::vector<std::string>& generative_solver_names() {
  static const std::vector<std::string> names = {"euler", "heun", "rk4", "dopri5", "sde", "dpm_solver"};
  return names;
}

struct CheckpointPolicy::Impl {
  PolicyInfo info;
  evaluation::PreparedRun run;
  std::shared_ptr<training::Policy> policy;  // the run's policy (normalises observations itself)
  // Generative algorithms: the trained models as loaded, and the ones acting now (the same, or
  // copies built with other sampler settings).
  GenerativePolicy trained{nullptr};
  GenerativePolicy trained_behaviour{nullptr};
  GenerativePolicy acting{nullptr};
  GenerativePolicy behaviour{nullptr};
  torch::Device device{torch::kCPU};
  at::Generator generator = at::detail::createCPUGenerator(0);

  // The viewer's own generator keeps its episodes independent of other LibTorch users; it is a CPU
  // generator, so policies on a GPU draw from the global one instead.
  c10::optional<at::Generator> noise_generator() const {
    if (device.is_cpu()) return generator;
    return c10::nullopt;
  }

  torch::Tensor observation_tensor(const std::vector<double>& observation) const {
    if (static_cast<int>(observation.size()) != info.obs_dim) {
      throw std::invalid_argument("policy of " + info.checkpoint + " expects " + std::to_string(info.obs_dim) +
                                  " observation values, got " + std::to_string(observation.size()));
    }
    return torch::tensor(observation, torch::kFloat64).to(torch::kFloat32).view({1, info.obs_dim}).to(device);
  }
  // Generative models see normalised states, as the run's NormalizingPolicy gives them.
  torch::Tensor model_states(const std::vector<double>& observation) const {
    return run.algorithm->normalization().apply(observation_tensor(observation));
  }
  static std::vector<float> to_vector(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
};

CheckpointPolicy::CheckpointPolicy(const std::string& checkpoint_file, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  try {
    m.run = evaluation::load_run_from_checkpoint(training::CheckpointReader(checkpoint_file), device);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    // The reader's messages already name the file; others get it added.
    if (what.find(checkpoint_file) != std::string::npos) throw std::runtime_error(what);
    throw std::runtime_error("cannot load checkpoint " + checkpoint_file + ": " + what);
  }
  m.device = torch::Device(resolve_device(device));
  m.policy = m.run.algorithm->policy();
  m.info.checkpoint = checkpoint_file;
  m.info.algorithm = m.run.config.algorithm;
  m.info.env_id = m.run.env.id;
  m.info.dataset = m.run.config.dataset;
  m.info.obs_dim = m.run.env.obs_dim;
  m.info.act_dim = m.run.env.act_dim;
  training::Algorithm& inner = m.run.algorithm->inner();
  if (auto* gmpo_algorithm = dynamic_cast<gmpo::Gmpo*>(&inner)) {
    m.trained = gmpo_algorithm->generative_policy();
  } else if (auto* gmpg_algorithm = dynamic_cast<gmpg::Gmpg*>(&inner)) {
    m.trained = gmpg_algorithm->guided_policy();
    m.trained_behaviour = gmpg_algorithm->behaviour();
  }
  m.acting = m.trained;
  m.behaviour = m.trained_behaviour;
  m.info.generative = !m.trained.is_empty();
  m.info.has_behaviour = !m.trained_behaviour.is_empty();
  if (m.info.generative) {
    const GenerativePolicyConfig& c = m.trained->config();
    m.info.solver = c.solver;
    m.info.steps = c.solver == "dpm_solver" ? c.dpm_steps : c.grid_points - 1;
    m.trained->eval();
    if (m.info.has_behaviour) m.trained_behaviour->eval();
  }
}

CheckpointPolicy::~CheckpointPolicy() = default;

const PolicyInfo& CheckpointPolicy::info() const { return impl_->info; }

void CheckpointPolicy::seed(std::uint64_t seed) { impl_->generator.set_current_seed(seed); }

std::vector<float> CheckpointPolicy::act(const std::vector<double>& observation) {
  Impl& m = *impl_;
  c10::InferenceMode inference;
  if (m.info.generative) {
    return Impl::to_vector(m.acting->act(m.model_states(observation), m.noise_generator()).clamp(-1.0, 1.0));
  }
  return Impl::to_vector(m.policy->act(m.observation_tensor(observation)).clamp(-1.0, 1.0));
}

std::vector<float> CheckpointPolicy::sample(const std::vector<double>& observation, int k, bool behaviour) {
  Impl& m = *impl_;
  if (k < 1) throw std::invalid_argument("sample: K must be >= 1, got " + std::to_string(k));
  if (behaviour && !m.info.has_behaviour) {
    throw std::invalid_argument(m.info.algorithm + " checkpoint " + m.info.checkpoint + " has no behaviour model");
  }
  c10::InferenceMode inference;
  if (m.info.generative) {
    GenerativePolicy& model = behaviour ? m.behaviour : m.acting;
    return Impl::to_vector(model->sample(m.model_states(observation), k, m.noise_generator()).clamp(-1.0, 1.0));
  }
  const torch::Tensor one = m.policy->act(m.observation_tensor(observation)).clamp(-1.0, 1.0);
  return Impl::to_vector(one.expand({k, m.info.act_dim}));
}

void CheckpointPolicy::set_sampler(const std::string& solver, int steps) {
  Impl& m = *impl_;
  if (!m.info.generative) {
    throw std::invalid_argument(m.info.algorithm + " is not a generative policy: it has no solver to set");
  }
  if (steps < 1) throw std::invalid_argument("solver steps must be >= 1, got " + std::to_string(steps));
  generative::parse_solver_kind(solver);  // throws naming the known solvers
  auto rebuilt = [&](const GenerativePolicy& trained) {
    GenerativePolicyConfig config = trained->config();
    config.solver = solver;
    config.grid_points = steps + 1;
    config.dpm_steps = steps;
    GenerativePolicy copy(config, trained->state_dim(), trained->action_dim());  // throws on a bad combination
    copy->to(trained->device());
    copy_policy_weights(*trained, *copy);
    copy->eval();
    return copy;
  };
  GenerativePolicy acting = rebuilt(m.trained);
  GenerativePolicy behaviour = m.info.has_behaviour ? rebuilt(m.trained_behaviour) : GenerativePolicy(nullptr);
  m.acting = acting;
  m.behaviour = behaviour;
  m.info.solver = solver;
  m.info.steps = steps;
}

}  // namespace grl::viewer
