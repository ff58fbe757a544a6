#include "algorithms/generative/diffusion_path.h"

#include <cmath>
#include <stdexcept>

namespace grl::generative {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The formulas are written once as templates over double and torch::Tensor (found by overload:
// std:: for double, torch:: for tensors), so the scalar and tensor versions cannot drift apart.
using std::cos;
using std::exp;
using std::log;
using std::sin;
using std::sqrt;
using std::tan;
using torch::cos;
using torch::exp;
using torch::log;
using torch::sin;
using torch::sqrt;
using torch::tan;

inline double log1p_(double x) { return std::log1p(x); }
inline torch::Tensor log1p_(const torch::Tensor& x) { return torch::log1p(x); }
inline double expm1_(double x) { return std::expm1(x); }
inline torch::Tensor expm1_(const torch::Tensor& x) { return torch::expm1(x); }
inline double atan_(double x) { return std::atan(x); }
inline torch::Tensor atan_(const torch::Tensor& x) { return torch::atan(x); }
// softplus(x) = log(1 + e^x), stable for large |x|.
inline double softplus_(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
inline torch::Tensor softplus_(const torch::Tensor& x) { return torch::nn::functional::softplus(x); }

// Each path class provides templated formulas; this base turns them into the virtual interface.
template <class Derived>
class PathBase : public DiffusionPath {
 public:
  explicit PathBase(const DiffusionPathOptions& options) : options_(options) {}
  const DiffusionPathOptions& options() const override { return options_; }

  torch::Tensor s(const torch::Tensor& t) const override { return self().s_(t); }
  torch::Tensor sigma(const torch::Tensor& t) const override { return self().sigma_(t); }
  torch::Tensor ds_dt(const torch::Tensor& t) const override { return self().ds_dt_(t); }
  torch::Tensor dsigma_dt(const torch::Tensor& t) const override { return self().dsigma_dt_(t); }
  torch::Tensor f(const torch::Tensor& t) const override { return self().f_(t); }
  torch::Tensor g2(const torch::Tensor& t) const override { return self().g2_(t); }
  torch::Tensor half_log_snr(const torch::Tensor& t) const override { return self().lambda_(t); }
  torch::Tensor time_from_half_log_snr(const torch::Tensor& l) const override { return self().inverse_lambda_(l); }

  double s(double t) const override { return self().s_(t); }
  double sigma(double t) const override { return self().sigma_(t); }
  double ds_dt(double t) const override { return self().ds_dt_(t); }
  double dsigma_dt(double t) const override { return self().dsigma_dt_(t); }
  double f(double t) const override { return self().f_(t); }
  double g2(double t) const override { return self().g2_(t); }
  double half_log_snr(double t) const override { return self().lambda_(t); }
  double time_from_half_log_snr(double l) const override { return self().inverse_lambda_(l); }

 protected:
  DiffusionPathOptions options_;

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// Linear VP-SDE: beta(t) = b0 + t (b1 - b0), log s = -(t^2 (b1 - b0)/4 + t b0/2), sigma^2 = 1 - s^2.
class VpSdePath final : public PathBase<VpSdePath> {
 public:
  using PathBase::PathBase;
  DiffusionPathKind kind() const override { return DiffusionPathKind::vpsde; }
  std::string name() const override { return "vpsde"; }

  template <class T> T log_s_(const T& t) const {
    return -(t * t * (b1() - b0()) / 4.0 + t * b0() / 2.0);
  }
  template <class T> T s_(const T& t) const { return exp(log_s_(t)); }
  // 1 - s^2 = -expm1(2 log s), accurate near t = 0 where s^2 is close to 1.
  template <class T> T sigma2_(const T& t) const { return -expm1_(2.0 * log_s_(t)); }
  template <class T> T sigma_(const T& t) const { return sqrt(sigma2_(t)); }
  template <class T> T f_(const T& t) const { return -(b0() + t * (b1() - b0())) / 2.0; }
  template <class T> T ds_dt_(const T& t) const {
    if (options_.reference_compat) return -(t * (b1() - b0())) / 2.0 * s_(t);
    return f_(t) * s_(t);
  }
  // sigma sigma' = -s s' (from sigma^2 = 1 - s^2); compat mode inherits the reference's s'.
  template <class T> T dsigma_dt_(const T& t) const { return -s_(t) * ds_dt_(t) / sigma_(t); }
  template <class T> T g2_(const T& t) const { return b0() + t * (b1() - b0()); }
  template <class T> T lambda_(const T& t) const { return log_s_(t) - 0.5 * log(sigma2_(t)); }
  // e^{-2 lambda} = sigma^2/s^2 = e^{2q} - 1 with q = -log s, so 2q = softplus(-2 lambda); then solve
  // (b1 - b0)/4 t^2 + b0/2 t - q = 0 in the cancellation-free form t = 2q / (b0/2 + sqrt(b0^2/4 + (b1 - b0) q)).
  template <class T> T inverse_lambda_(const T& lambda) const {
    T q = softplus_(-2.0 * lambda) / 2.0;
    return 2.0 * q / (b0() / 2.0 + sqrt(b0() * b0() / 4.0 + (b1() - b0()) * q));
  }

 private:
  double b0() const { return options_.beta0; }
  double b1() const { return options_.beta1; }
};

// GVP: s = cos(pi t/2), sigma = sin(pi t/2).
class GvpPath final : public PathBase<GvpPath> {
 public:
  using PathBase::PathBase;
  DiffusionPathKind kind() const override { return DiffusionPathKind::gvp; }
  std::string name() const override { return "gvp"; }

  template <class T> T s_(const T& t) const { return cos(kPi * t / 2.0); }
  template <class T> T sigma_(const T& t) const { return sin(kPi * t / 2.0); }
  template <class T> T ds_dt_(const T& t) const { return -kPi / 2.0 * sin(kPi * t / 2.0); }
  template <class T> T dsigma_dt_(const T& t) const { return kPi / 2.0 * cos(kPi * t / 2.0); }
  template <class T> T f_(const T& t) const { return -kPi / 2.0 * tan(kPi * t / 2.0); }
  template <class T> T g2_(const T& t) const {
    if (options_.reference_compat) {
      T sn = sin(kPi * t / 2.0);
      return kPi * sn + sn * sn * tan(kPi * t / 2.0);
    }
    return kPi * tan(kPi * t / 2.0);
  }
  template <class T> T lambda_(const T& t) const { return -log(tan(kPi * t / 2.0)); }
  template <class T> T inverse_lambda_(const T& lambda) const { return 2.0 / kPi * atan_(exp(-lambda)); }
};

// Linear (rectified): s = 1 - t, sigma = t.
class LinearPath final : public PathBase<LinearPath> {
 public:
  using PathBase::PathBase;
  DiffusionPathKind kind() const override { return DiffusionPathKind::linear; }
  std::string name() const override { return "linear"; }

  template <class T> T s_(const T& t) const { return 1.0 - t; }
  template <class T> T sigma_(const T& t) const { return t * 1.0; }
  template <class T> T ds_dt_(const T& t) const { return t * 0.0 - 1.0; }
  template <class T> T dsigma_dt_(const T& t) const { return t * 0.0 + 1.0; }
  template <class T> T f_(const T& t) const { return -1.0 / (1.0 - t); }
  template <class T> T g2_(const T& t) const { return 2.0 * t + 2.0 * t * t / (1.0 - t); }
  template <class T> T lambda_(const T& t) const { return log(1.0 - t) - log(t); }
  // lambda = log((1 - t)/t)  =>  t = 1 / (1 + e^lambda).
  template <class T> T inverse_lambda_(const T& lambda) const { return 1.0 / (1.0 + exp(lambda)); }
};

}  // namespace

DiffusionPathPtr make_diffusion_path(DiffusionPathKind kind, const DiffusionPathOptions& options) {
  switch (kind) {
    case DiffusionPathKind::vpsde:
      if (!(options.beta0 > 0.0) || !(options.beta1 > options.beta0)) {
        throw std::invalid_argument("vpsde path: need 0 < beta0 < beta1, got beta0 = " +
                                    std::to_string(options.beta0) + ", beta1 = " + std::to_string(options.beta1));
      }
      return std::make_shared<VpSdePath>(options);
    case DiffusionPathKind::gvp:
      return std::make_shared<GvpPath>(options);
    case DiffusionPathKind::linear:
      return std::make_shared<LinearPath>(options);
  }
  throw std::invalid_argument("unknown diffusion path kind");
}

DiffusionPathPtr make_diffusion_path(const std::string& name, const DiffusionPathOptions& options) {
  if (name == "vpsde" || name == "linear_vp_sde" || name == "vp") return make_diffusion_path(DiffusionPathKind::vpsde, options);
  if (name == "gvp") return make_diffusion_path(DiffusionPathKind::gvp, options);
  if (name == "linear") return make_diffusion_path(DiffusionPathKind::linear, options);
  throw std::invalid_argument("unknown diffusion path '" + name + "' (expected one of: vpsde, gvp, linear)");
}

}  // namespace grl::generative
