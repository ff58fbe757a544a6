#include "algorithms/generative/losses.h"

#include "algorithms/generative/conversions.h"
#include "algorithms/generative/ddpm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace grl::generative {
namespace {

// Sum over every dim but the batch dim: [B, ...] -> [B].
torch::Tensor per_sample_sum(const torch::Tensor& x) {
  if (x.dim() <= 1) return x;
  return x.reshape({x.size(0), -1}).sum(1);
}

void check_batch(const char* what, const torch::Tensor& x0, const torch::Tensor& condition) {
  if (!x0.defined() || x0.dim() < 2) {
    throw std::invalid_argument(std::string(what) + ": data must be [B, A], got " +
                                (x0.defined() ? c10::str(x0.sizes()) : std::string("an undefined tensor")));
  }
  if (condition.defined() && condition.numel() > 0 && condition.size(0) != x0.size(0)) {
    throw std::invalid_argument(std::string(what) + ": condition batch " + std::to_string(condition.size(0)) +
                                " does not match data batch " + std::to_string(x0.size(0)));
  }
}

torch::Tensor uniform_time(int64_t n, double lo, double hi, const torch::TensorOptions& options,
                           c10::optional<at::Generator> generator) {
  return lo + (hi - lo) * torch::rand({n}, generator, options);
}

}  // namespace

std::string to_string(LossKind kind) {
  switch (kind) {
    case LossKind::score_matching: return "score_matching";
    case LossKind::score_matching_ml: return "score_matching_ml";
    case LossKind::flow_matching: return "flow_matching";
  }
  return "unknown";
}

LossKind parse_loss_kind(const std::string& name) {
  if (name == "score_matching") return LossKind::score_matching;
  if (name == "score_matching_ml" || name == "maximum_likelihood") return LossKind::score_matching_ml;
  if (name == "flow_matching") return LossKind::flow_matching;
  throw std::invalid_argument("unknown loss '" + name +
                              "' (expected one of: score_matching, score_matching_ml, flow_matching)");
}

torch::Tensor score_matching_loss_at(const DiffusionPath& path, const ModelFunction& model, const torch::Tensor& x0,
                                     const torch::Tensor& condition, const torch::Tensor& t, const torch::Tensor& eps) {
  check_batch("score_matching_loss", x0, condition);
  const torch::Tensor tb = broadcast_time(t, x0);
  const torch::Tensor xt = path.s(tb) * x0 + path.sigma(tb) * eps;
  const torch::Tensor eps_hat = convert(model.type, ModelType::noise, model(t, xt, condition), t, xt, path);
  return 0.5 * per_sample_sum((eps_hat - eps).pow(2));
}

torch::Tensor flow_matching_loss_at(const DiffusionPath& path, const ModelFunction& model, const torch::Tensor& x0,
                                    const torch::Tensor& condition, const torch::Tensor& t, const torch::Tensor& eps) {
  check_batch("flow_matching_loss", x0, condition);
  const torch::Tensor tb = broadcast_time(t, x0);
  const torch::Tensor xt = path.s(tb) * x0 + path.sigma(tb) * eps;
  const torch::Tensor target = path.ds_dt(tb) * x0 + path.dsigma_dt(tb) * eps;
  const torch::Tensor v_hat = convert(model.type, ModelType::velocity, model(t, xt, condition), t, xt, path);
  return 0.5 * per_sample_sum((v_hat - target).pow(2));
}

torch::Tensor conditional_flow_matching_loss_at(const ModelFunction& model, const torch::Tensor& x0,
                                                const torch::Tensor& x1, const torch::Tensor& condition,
                                                const torch::Tensor& t, const torch::Tensor& z, double sigma) {
  check_batch("conditional_flow_matching_loss", x1, condition);
  if (model.type != ModelType::velocity) {
    throw std::invalid_argument("conditional flow matching needs a velocity model, got " + to_string(model.type));
  }
  const torch::Tensor tb = broadcast_time(t, x1);
  const torch::Tensor xt = (1.0 - tb) * x0 + tb * x1 + sigma * z;
  return 0.5 * per_sample_sum((model(t, xt, condition) - (x1 - x0)).pow(2));
}

