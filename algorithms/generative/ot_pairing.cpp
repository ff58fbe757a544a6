#include "algorithms/generative/ot_pairing.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace grl::generative {

// Shortest augmenting paths with row/column potentials (the O(n^3) Hungarian method in the form
// Jonker and Volgenant made fast): rows are added one at a time, and each addition runs a Dijkstra
// search over reduced costs to the nearest free column.
std::vector<int64_t> solve_assignment(const torch::Tensor& cost_in) {
  if (cost_in.dim() != 2 || cost_in.size(0) != cost_in.size(1)) {
    throw std::invalid_argument("solve_assignment: cost must be a square matrix, got shape " +
                                c10::str(cost_in.sizes()));
  }
  const torch::Tensor cost_t = cost_in.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  if (!torch::isfinite(cost_t).all().item<bool>()) {
    throw std::invalid_argument("solve_assignment: cost matrix has non-finite entries");
  }
  const int64_t n = cost_t.size(0);
  const double* a = cost_t.data_ptr<double>();
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based arrays; column 0 is the virtual start of each augmenting path.
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0), min_to(n + 1);
  std::vector<int64_t> row_of_col(n + 1, 0), way(n + 1, 0);
  std::vector<char> used(n + 1);
  for (int64_t i = 1; i <= n; ++i) {
    row_of_col[0] = i;
    int64_t j0 = 0;
    std::fill(min_to.begin(), min_to.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const int64_t i0 = row_of_col[j0];
      double delta = inf;
      int64_t j1 = 0;
      for (int64_t j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double reduced = a[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (reduced < min_to[j]) {
          min_to[j] = reduced;
          way[j] = j0;
        }
        if (min_to[j] < delta) {
          delta = min_to[j];
          j1 = j;
        }
      }
      for (int64_t j = 0; j <= n; ++j) {
        if (used[j]) {
          u[row_of_col[j]] += delta;
          v[j] -= delta;
        } else {
          min_to[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of_col[j0] != 0);
    do {  // flip the augmenting path
      const int64_t j1 = way[j0];
      row_of_col[j0] = row_of_col[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int64_t> col_of_row(n);
  for (int64_t j = 1; j <= n; ++j) col_of_row[row_of_col[j] - 1] = j - 1;
  return col_of_row;
}

// Log-domain Sinkhorn: potentials f, g with P = exp((f_i + g_j - C_ij)/eps); alternating updates make
// the row sums 1/n and the column sums 1/m. The log domain keeps small eps from underflowing.
torch::Tensor sinkhorn_plan(const torch::Tensor& cost, double epsilon, int max_iterations, double tolerance) {
  if (cost.dim() != 2) throw std::invalid_argument("sinkhorn_plan: cost must be 2-D");
  if (!(epsilon > 0.0)) throw std::invalid_argument("sinkhorn_plan: epsilon must be > 0, got " + std::to_string(epsilon));
  torch::NoGradGuard no_grad;
  const int64_t n = cost.size(0), m = cost.size(1);
  const torch::Tensor c = cost.detach() / epsilon;
  const double log_a = -std::log(static_cast<double>(n));
  const double log_b = -std::log(static_cast<double>(m));
  torch::Tensor f = torch::zeros({n}, c.options());
  torch::Tensor g = torch::zeros({m}, c.options());
  for (int it = 0; it < max_iterations; ++it) {
    f = log_a - torch::logsumexp(g.unsqueeze(0) - c, 1);
    g = log_b - torch::logsumexp(f.unsqueeze(1) - c, 0);
    // After the g update the columns are exact; check the rows every few iterations (one sync each).
    if (it % 10 == 9 || it == max_iterations - 1) {
      const torch::Tensor row_sums = torch::exp(f.unsqueeze(1) + g.unsqueeze(0) - c).sum(1);
      const double deviation = (row_sums - 1.0 / n).abs().max().item<double>() * n;
      if (deviation <= tolerance) break;
    }
  }
  return torch::exp(f.unsqueeze(1) + g.unsqueeze(0) - c);
}

torch::Tensor pair_by_optimal_transport(const torch::Tensor& x0, const torch::Tensor& x1, const OtOptions& options,
                                        c10::optional<at::Generator> generator) {
  if (x0.dim() < 1 || x1.dim() < 1 || x0.size(0) != x1.size(0)) {
    throw std::invalid_argument("pair_by_optimal_transport: x0 and x1 need the same batch size, got " +
                                c10::str(x0.sizes()) + " and " + c10::str(x1.sizes()));
  }
  torch::NoGradGuard no_grad;
  const int64_t n = x1.size(0);
  const torch::Tensor a = x0.detach().reshape({n, -1});
  const torch::Tensor b = x1.detach().reshape({n, -1});
  OtMethod method = options.method;
  if (method == OtMethod::automatic) {
    method = n <= options.exact_max_batch ? OtMethod::exact
             : x1.is_cuda()               ? OtMethod::sinkhorn
                                          : OtMethod::chunked_exact;
  }
  // cost[j, i] = |x1_j - x0_i|^2: rows are targets so that row j's choice is source_of_target[j].
  const auto full_cost = [&] { return torch::cdist(b, a).pow(2); };
  if (method == OtMethod::exact) {
    const std::vector<int64_t> source = solve_assignment(full_cost());
    return torch::tensor(source, torch::dtype(torch::kInt64)).to(x1.device());
  }
  if (method == OtMethod::chunked_exact) {
    if (options.exact_max_batch < 1) throw std::invalid_argument("pair_by_optimal_transport: exact_max_batch must be >= 1");
    // Random chunks of the data; the noise rows are i.i.d., so contiguous noise chunks are as good as
    // random ones. Target order[k] of chunk c gets source c_start + its assignment within the chunk.
    const torch::Tensor order = torch::randperm(n, generator, torch::TensorOptions().dtype(torch::kInt64).device(x1.device()));
    const torch::Tensor order_cpu = order.to(torch::kCPU);
    const auto ord = order_cpu.accessor<int64_t, 1>();
    std::vector<int64_t> source(static_cast<size_t>(n));
    const int64_t chunks = (n + options.exact_max_batch - 1) / options.exact_max_batch;
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t begin = c * n / chunks, end = (c + 1) * n / chunks;
      const torch::Tensor targets = order.narrow(0, begin, end - begin);
      const torch::Tensor chunk_cost = torch::cdist(b.index_select(0, targets), a.narrow(0, begin, end - begin)).pow(2);
      const std::vector<int64_t> assignment = solve_assignment(chunk_cost);
      for (int64_t k = 0; k < end - begin; ++k) source[static_cast<size_t>(ord[begin + k])] = begin + assignment[k];
    }
    return torch::tensor(source, torch::dtype(torch::kInt64)).to(x1.device());
  }
  const torch::Tensor cost = full_cost();
  const double mean_cost = cost.mean().item<double>();
  const double epsilon = options.sinkhorn_regularization * (mean_cost > 0.0 ? mean_cost : 1.0);
  const torch::Tensor plan = sinkhorn_plan(cost, epsilon, options.sinkhorn_max_iterations,
                                           options.sinkhorn_tolerance);
  // Row j of the plan (over sources) is proportional to the conditional of the source given target j.
  return torch::multinomial(plan, 1, /*replacement=*/true, generator).squeeze(1);
}

}  // namespace grl::generative
