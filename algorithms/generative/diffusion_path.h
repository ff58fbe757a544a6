// Gaussian diffusion paths x_t = s(t) x0 + sigma(t) eps in diffusion time (t=0 data, t=1 noise).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace grl::generative {

enum class DiffusionPathKind { vpsde, gvp, linear };

struct DiffusionPathOptions {
  double beta0 = 0.1;  // linear VP-SDE: beta(t) = beta0 + t (beta1 - beta0)
  double beta1 = 20.0;
  // Reproduce the Python reference framework's formulas (off by default; correct math otherwise):
  //  - VP-SDE: s'(t) = -t (beta1 - beta0)/2 * s(t) (drops -beta0/2 * s), and sigma'(t) = -s s'/sigma
  //    derived from it (so its flow-matching target x0 s' + eps sigma' is off; GMPG-VPSDE used it).
  //    f and g^2 stay correct, as in the reference.
  //  - GVP: g^2(t) = pi sin(pi t/2) + sin^2(pi t/2) tan(pi t/2) instead of pi tan(pi t/2).
  //  The linear path is the same in both modes.
  bool reference_compat = false;
};

// One Gaussian path. Every function is elementwise in t: it takes a tensor of any shape (usually [B]
// or a 0-dim scalar) and returns one of the same shape, dtype and device, differentiable in t; the
// double overloads serve solvers that step on a scalar time grid.
//
// Singular ends: sigma(0) = 0 (score/noise conversions divide by it) and for GVP and linear s(1) = 0,
// f(1) = -inf, g^2(1) = inf. Callers keep away from them: see default_time_interval in sampling.h
// and kLossTimeEpsilon in losses.h.
class DiffusionPath {
 public:
  virtual ~DiffusionPath() = default;

  virtual DiffusionPathKind kind() const = 0;
  virtual std::string name() const = 0;  // "vpsde", "gvp", "linear"
  virtual const DiffusionPathOptions& options() const = 0;

  virtual torch::Tensor s(const torch::Tensor& t) const = 0;
  virtual torch::Tensor sigma(const torch::Tensor& t) const = 0;
  virtual torch::Tensor ds_dt(const torch::Tensor& t) const = 0;
  virtual torch::Tensor dsigma_dt(const torch::Tensor& t) const = 0;
  virtual torch::Tensor f(const torch::Tensor& t) const = 0;   // d log s / dt
  virtual torch::Tensor g2(const torch::Tensor& t) const = 0;  // d sigma^2/dt - 2 f sigma^2
  // Half-log-SNR lambda(t) = log s - log sigma (strictly decreasing in t) and its inverse.
  virtual torch::Tensor half_log_snr(const torch::Tensor& t) const = 0;
  virtual torch::Tensor time_from_half_log_snr(const torch::Tensor& lambda) const = 0;

  virtual double s(double t) const = 0;
  virtual double sigma(double t) const = 0;
  virtual double ds_dt(double t) const = 0;
  virtual double dsigma_dt(double t) const = 0;
  virtual double f(double t) const = 0;
  virtual double g2(double t) const = 0;
  virtual double half_log_snr(double t) const = 0;
  virtual double time_from_half_log_snr(double lambda) const = 0;
};

using DiffusionPathPtr = std::shared_ptr<const DiffusionPath>;

// "vpsde" (aliases "linear_vp_sde", "vp"), "gvp", "linear"; throws std::invalid_argument naming the
// value and the known names otherwise, or if beta0 <= 0 or beta1 <= beta0.
DiffusionPathPtr make_diffusion_path(const std::string& name, const DiffusionPathOptions& options = {});
DiffusionPathPtr make_diffusion_path(DiffusionPathKind kind, const DiffusionPathOptions& options = {});

}  // namespace grl::generative
