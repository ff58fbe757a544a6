#include "algorithms/training/checkpoint.h"
#include "common/tensor_shape.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <algorithm>
#include <iostream>
#include <mutex>
#include <sstream>

#include "common/checksummed_file.h"

namespace grl::training {

namespace {

// The archive stores its table of contents under this key so that `has` and error messages can
// list what a file holds without probing.
const char* kIndexKey = "grl_checkpoint_index";

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Archive keys may not contain '.', which LibTorch uses for nesting.
std::string key_of(const std::string& name) {
  std::string key = name;
  std::replace(key.begin(), key.end(), '/', '_');
  return "e_" + key;
}

// Module::load would silently resize a parameter whose shape differs (it uses Tensor::set_), so
// parameters and buffers are read one by one, checked, and copied into the existing tensors
// (which also keeps optimisers pointing at the same tensors).
void load_module_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  auto load_entries = [&](auto named, bool is_buffer) {
    for (auto& entry : named) {
      torch::Tensor stored;
      if (!archive.try_read(entry.key(), stored, is_buffer)) {
        throw std::runtime_error(std::string(is_buffer ? "buffer" : "parameter") + " '" + prefix + entry.key() +
                                 "' is not in the checkpoint");
      }
      torch::Tensor& target = entry.value();
      if (stored.sizes() != target.sizes()) {
        throw std::runtime_error(std::string(is_buffer ? "buffer" : "parameter") + " '" + prefix + entry.key() +
                                 "' has shape " + shape_of(stored) + " in the checkpoint but " + shape_of(target) +
                                 " in the module");
      }
      target.copy_(stored);
    }
  };
  load_entries(module.named_parameters(/*recurse=*/false), false);
  load_entries(module.named_buffers(/*recurse=*/false), true);
  for (auto& child : module.named_children()) {
    torch::serialize::InputArchive nested;
    if (!archive.try_read(child.key(), nested)) {
      throw std::runtime_error("submodule '" + prefix + child.key() + "' is not in the checkpoint");
    }
    load_module_checked(*child.value(), nested, prefix + child.key() + ".");
  }
}

void warn_unverified_once(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::vector<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::find(warned.begin(), warned.end(), path.string()) != warned.end()) return;
  warned.push_back(path.string());
  std::cerr << "warning: " << path.string() << " has no checksum (written by a grl older than checkpoint checksums); "
            << "its integrity cannot be verified\n";
}

at::Generator cpu_generator() { return at::globalContext().defaultGenerator(at::Device(at::kCPU)); }

}  // namespace

void CheckpointWriter::check_new(const std::string& name) {
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_/") != std::string::npos) {
    throw std::invalid_argument("checkpoint entry name '" + name + "': use lower-case letters, digits, '_' and '/'");
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::invalid_argument("checkpoint entry '" + name + "' written twice");
  }
  names_.push_back(name);
}

void CheckpointWriter::module(const std::string& name, const torch::nn::Module& module) {
  check_new(name);
  torch::serialize::OutputArchive nested;
  module.save(nested);
  archive_.write(key_of(name), nested);
}

void CheckpointWriter::optimizer(const std::string& name, const torch::optim::Optimizer& optimizer) {
  check_new(name);
  torch::serialize::OutputArchive nested;
  optimizer.save(nested);
  archive_.write(key_of(name), nested);
}

void CheckpointWriter::tensor(const std::string& name, const torch::Tensor& tensor) {
  check_new(name);
  archive_.write(key_of(name), tensor.detach().to(torch::kCPU));
}

void CheckpointWriter::integer(const std::string& name, std::int64_t value) {
  check_new(name);
  archive_.write(key_of(name), c10::IValue(value));
}

void CheckpointWriter::real(const std::string& name, double value) {
  check_new(name);
  archive_.write(key_of(name), c10::IValue(value));
}

void CheckpointWriter::text(const std::string& name, const std::string& value) {
  check_new(name);
  archive_.write(key_of(name), c10::IValue(value));
}

void CheckpointWriter::global_rng_states() {
  {
    auto gen = cpu_generator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    tensor("rng/cpu", gen.get_state());
  }
  const int cuda = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  integer("rng/cuda_devices", cuda);
  for (int i = 0; i < cuda; ++i) {
    auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    tensor("rng/cuda" + std::to_string(i), gen.get_state());
  }
}

