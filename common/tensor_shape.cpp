#include "common/tensor_shape.h"

namespace grl {

std::string shape_of(const torch::Tensor& tensor) {
  if (!tensor.defined()) return "(undefined)";
  std::string text = "[";
  for (int64_t d = 0; d < tensor.dim(); ++d) text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + "]";
}

std::string numpy_shape_of(const torch::Tensor& tensor) {
  if (!tensor.defined()) return "(undefined)";
  std::string text = "(";
  for (int64_t d = 0; d < tensor.dim(); ++d) text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + (tensor.dim() == 1 ? ",)" : ")");
}

}  // namespace grl
