#include "algorithms/generative_policy.h"
#include "common/tensor_shape.h"

#include <sstream>
#include <stdexcept>

#include "algorithms/generative/conversions.h"
#include "algorithms/generative/likelihood.h"
#include "algorithms/generative/ode_solvers.h"
#include "common/atomic_file.h"
#include "common/config.h"

namespace grl {

namespace {

constexpr const char* kFormat = "grl.generative_policy.v1";

generative::PathOptions path_options(const GenerativePolicyConfig& c) {
  generative::PathOptions o;
  o.diffusion.beta0 = c.beta0;
  o.diffusion.beta1 = c.beta1;
  o.diffusion.reference_compat = c.reference_compat;
  o.flow.sigma = c.flow_sigma;
  return o;
}

}  // namespace

template <class V>
void GenerativePolicyConfig::visit(V& v) {
  v.field("path", path, "probability path", config::one_of({"vpsde", "gvp", "linear", "icfm", "otcfm"}));
  v.field("model_type", model_type, "what the network predicts", config::one_of({"score", "noise", "velocity", "data"}));
  v.field("loss", loss, "training loss", config::one_of({"flow_matching", "score_matching", "score_matching_ml"}));
  v.field("solver", solver, "sampler", config::one_of({"euler", "heun", "rk4", "dopri5", "sde", "dpm_solver", "ddpm"}));
  v.field("grid_points", grid_points, "points of the fixed time grid (steps + 1)", config::at_least(2));
  v.field("ddpm_clip", ddpm_clip, "ddpm: clip each x0 prediction to [-1, 1]");
  v.field("loss_time_steps", loss_time_steps, "> 0: train on the T-point DDPM time grid (0: t ~ U(1e-5, 1))",
          config::non_negative());
  v.field("fast_inference", fast_inference, "Euler without autograd: precompute x-independent network parts");
  v.field("beta0", beta0, "vpsde beta(0)", config::positive());
  v.field("beta1", beta1, "vpsde beta(1)", config::positive());
  v.field("reference_compat", reference_compat, "reproduce the Python framework's vpsde s' and gvp g^2");
  v.field("flow_sigma", flow_sigma, "icfm/otcfm noise around the straight path", config::non_negative());
  v.field("rtol", rtol, "dopri5 relative tolerance", config::positive());
  v.field("atol", atol, "dopri5 absolute tolerance", config::positive());
  v.field("dpm_order", dpm_order, "DPM-Solver order", config::in_range(1, 3));
  v.field("dpm_steps", dpm_steps, "DPM-Solver steps", config::at_least(1));
  v.field("dpm_multistep", dpm_multistep, "DPM-Solver multistep (else singlestep)");
  v.field("dpm_form", dpm_form, "DPM-Solver noise or data (++) form", config::one_of({"noise", "data"}));
  v.section("network", network, "backbone");
}
template void GenerativePolicyConfig::visit(config::Reader&);
template void GenerativePolicyConfig::visit(config::Writer&);

GenerativePolicyImpl::GenerativePolicyImpl(GenerativePolicyConfig config, int64_t state_dim, int64_t action_dim)
    : config_(std::move(config)), state_dim_(state_dim), action_dim_(action_dim) {
  path_ = generative::make_path(config_.path, path_options(config_));
  model_type_ = generative::parse_model_type(config_.model_type);
  solver_ = generative::parse_solver_kind(config_.solver);
  if (config_.grid_points < 2) {
    throw std::invalid_argument("generative policy: grid_points must be >= 2, got " + std::to_string(config_.grid_points));
  }
  if (path_.is_flow()) {
    if (model_type_ != generative::ModelType::velocity) {
      throw std::invalid_argument("generative policy: flow path '" + config_.path +
                                  "' needs model_type velocity, got '" + config_.model_type + "'");
    }
    if (solver_ == generative::SolverKind::dpm_solver || solver_ == generative::SolverKind::sde_euler_maruyama ||
        solver_ == generative::SolverKind::ddpm) {
      throw std::invalid_argument("generative policy: solver '" + config_.solver + "' needs a diffusion path, got '" +
                                  config_.path + "'");
    }
  }
  generative::LossOptions loss_options;
  loss_options.kind = generative::parse_loss_kind(config_.loss);
  loss_options.time_steps = config_.loss_time_steps;
  loss_ = std::make_shared<generative::GenerativeLoss>(path_, loss_options);
  network = register_module("network", networks::make_generative_network(config_.network, action_dim, state_dim));
}

torch::Device GenerativePolicyImpl::device() const {
  for (const auto& p : network->parameters()) return p.device();
  return torch::kCPU;
}

torch::Tensor GenerativePolicyImpl::condition_of(const torch::Tensor& states) const {
  if (!states.defined() || states.dim() != 2 || states.size(1) != state_dim_) {
    throw std::invalid_argument("generative policy: expected states of shape [B, " + std::to_string(state_dim_) +
                                "], got " + shape_of(states));
  }
  return state_dim_ > 0 ? states : torch::Tensor();
}

generative::ModelFunction GenerativePolicyImpl::model_function() const {
  std::shared_ptr<networks::GenerativeNetworkImpl> net = network.ptr();
  return {[net](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) { return net->forward(t, x, c); },
          model_type_};
}

generative::SamplerOptions GenerativePolicyImpl::sampler_options() const {
  generative::SamplerOptions o;
  o.solver = solver_;
  o.grid_points = config_.grid_points;
  o.ddpm_clip_data = config_.ddpm_clip;
  o.adaptive.rtol = config_.rtol;
  o.adaptive.atol = config_.atol;
  o.dpm.order = config_.dpm_order;
  o.dpm.steps = config_.dpm_steps;
  o.dpm.multistep = config_.dpm_multistep;
  o.dpm.form = config_.dpm_form == "noise" ? generative::DpmForm::noise : generative::DpmForm::data;
  return o;
}

torch::Tensor GenerativePolicyImpl::sample_from_noise(const torch::Tensor& states, const torch::Tensor& noise,
                                                      c10::optional<at::Generator> generator) {
  const torch::Tensor condition = condition_of(states);
  if (!noise.defined() || noise.dim() != 2 || noise.size(0) != states.size(0) || noise.size(1) != action_dim_) {
    throw std::invalid_argument("generative policy: expected noise of shape [" + std::to_string(states.size(0)) + ", " +
                                std::to_string(action_dim_) + "], got " + shape_of(noise));
  }
  if (config_.fast_inference && solver_ == generative::SolverKind::euler && !torch::GradMode::is_enabled()) {
    return sample_euler_prepared(condition, noise);
  }
  return generative::sample(path_, model_function(), noise, condition, sampler_options(), generator);
}

// The same Euler steps as generative::sample (same tau grid, same drift), with the network prepared for
// the grid's time points so that each step runs only the layers that depend on x.
torch::Tensor GenerativePolicyImpl::sample_euler_prepared(const torch::Tensor& condition, const torch::Tensor& noise) {
  const generative::TimeInterval interval =
      generative::default_time_interval(path_, model_type_, generative::SolverKind::euler);
  const std::vector<double> tau =
      generative::uniform_grid(1.0 - interval.noise_end, 1.0 - interval.data_end, config_.grid_points);
  const bool flow = path_.is_flow();
  // Network time at each evaluation: flow time is tau itself; diffusion time is 1 - tau.
  std::vector<float> times;
  for (std::size_t i = 0; i + 1 < tau.size(); ++i) times.push_back(static_cast<float>(flow ? tau[i] : 1.0 - tau[i]));
  const torch::Tensor time_tensor =
      torch::tensor(times, torch::TensorOptions().dtype(torch::kFloat32)).to(noise.device(), noise.scalar_type());
  std::unique_ptr<networks::PreparedNetwork> prepared = network->prepare(time_tensor, condition);
  torch::Tensor x = noise.clone();
  for (std::size_t i = 0; i + 1 < tau.size(); ++i) {
    const double h = tau[i + 1] - tau[i];
    torch::Tensor m = (*prepared)(static_cast<int64_t>(i), x);
    if (flow || model_type_ == generative::ModelType::velocity) {
      // Flow: dx/dtau = v. Diffusion velocity model: dx/dtau = -v(1 - tau).
      x.add_(m, flow ? h : -h);
    } else {
      const torch::Tensor t = torch::full({x.size(0)}, 1.0 - tau[i], x.options());
      x.add_(generative::convert(model_type_, generative::ModelType::velocity, m, t, x, *path_.diffusion), -h);
    }
  }
  return x;
}

torch::Tensor GenerativePolicyImpl::act(const torch::Tensor& states, c10::optional<at::Generator> generator) {
  const torch::Tensor condition = condition_of(states);
  const auto parameters = network->parameters();
  const auto dtype = parameters.empty() ? torch::kFloat32 : parameters.front().scalar_type();
  const torch::Tensor noise =
      torch::randn({states.size(0), action_dim_}, generator, torch::TensorOptions().dtype(dtype).device(device()));
  return sample_from_noise(states, noise, generator);
}

torch::Tensor GenerativePolicyImpl::sample(const torch::Tensor& states, int64_t samples_per_state,
                                           c10::optional<at::Generator> generator) {
  condition_of(states);
  if (samples_per_state < 1) {
    throw std::invalid_argument("generative policy: samples_per_state must be >= 1, got " +
                                std::to_string(samples_per_state));
  }
  // Row b * K + k of the repeated states is state b, so sample k of state b sees state b.
  const torch::Tensor repeated = states.repeat_interleave(samples_per_state, 0);
  return act(repeated, generator).view({states.size(0), samples_per_state, action_dim_});
}

torch::Tensor GenerativePolicyImpl::loss_per_sample(const torch::Tensor& actions, const torch::Tensor& states,
                                                    c10::optional<at::Generator> generator) {
  const torch::Tensor condition = condition_of(states);
  if (!actions.defined() || actions.dim() != 2 || actions.size(0) != states.size(0) || actions.size(1) != action_dim_) {
    throw std::invalid_argument("generative policy: expected actions of shape [" + std::to_string(states.size(0)) +
                                ", " + std::to_string(action_dim_) + "], got " + shape_of(actions));
  }
  return loss_->per_sample(model_function(), actions, condition, generator);
}

torch::Tensor GenerativePolicyImpl::log_prob(const torch::Tensor& actions, const torch::Tensor& states,
                                             const generative::LikelihoodOptions& options) {
  return generative::log_likelihood(path_, model_function(), actions, condition_of(states), options);
}

void GenerativePolicyImpl::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("config", c10::IValue(config::to_yaml(config_)));
  archive.write("state_dim", c10::IValue(state_dim_));
  archive.write("action_dim", c10::IValue(action_dim_));
  torch::serialize::OutputArchive weights;
  network->save(weights);
  archive.write("network", weights);
  write_file_atomic(file, [&](std::ostream& out) { archive.save_to(out); });
}

