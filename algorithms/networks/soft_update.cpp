#include "algorithms/networks/soft_update.h"

#include <stdexcept>

namespace grl::networks {

void soft_update(const torch::nn::Module& source, torch::nn::Module& target, double rate, SoftUpdateBuffers buffers) {
  torch::NoGradGuard no_grad;
  const auto from = source.named_parameters(true);
  auto to = target.named_parameters(true);
  if (from.size() != to.size()) throw std::invalid_argument("soft_update: the modules differ in parameter count");
  for (auto& item : to) {
    const torch::Tensor* s = from.find(item.key());
    if (!s || s->sizes() != item.value().sizes()) {
      throw std::invalid_argument("soft_update: parameter '" + item.key() + "' differs between the modules");
    }
    item.value().mul_(1.0 - rate).add_(*s, rate);
  }
  if (buffers == SoftUpdateBuffers::keep) return;
  const auto from_buffers = source.named_buffers(true);
  for (auto& item : target.named_buffers(true)) {
    const torch::Tensor* s = from_buffers.find(item.key());
    if (s && item.value().is_floating_point()) item.value().mul_(1.0 - rate).add_(*s, rate);
  }
}

}  // namespace grl::networks
