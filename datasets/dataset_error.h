// The one exception type of the dataset layer: its message names the file, the key and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace grl::datasets {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<label>: key '<key>': <what>", the shape of every dataset-layer message.
[[noreturn]] inline void fail_key(const std::string& label, const std::string& key, const std::string& what) {
  throw DatasetError(label + ": key '" + key + "': " + what);
}

}  // namespace grl::datasets
