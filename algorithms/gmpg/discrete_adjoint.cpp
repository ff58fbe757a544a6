#include "algorithms/gmpg/discrete_adjoint.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace grl::gmpg {

void accumulate(torch::Tensor& accumulator, const torch::Tensor& g) {
  if (!g.defined()) return;
  if (!accumulator.defined()) {
    accumulator = g.detach().clone();
  } else {
    accumulator.add_(g.detach());
  }
}

GridStepOutput integrate_unrolled(const GridStep& step, const torch::Tensor& x0, int64_t steps) {
  GridStepOutput result{x0, torch::Tensor()};
  for (int64_t k = 0; k < steps; ++k) {
    const GridStepOutput out = step(k, result.next);
    result.next = out.next;
    if (out.increment.defined()) {
      result.increment = result.increment.defined() ? result.increment + out.increment : out.increment;
    }
  }
  return result;
}

DiscreteAdjointSolve::DiscreteAdjointSolve(GridStep step, int64_t steps, int64_t stride)
    : step_(std::move(step)), steps_(steps), stride_(stride) {
  if (steps_ < 1) throw std::invalid_argument("discrete adjoint: need at least one step, got " + std::to_string(steps_));
  if (stride_ < 1) throw std::invalid_argument("discrete adjoint: stride must be >= 1, got " + std::to_string(stride_));
}

void DiscreteAdjointSolve::forward(const torch::Tensor& x0) {
  torch::NoGradGuard no_grad;
  checkpoints_.clear();
  total_increment_ = torch::Tensor();
  torch::Tensor x = x0.detach();
  checkpoints_.push_back(x);
  for (int64_t k = 0; k < steps_; ++k) {
    GridStepOutput out = step_(k, x);
    x = out.next.detach();
    if (out.increment.defined()) {
      total_increment_ = total_increment_.defined() ? total_increment_ + out.increment.detach() : out.increment.detach();
    }
    if ((k + 1) % stride_ == 0 && k + 1 < steps_) checkpoints_.push_back(x);
  }
  final_ = x;
  used_ = false;
}

torch::Tensor DiscreteAdjointSolve::backward(const torch::Tensor& grad_final, const torch::Tensor& grad_increment,
                                             const std::vector<torch::Tensor>& parameters,
                                             std::vector<torch::Tensor>& parameter_grads) {
  if (used_) throw std::logic_error("discrete adjoint: backward() needs a fresh forward()");
  used_ = true;
  if (!grad_final.defined() || grad_final.sizes() != final_.sizes()) {
    throw std::invalid_argument("discrete adjoint: dL/dx_K must have the final state's shape " + c10::str(final_.sizes()));
  }
  parameter_grads.resize(parameters.size());
  std::vector<std::size_t> trainable;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i].requires_grad()) trainable.push_back(i);
  }
  torch::Tensor lambda = grad_final.detach();
  const int64_t segments = static_cast<int64_t>(checkpoints_.size());
  for (int64_t j = segments - 1; j >= 0; --j) {
    const int64_t first = j * stride_;
    const int64_t last = std::min(first + stride_, steps_);  // steps first .. last-1
    // States x_first .. x_{last-1} of this segment, recomputed without a graph (stride 1: just x_first).
    std::vector<torch::Tensor> states{checkpoints_[static_cast<std::size_t>(j)]};
    {
      torch::NoGradGuard no_grad;
      for (int64_t k = first; k + 1 < last; ++k) states.push_back(step_(k, states.back()).next.detach());
    }
    for (int64_t k = last - 1; k >= first; --k) {
      torch::AutoGradMode grad_on(true);
      const torch::Tensor x = states[static_cast<std::size_t>(k - first)].detach().requires_grad_(true);
      const GridStepOutput out = step_(k, x);
      std::vector<torch::Tensor> outputs{out.next}, grad_outputs{lambda};
      if (grad_increment.defined() && out.increment.defined()) {
        outputs.push_back(out.increment);
        grad_outputs.push_back(grad_increment.detach());
      }
      std::vector<torch::Tensor> inputs{x};
      for (std::size_t i : trainable) inputs.push_back(parameters[i]);
      const auto grads = torch::autograd::grad(outputs, inputs, grad_outputs, /*retain_graph=*/false,
                                               /*create_graph=*/false, /*allow_unused=*/true);
      lambda = grads[0].defined() ? grads[0] : torch::zeros_like(x);
      for (std::size_t n = 0; n < trainable.size(); ++n) accumulate(parameter_grads[trainable[n]], grads[n + 1]);
    }
  }
  checkpoints_.clear();
  return lambda;
}

}  // namespace grl::gmpg