MaximumLikelihoodTimeSampler::MaximumLikelihoodTimeSampler(DiffusionPathPtr path, double t_min, double t_max,
                                                           int table_size)
    : path_(std::move(path)), t_min_(t_min), t_max_(t_max) {
  if (!path_) throw std::invalid_argument("MaximumLikelihoodTimeSampler: null path");
  if (t_max_ < 0.0) t_max_ = path_->kind() == DiffusionPathKind::vpsde ? 1.0 : 1.0 - kLossTimeEpsilon;
  if (!(t_min_ > 0.0) || !(t_max_ > t_min_) || t_max_ > 1.0) {
    throw std::invalid_argument("MaximumLikelihoodTimeSampler: need 0 < t_min < t_max <= 1, got t_min = " +
                                std::to_string(t_min_) + ", t_max = " + std::to_string(t_max_));
  }
  if (table_size < 16) throw std::invalid_argument("MaximumLikelihoodTimeSampler: table_size must be >= 16");
  // Nodes t_k = t_min + (t_max - t_min) (1 - cos(pi k/(N-1)))/2 crowd both ends, where g^2/sigma^2
  // behaves like 1/(t - 0) or 1/(1 - t); trapezoid areas between nodes.
  const double pi = 3.14159265358979323846;
  const int n = table_size;
  times_.resize(n);
  cdf_.assign(n, 0.0);
  std::vector<double> density(n);
  for (int k = 0; k < n; ++k) {
    const double u = (1.0 - std::cos(pi * k / (n - 1))) / 2.0;
    times_[k] = k == n - 1 ? t_max_ : t_min_ + (t_max_ - t_min_) * u;
    const double sg = path_->sigma(times_[k]);
    density[k] = path_->g2(times_[k]) / (sg * sg);
    if (!std::isfinite(density[k]) || density[k] < 0.0) {
      throw std::invalid_argument("MaximumLikelihoodTimeSampler: g^2/sigma^2 is not finite and >= 0 at t = " +
                                  std::to_string(times_[k]) + " on path " + path_->name());
    }
  }
  for (int k = 1; k < n; ++k) {
    cdf_[k] = cdf_[k - 1] + 0.5 * (density[k] + density[k - 1]) * (times_[k] - times_[k - 1]);
  }
  const double total = cdf_.back();
  for (double& c : cdf_) c /= total;
  times_tensor_ = torch::tensor(times_, torch::kFloat64);
  cdf_tensor_ = torch::tensor(cdf_, torch::kFloat64);
}

double MaximumLikelihoodTimeSampler::cdf(double t) const {
  if (t <= t_min_) return 0.0;
  if (t >= t_max_) return 1.0;
  const auto it = std::upper_bound(times_.begin(), times_.end(), t);
  const size_t k = static_cast<size_t>(it - times_.begin());
  const double w = (t - times_[k - 1]) / (times_[k] - times_[k - 1]);
  return cdf_[k - 1] + w * (cdf_[k] - cdf_[k - 1]);
}

double MaximumLikelihoodTimeSampler::quantile(double u) const {
  if (u <= 0.0) return t_min_;
  if (u >= 1.0) return t_max_;
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  const size_t k = static_cast<size_t>(it - cdf_.begin());
  const double w = (u - cdf_[k - 1]) / (cdf_[k] - cdf_[k - 1]);
  return times_[k - 1] + w * (times_[k] - times_[k - 1]);
}

torch::Tensor MaximumLikelihoodTimeSampler::sample(int64_t n, const torch::TensorOptions& options,
                                                   c10::optional<at::Generator> generator) const {
  // Uniforms on the caller's device (so a CUDA generator works), inverted on the CPU table.
  const torch::Tensor u = torch::rand({n}, generator, options.dtype(torch::kFloat64)).to(torch::kCPU);
  const int64_t last = cdf_tensor_.size(0) - 1;
  const torch::Tensor hi = torch::searchsorted(cdf_tensor_, u, /*out_int32=*/false, /*right=*/true).clamp(1, last);
  const torch::Tensor lo = hi - 1;
  const torch::Tensor c_lo = cdf_tensor_.index_select(0, lo), c_hi = cdf_tensor_.index_select(0, hi);
  const torch::Tensor t_lo = times_tensor_.index_select(0, lo), t_hi = times_tensor_.index_select(0, hi);
  const torch::Tensor w = ((u - c_lo) / (c_hi - c_lo).clamp_min(1e-300)).clamp(0.0, 1.0);
  return (t_lo + w * (t_hi - t_lo)).to(options);
}

