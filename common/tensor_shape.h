// A tensor's shape as text for error messages, in LibTorch's "[2, 3]" form or numpy's "(2, 3)" form
// (the dataset layer speaks of HDF5 arrays, whose users know shapes like "(1000000,)").
#pragma once

#include <torch/types.h>

#include <string>

namespace grl {

// "[2, 3]"; "(undefined)" for an undefined tensor.
std::string shape_of(const torch::Tensor& tensor);
// "(2, 3)", "(5,)" for one dimension; "(undefined)" for an undefined tensor.
std::string numpy_shape_of(const torch::Tensor& tensor);

}  // namespace grl
