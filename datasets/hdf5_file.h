// A thin layer over HDF5's C API for the dataset readers and writers: owned handles, arrays read in
// their stored type into tensors, tensors written with chunking and compression, scalar strings and
// numbers, and errors turned into DatasetError messages that name the file and key.
//
// HDF5 prints its own error stack to stderr on every failed call by default; opening a file through
// this layer switches that off for the process and puts HDF5's innermost reason into our message.
// Debian's serial HDF5 is not thread-safe: use these functions from one thread at a time.
#pragma once

#include <hdf5.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace grl::datasets::hdf5 {

// An owned HDF5 identifier, closed with the matching H5?close on destruction.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      close_ = other.close_;
      other.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports failure (closing a file flushes it, so a full disk shows here).
  herr_t close();
  void reset();

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Switches off HDF5's automatic error printing (idempotent; every function here calls it).
void silence_errors();
// HDF5's innermost error description on the current error stack ("truncated file: eof = ..."), then
// clears the stack; empty when there is none.
std::string take_error_detail();

// Opens an existing file read-only. Throws DatasetError for a missing file, a file that is not HDF5
// (the signature is checked first) and a truncated or unreadable one.
Handle open_file_readonly(const std::filesystem::path& path);
// Creates (truncating) a file for writing.
Handle create_file(const std::filesystem::path& path);

bool exists(hid_t location, const std::string& path);  // a link exists at every level of `path`
bool is_dataset(hid_t location, const std::string& path);
bool is_group(hid_t location, const std::string& path);
// Paths of every dataset under `location`, depth first in name order ("infos/qpos", "observations").
std::vector<std::string> list_datasets(hid_t location);
// Names of the direct children of a group.
std::vector<std::string> list_children(hid_t location, const std::string& group = ".");

// The shape of a dataset (empty for a scalar).
std::vector<std::int64_t> shape_of(hid_t location, const std::string& path, const std::string& file_label);
// The stored element type in words: "float32", "float64", "bool", "uint8", "int64", "string".
std::string stored_type_name(hid_t location, const std::string& path, const std::string& file_label);

// Reads a numeric or boolean dataset into a CPU tensor of the stored type: float32 -> kFloat,
// float64 -> kDouble, h5py's bool enum -> kBool, signed/unsigned integers -> the matching or next
// wider signed type (uint16 -> kInt, uint32/uint64 -> kLong). Throws DatasetError naming
// `file_label` and `path` for a string, compound or other unsupported type, or a failed read.
torch::Tensor read_tensor(hid_t location, const std::string& path, const std::string& file_label);

// A scalar dataset's value: a string (fixed or variable length), an integer, a float or a bool.
using Scalar = std::variant<std::string, std::int64_t, double, bool>;
Scalar read_scalar(hid_t location, const std::string& path, const std::string& file_label);
bool is_scalar_dataset(hid_t location, const std::string& path);
bool is_string_dataset(hid_t location, const std::string& path);

// Reads an attribute of an object as an integer, a float or a string (for Minari's episode groups).
std::optional<Scalar> read_attribute(hid_t location, const std::string& object, const std::string& name);

struct WriteOptions {
  int gzip_level = 4;          // 0 = no compression (then no chunking either)
  bool shuffle = true;         // byte shuffle before gzip: floats compress much better
  std::int64_t chunk_bytes = 1 << 20;  // target chunk size; a chunk holds whole rows
};

// Writes a CPU or CUDA tensor as a dataset at `path` (intermediate groups are created) with a
// file type matching its dtype; bool tensors use h5py's enum so that h5py reads them as numpy bool.
// A 0-d tensor becomes a scalar dataset.
void write_tensor(hid_t location, const std::string& path, const torch::Tensor& tensor, const WriteOptions& options,
                  const std::string& file_label);
// Scalar datasets as h5py writes them: strings variable-length UTF-8, int64, float64, bool enum.
void write_scalar(hid_t location, const std::string& path, const Scalar& value, const std::string& file_label);
void write_attribute(hid_t location, const std::string& object, const std::string& name, const Scalar& value,
                     const std::string& file_label);

}  // namespace grl::datasets::hdf5