GenerativeLoss::GenerativeLoss(GenerativePath path, LossOptions options)
    : path_(std::move(path)), options_(options) {
  if (path_.is_flow()) {
    if (options_.kind != LossKind::flow_matching) {
      throw std::invalid_argument("path " + path_.name() + " trains only with loss flow_matching, not " +
                                  to_string(options_.kind));
    }
    if (options_.time_steps != 0) {
      throw std::invalid_argument("path " + path_.name() + " has no discrete DDPM time grid (time_steps must be 0)");
    }
    return;
  }
  if (!path_.diffusion) throw std::invalid_argument("GenerativeLoss: diffusion path " + path_.name() + " is null");
  if (!(options_.t_min > 0.0 && options_.t_min < 1.0)) {
    throw std::invalid_argument("GenerativeLoss: t_min must be in (0, 1), got " + std::to_string(options_.t_min));
  }
  if (options_.kind == LossKind::score_matching_ml) {
    ml_sampler_ = std::make_shared<MaximumLikelihoodTimeSampler>(path_.diffusion, options_.t_min);
  }
  if (options_.time_steps < 0) {
    throw std::invalid_argument("GenerativeLoss: time_steps must be >= 0, got " + std::to_string(options_.time_steps));
  }
  if (options_.time_steps > 0) {
    if (options_.kind == LossKind::score_matching_ml) {
      throw std::invalid_argument("GenerativeLoss: discrete time_steps do not combine with score_matching_ml");
    }
    const std::vector<double> grid = ddpm_time_grid(*path_.diffusion, options_.time_steps);
    discrete_times_ = torch::tensor(std::vector<double>(grid.begin() + 1, grid.end()), torch::kFloat64);
  }
}

torch::Tensor GenerativeLoss::per_sample(const ModelFunction& model, const torch::Tensor& data,
                                         const torch::Tensor& condition,
                                         c10::optional<at::Generator> generator) const {
  check_batch("GenerativeLoss", data, condition);
  const int64_t b = data.size(0);
  const auto opts = data.options();
  if (path_.is_flow()) {
    torch::Tensor x0 = torch::randn(data.sizes(), generator, opts);
    if (path_.kind == PathKind::otcfm) {
      x0 = x0.index_select(0, pair_by_optimal_transport(x0, data, path_.flow.ot, generator));
    }
    const torch::Tensor t = torch::rand({b}, generator, opts);
    const torch::Tensor z = path_.flow.sigma > 0.0 ? torch::randn(data.sizes(), generator, opts)
                                                   : torch::zeros_like(data);
    return conditional_flow_matching_loss_at(model, x0, data, condition, t, z, path_.flow.sigma);
  }
  const DiffusionPath& dp = *path_.diffusion;
  torch::Tensor t;
  if (discrete_times_.defined()) {
    // Index i ~ U{1..T} drawn on the data's device (the generator's), looked up on the CPU table.
    const torch::Tensor index = torch::randint(0, discrete_times_.size(0), {b}, generator,
                                               opts.dtype(torch::kLong)).to(torch::kCPU);
    t = discrete_times_.index_select(0, index).to(opts);
  } else if (options_.kind == LossKind::score_matching_ml) {
    t = ml_sampler_->sample(b, opts, generator);
  } else {
    t = uniform_time(b, options_.t_min, 1.0, opts, generator);
  }
  const torch::Tensor eps = torch::randn(data.sizes(), generator, opts);
  if (options_.kind == LossKind::flow_matching) return flow_matching_loss_at(dp, model, data, condition, t, eps);
  return score_matching_loss_at(dp, model, data, condition, t, eps);
}

}  // namespace grl::generative
