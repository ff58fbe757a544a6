// The one exception type of the dataset layer: its message names the file, the key and what was expected.
#pragma once

#include <stdexcept>

namespace grl::datasets {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace grl::datasets
