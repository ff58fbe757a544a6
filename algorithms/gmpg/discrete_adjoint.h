// Gradients through a fixed-grid ODE solve without keeping the solve's graph: the discrete adjoint.
//
//   x_{k+1} = Phi_k(x_k; theta)          k = 0 .. K-1   (one solver step)
//   y       = sum_k psi_k(x_k; theta)                   (an optional per-sample side output, e.g. the
//                                                        likelihood's divergence integral Delta)
//
// forward() runs every step without autograd and keeps x_k (every `stride`-th state; the others are
// recomputed, again without autograd, segment by segment in the backward pass). backward() is given
// lambda_K = dL/dx_K and dL/dy, walks k = K-1 .. 0, recomputes step k with autograd on and pulls the
// adjoint through it with torch::autograd::grad:
//
//   lambda_k   = lambda_{k+1} dPhi_k/dx_k + dL/dy dpsi_k/dx_k
//   dL/dtheta += lambda_{k+1} dPhi_k/dtheta + dL/dy dpsi_k/dtheta
//
// This is the exact gradient of the discretised solver (what backprop through the unrolled steps gives,
// up to rounding), at the memory of one step's graph plus ceil(K / stride) + stride stored states,
// instead of K steps' graphs. The price is one extra step evaluation per step (two with stride > 1).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace grl::gmpg {

struct GridStepOutput {
  torch::Tensor next;       // x_{k+1}, same shape as x_k
  torch::Tensor increment;  // psi_k [B], or undefined when the solve has no side output
};

// Step k of the solve. Must be deterministic: the backward pass calls it again for the same k and x_k
// and needs the same numbers. It follows the caller's grad mode (builds a graph only when it is on).
using GridStep = std::function<GridStepOutput(int64_t k, const torch::Tensor& x)>;

// The same solve with autograd through every step (the plain, memory-hungry reference).
GridStepOutput integrate_unrolled(const GridStep& step, const torch::Tensor& x0, int64_t steps);

class DiscreteAdjointSolve {
 public:
  // stride >= 1: keep every stride-th state (1: keep all K + 1 states).
  DiscreteAdjointSolve(GridStep step, int64_t steps, int64_t stride = 1);

  // Runs the solve from x0 without autograd. x0 is detached (its gradient is what backward returns).
  void forward(const torch::Tensor& x0);
  const torch::Tensor& final_state() const { return final_; }
  // sum_k psi_k, or undefined when the steps have no side output.
  const torch::Tensor& total_increment() const { return total_increment_; }

  // Pulls (dL/dx_K, dL/dy) back to dL/dx_0, which it returns. The parameters' gradients are ADDED to
  // parameter_grads (one entry per parameter, same order; undefined entries are filled in). Parameters
  // that do not require grad are skipped. grad_increment may be undefined (no side output, or L does
  // not depend on it). Call forward() first; backward() may be called once per forward().
  torch::Tensor backward(const torch::Tensor& grad_final, const torch::Tensor& grad_increment,
                         const std::vector<torch::Tensor>& parameters, std::vector<torch::Tensor>& parameter_grads);

  int64_t steps() const { return steps_; }
  int64_t stride() const { return stride_; }
  // States held after forward(): the checkpoints x_0, x_stride, ... (ceil(K / stride)).
  int64_t stored_states() const { return static_cast<int64_t>(checkpoints_.size()); }

 private:
  GridStep step_;
  int64_t steps_;
  int64_t stride_;
  std::vector<torch::Tensor> checkpoints_;  // x_0, x_stride, x_2stride, ...
  torch::Tensor final_;
  torch::Tensor total_increment_;
  bool used_ = true;
};

// Adds g into accumulator (filling an undefined accumulator with g); undefined g is ignored.
void accumulate(torch::Tensor& accumulator, const torch::Tensor& g);

}  // namespace grl::gmpg
