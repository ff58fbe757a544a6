// Where the first NaN or inf of an array is, found in one pass without temporaries (torch::isfinite
// on a 1M x 17 array costs half a second; this loop a few tens of milliseconds).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

namespace grl::datasets {

struct NonFinite {
  std::int64_t row;
  std::int64_t column;  // index within the row (0 for 1-D arrays)
  double value;
};

// The first non-finite element in row-major order of a floating tensor (any device); nullopt when
// all are finite or the tensor is not floating point.
std::optional<NonFinite> first_non_finite(const torch::Tensor& values);

// Throws DatasetError "<label>: key '<key>': row R[, column C] is NaN|+inf|-inf (the data must be
// finite)" at the first non-finite element.
void require_finite(const torch::Tensor& values, const std::string& label, const std::string& key);

}  // namespace grl::datasets
