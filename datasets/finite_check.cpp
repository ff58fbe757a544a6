#include "datasets/finite_check.h"

#include "datasets/dataset_error.h"

#include <cmath>

namespace grl::datasets {

namespace {

template <class T>
std::int64_t first_bad(const T* data, std::int64_t n) {
  // Blocks without branches inside, so the compiler vectorises the scan; the exact spot is found
  // only in the block that has a bad value.
  constexpr std::int64_t kBlock = 4096;
  for (std::int64_t start = 0; start < n; start += kBlock) {
    const std::int64_t end = std::min(n, start + kBlock);
    bool bad = false;
    for (std::int64_t i = start; i < end; ++i) bad |= !std::isfinite(data[i]);
    if (bad)
      for (std::int64_t i = start; i < end; ++i)
        if (!std::isfinite(data[i])) return i;
  }
  return -1;
}

}  // namespace

std::optional<NonFinite> first_non_finite(const torch::Tensor& values) {
  if (!values.defined() || !values.is_floating_point() || values.numel() == 0) return std::nullopt;
  auto cpu = values.to(torch::kCPU).contiguous();
  if (cpu.scalar_type() != torch::kFloat && cpu.scalar_type() != torch::kDouble) cpu = cpu.to(torch::kFloat);
  const std::int64_t n = cpu.numel();
  const std::int64_t index =
      cpu.scalar_type() == torch::kFloat ? first_bad(cpu.data_ptr<float>(), n) : first_bad(cpu.data_ptr<double>(), n);
  if (index < 0) return std::nullopt;
  const std::int64_t width = cpu.dim() == 0 ? 1 : n / std::max<std::int64_t>(cpu.size(0), 1);
  const double value = cpu.scalar_type() == torch::kFloat ? cpu.data_ptr<float>()[index] : cpu.data_ptr<double>()[index];
  return NonFinite{index / width, index % width, value};
}

void require_finite(const torch::Tensor& values, const std::string& label, const std::string& key) {
  const auto bad = first_non_finite(values);
  if (!bad) return;
  const std::string where =
      "row " + std::to_string(bad->row) + (values.dim() > 1 ? ", column " + std::to_string(bad->column) : "");
  fail_key(label, key, where + " is " + (std::isnan(bad->value) ? "NaN" : (bad->value > 0 ? "+inf" : "-inf")) +
                           " (the data must be finite)");
}

}  // namespace grl::datasets