GenerativePolicy load_generative_policy(const std::filesystem::path& file, const torch::Device& device) {
  const std::string where = "generative policy file '" + file.string() + "'";
  if (!std::filesystem::exists(file)) throw std::runtime_error(where + " does not exist");
  torch::serialize::InputArchive archive;
  c10::IValue format, yaml, state_dim, action_dim;
  try {
    archive.load_from(file.string(), device);
  } catch (const c10::Error& e) {
    throw std::runtime_error(where + " is not a LibTorch archive: " + e.what_without_backtrace());
  }
  if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat) {
    throw std::runtime_error(where + " is not a generative policy (expected format '" + std::string(kFormat) + "')");
  }
  if (!archive.try_read("config", yaml) || !archive.try_read("state_dim", state_dim) ||
      !archive.try_read("action_dim", action_dim)) {
    throw std::runtime_error(where + " lacks its config or dimensions");
  }
  GenerativePolicyConfig config;
  try {
    config = config::parse<GenerativePolicyConfig>(config::load_text(yaml.toStringRef(), where));
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": stored config: " + e.what());
  }
  GenerativePolicy policy(config, state_dim.toInt(), action_dim.toInt());
  torch::serialize::InputArchive weights;
  try {
    if (!archive.try_read("network", weights)) throw std::runtime_error("no network weights");
    policy->network->load(weights);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": cannot read the network weights: " + e.what());
  }
  policy->to(device);
  return policy;
}

void copy_policy_weights(const GenerativePolicyImpl& from, GenerativePolicyImpl& to) {
  torch::NoGradGuard no_grad;
  const auto source = from.named_parameters(true);
  auto target = to.named_parameters(true);
  if (source.size() != target.size()) throw std::invalid_argument("copy_policy_weights: the policies differ in parameters");
  for (auto& item : target) {
    const torch::Tensor* s = source.find(item.key());
    if (!s || s->sizes() != item.value().sizes()) {
      throw std::invalid_argument("copy_policy_weights: parameter '" + item.key() + "' differs");
    }
    item.value().copy_(*s);
  }
  const auto source_buffers = from.named_buffers(true);
  for (auto& item : to.named_buffers(true)) {
    const torch::Tensor* s = source_buffers.find(item.key());
    if (!s || s->sizes() != item.value().sizes()) {
      throw std::invalid_argument("copy_policy_weights: buffer '" + item.key() + "' differs");
    }
    item.value().copy_(*s);
  }
}

}  // namespace grl