void CheckpointWriter::save(const std::filesystem::path& path) {
  c10::List<std::string> index;
  for (const auto& n : names_) index.push_back(n);
  archive_.write(kIndexKey, c10::IValue(index));
  // Serialised in memory first: LibTorch's zip writer cannot report a full disk cleanly, and the
  // checksum needs the whole archive anyway.
  std::string bytes;
  archive_.save_to([&](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_checksummed_file(path, bytes);
}

CheckpointReader::CheckpointReader(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + ": checkpoint file not found");
  ChecksummedContents contents = read_checksummed_file(path);  // throws "<path>: damaged: ..."
  if (!contents.verified) {
    // Checkpoints written before checksums existed end with the zip archive's end record; anything
    // else without a trailer is not a checkpoint or lost its end.
    const std::string_view payload = contents.payload();
    const bool zip_end = payload.size() >= 22 && payload.substr(payload.size() - 22, 4) == std::string_view("PK\x05\x06", 4);
    if (!zip_end) {
      throw std::runtime_error(path.string() + ": not a GenerativeRL++ checkpoint (no checksum trailer and no zip end record: "
                               "not a checkpoint, or a truncated one)");
    }
    warn_unverified_once(path);
  }
  bytes_ = std::move(contents.bytes);
  try {
    archive_.load_from(bytes_.data(), contents.payload_size);
    c10::IValue index;
    if (!archive_.try_read(kIndexKey, index)) throw std::runtime_error("no index");
    for (const auto& entry : index.toListRef()) names_.push_back(entry.toStringRef());
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": not a GenerativeRL++ checkpoint (" + first_line(e.what()) + ")");
  }
}

void CheckpointReader::fail(const std::string& name, const std::string& why) const {
  throw std::runtime_error(path_.string() + ": checkpoint entry '" + name + "': " + why);
}

bool CheckpointReader::has(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

void CheckpointReader::module(const std::string& name, torch::nn::Module& module) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  try {
    torch::serialize::InputArchive nested;
    archive_.read(key_of(name), nested);
    load_module_checked(module, nested, "");
  } catch (const std::exception& e) {
    fail(name, "does not fit the module: " + first_line(e.what()));
  }
}

void CheckpointReader::optimizer(const std::string& name, torch::optim::Optimizer& optimizer) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  try {
    torch::serialize::InputArchive nested;
    archive_.read(key_of(name), nested);
    optimizer.load(nested);
  } catch (const std::exception& e) {
    fail(name, "does not fit the optimiser: " + first_line(e.what()));
  }
}

torch::Tensor CheckpointReader::tensor(const std::string& name) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  torch::Tensor t;
  try {
    archive_.read(key_of(name), t);
  } catch (const std::exception& e) {
    fail(name, "cannot be read as a tensor: " + first_line(e.what()));
  }
  return t;
}

namespace {
c10::IValue read_value(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  try {
    archive.read(key, value);
  } catch (const std::exception& e) {
    throw std::runtime_error(first_line(e.what()));
  }
  return value;
}
}  // namespace

std::int64_t CheckpointReader::integer(const std::string& name) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  c10::IValue v;
  try {
    v = read_value(archive_, key_of(name));
  } catch (const std::exception& e) {
    fail(name, std::string("cannot be read: ") + e.what());
  }
  if (!v.isInt()) fail(name, "expected an integer");
  return v.toInt();
}

double CheckpointReader::real(const std::string& name) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  c10::IValue v;
  try {
    v = read_value(archive_, key_of(name));
  } catch (const std::exception& e) {
    fail(name, std::string("cannot be read: ") + e.what());
  }
  if (!v.isDouble()) fail(name, "expected a number");
  return v.toDouble();
}

std::string CheckpointReader::text(const std::string& name) const {
  if (!has(name)) fail(name, "missing (the file holds: " + join(names_) + ")");
  c10::IValue v;
  try {
    v = read_value(archive_, key_of(name));
  } catch (const std::exception& e) {
    fail(name, std::string("cannot be read: ") + e.what());
  }
  if (!v.isString()) fail(name, "expected a string");
  return v.toStringRef();
}

void CheckpointReader::global_rng_states() const {
  {
    auto gen = cpu_generator();
    const torch::Tensor state = tensor("rng/cpu");
    std::lock_guard<std::mutex> lock(gen.mutex());
    try {
      gen.set_state(state);
    } catch (const std::exception& e) {
      fail("rng/cpu", "not a random generator state: " + first_line(e.what()));
    }
  }
  const auto saved_cuda = integer("rng/cuda_devices");
  const int cuda = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  for (int i = 0; i < std::min<int>(cuda, static_cast<int>(saved_cuda)); ++i) {
    auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
    const std::string name = "rng/cuda" + std::to_string(i);
    const torch::Tensor state = tensor(name);
    std::lock_guard<std::mutex> lock(gen.mutex());
    try {
      gen.set_state(state);
    } catch (const std::exception& e) {
      fail(name, "not a random generator state: " + first_line(e.what()));
    }
  }
}

}  // namespace grl::training
