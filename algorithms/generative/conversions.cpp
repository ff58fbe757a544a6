#include "algorithms/generative/conversions.h"

#include <stdexcept>
#include <vector>

namespace grl::generative {

torch::Tensor broadcast_time(const torch::Tensor& t, const torch::Tensor& x) {
  if (t.dim() == 0 || x.dim() <= 1) return t;
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = t.size(0);
  return t.reshape(shape);
}

// Each entry is the closed form of its pair (not a composition through the score), so
// that a conversion only divides by what it must: noise <-> data never divides by sigma, for example.
torch::Tensor convert(ModelType from, ModelType to, const torch::Tensor& m, const torch::Tensor& t_in,
                      const torch::Tensor& x, const DiffusionPath& path) {
  if (from == to) return m;
  const torch::Tensor t = broadcast_time(t_in, x);
  const auto s = [&] { return path.s(t); };
  const auto sigma = [&] { return path.sigma(t); };
  const auto f = [&] { return path.f(t); };
  const auto g2 = [&] { return path.g2(t); };
  using MT = ModelType;
  switch (from) {
    case MT::score:
      switch (to) {
        case MT::noise: return -sigma() * m;
        case MT::velocity: return f() * x - g2() * m / 2.0;
        case MT::data: { auto sg = sigma(); return (x + sg * sg * m) / s(); }
        default: break;
      }
      break;
    case MT::noise:
      switch (to) {
        case MT::score: return -m / sigma();
        case MT::velocity: return f() * x + g2() * m / (2.0 * sigma());
        case MT::data: return (x - sigma() * m) / s();
        default: break;
      }
      break;
    case MT::velocity:
      switch (to) {
        case MT::score: return -2.0 * (m - f() * x) / g2();
        case MT::noise: return 2.0 * sigma() * (m - f() * x) / g2();
        case MT::data: { auto sg = sigma(); return (x + 2.0 * sg * sg * (f() * x - m) / g2()) / s(); }
        default: break;
      }
      break;
    case MT::data:
      switch (to) {
        case MT::score: { auto sg = sigma(); return -(x - s() * m) / (sg * sg); }
        case MT::noise: return (x - s() * m) / sigma();
        case MT::velocity: {
          auto sg = sigma();
          auto d = g2() / (2.0 * sg * sg);
          return (f() + d) * x - s() * d * m;
        }
        default: break;
      }
      break;
  }
  throw std::invalid_argument("convert: unsupported model types " + to_string(from) + " -> " + to_string(to));
}

}  // namespace grl::generative
