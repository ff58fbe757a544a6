#include "datasets/d4rl_file.h"
#include "common/tensor_shape.h"

#include <cmath>
#include <sstream>

#include "common/atomic_file.h"
#include "datasets/dataset_error.h"
#include "datasets/action_range.h"
#include "datasets/finite_check.h"
#include "datasets/hdf5_file.h"

namespace grl::datasets {

namespace {

const char* const kRequiredKeys[] = {"observations", "actions", "rewards", "terminals"};

// (N,) or (N, 1): a per-row scalar.
void check_per_row(const torch::Tensor& t, const std::string& label, const std::string& key, int64_t rows) {
  const bool ok = (t.dim() == 1) || (t.dim() == 2 && t.size(1) == 1);
  if (!ok) fail_key(label, key, "has shape " + numpy_shape_of(t) + ", expected (N,) or (N, 1)");
  if (t.size(0) != rows)
    fail_key(label, key, "has " + std::to_string(t.size(0)) + " rows but 'observations' has " + std::to_string(rows));
}

void check_floating(const torch::Tensor& t, const std::string& label, const std::string& key) {
  if (!t.is_floating_point()) fail_key(label, key, "holds " + dtype_name(t) + " values, expected float32 or float64");
}

std::string key_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "nothing" : out;
}

}  // namespace

std::string dtype_name(const torch::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    case torch::kBool: return "bool";
    case torch::kByte: return "uint8";
    case torch::kChar: return "int8";
    case torch::kShort: return "int16";
    case torch::kInt: return "int32";
    case torch::kLong: return "int64";
    default: return c10::toString(tensor.scalar_type());
  }
}

void validate_d4rl_file(const D4rlFile& file, const std::string& label, const envs::EnvSpec* env, bool finite) {
  const std::pair<const char*, const torch::Tensor*> required[] = {
      {"observations", &file.observations}, {"actions", &file.actions}, {"rewards", &file.rewards}, {"terminals", &file.terminals}};
  for (const auto& [key, tensor] : required)
    if (!tensor->defined()) fail_key(label, key, "required key is missing");
  if (file.observations.dim() != 2) fail_key(label, "observations", "has shape " + numpy_shape_of(file.observations) + ", expected (N, obs_dim)");
  const int64_t rows = file.observations.size(0);
  if (rows == 0) fail_key(label, "observations", "has no rows");
  if (file.actions.dim() != 2) fail_key(label, "actions", "has shape " + numpy_shape_of(file.actions) + ", expected (N, act_dim)");
  if (file.actions.size(0) != rows)
    fail_key(label, "actions", "has " + std::to_string(file.actions.size(0)) + " rows but 'observations' has " + std::to_string(rows));
  check_per_row(file.rewards, label, "rewards", rows);
  check_per_row(file.terminals, label, "terminals", rows);
  if (file.timeouts) check_per_row(*file.timeouts, label, "timeouts", rows);
  if (file.next_observations && file.next_observations->sizes() != file.observations.sizes())
    fail_key(label, "next_observations",
         "has shape " + numpy_shape_of(*file.next_observations) + " but 'observations' has " + numpy_shape_of(file.observations));
  for (const auto& [key, info] : file.infos)
    if (info.dim() >= 1 && info.size(0) != rows)
      fail_key(label, "infos/" + key, "has " + std::to_string(info.size(0)) + " rows but 'observations' has " + std::to_string(rows));
  check_floating(file.observations, label, "observations");
  check_floating(file.actions, label, "actions");
  check_floating(file.rewards, label, "rewards");
  if (file.next_observations) check_floating(*file.next_observations, label, "next_observations");
  if (env) {
    if (file.observations.size(1) != env->obs_dim)
      fail_key(label, "observations", "has " + std::to_string(file.observations.size(1)) + " columns but " + env->id +
                                      " observations have " + std::to_string(env->obs_dim));
    if (file.actions.size(1) != env->act_dim)
      fail_key(label, "actions", "has " + std::to_string(file.actions.size(1)) + " columns but " + env->id + " actions have " +
                                 std::to_string(env->act_dim));
    require_actions_in_range(file.actions, *env, label);
  }
  if (finite) {
    require_finite(file.observations, label, "observations");
    require_finite(file.actions, label, "actions");
    require_finite(file.rewards, label, "rewards");
    if (file.next_observations) require_finite(*file.next_observations, label, "next_observations");
  }
}

D4rlFile read_d4rl_file(const std::filesystem::path& path, const D4rlReadOptions& options) {
  const std::string label = path.string();
  hdf5::Handle handle = hdf5::open_file_readonly(path);
  const hid_t h5 = handle.get();
  const auto keys = hdf5::list_datasets(h5);
  for (const char* key : kRequiredKeys) {
    if (!hdf5::is_dataset(h5, key)) {
      std::vector<std::string> top;
      for (const auto& k : keys)
        if (k.find('/') == std::string::npos) top.push_back(k);
      throw DatasetError(label + ": required key '" + std::string(key) +
                         "' is missing (a D4RL file holds observations, actions, rewards, terminals and optionally "
                         "timeouts, next_observations, infos/*, metadata/*; this file has " + key_list(top) + ")");
    }
  }

  D4rlFile file;
  for (const auto& key : keys) {
    auto skip_strings = [&](const std::string& shown) {
      if (!hdf5::is_string_dataset(h5, key)) return false;
      file.skipped.push_back(shown + ": an array of strings");
      return true;
    };
    if (key == "observations") file.observations = hdf5::read_tensor(h5, key, label);
    else if (key == "actions") file.actions = hdf5::read_tensor(h5, key, label);
    else if (key == "rewards") file.rewards = hdf5::read_tensor(h5, key, label);
    else if (key == "terminals") file.terminals = hdf5::read_tensor(h5, key, label);
    else if (key == "next_observations") file.next_observations = hdf5::read_tensor(h5, key, label);
    else if (key == "timeouts") file.timeouts = hdf5::read_tensor(h5, key, label);
    else if (key.rfind("infos/", 0) == 0) {
      if (options.infos && !skip_strings(key)) file.infos[key.substr(6)] = hdf5::read_tensor(h5, key, label);
    } else if (key.rfind("metadata/", 0) == 0) {
      if (!options.metadata) continue;
      const std::string name = key.substr(9);
      if (hdf5::is_scalar_dataset(h5, key)) {
        std::visit([&](const auto& value) { file.metadata[name] = value; }, hdf5::read_scalar(h5, key, label));
      } else if (!skip_strings(key)) {
        file.metadata[name] = hdf5::read_tensor(h5, key, label);
      }
    } else if (options.other_arrays && !skip_strings(key)) {
      file.other_arrays[key] = hdf5::read_tensor(h5, key, label);
    }
  }
  validate_d4rl_file(file, label, nullptr, options.check_finite);
  return file;
}

void write_d4rl_file(const std::filesystem::path& path, const D4rlFile& file, const D4rlWriteOptions& options) {
  validate_d4rl_file(file, path.string() + " (being written)", nullptr, false);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const auto temporary = temporary_path_for(path);
  const std::string label = temporary.string();
  hdf5::WriteOptions arrays;
  arrays.gzip_level = options.gzip_level;
  arrays.shuffle = options.shuffle;
  hdf5::WriteOptions small = arrays;
  small.gzip_level = 0;  // policy weights and scalars: compression buys nothing
  try {
    {
      hdf5::Handle h5 = hdf5::create_file(temporary);
      auto write = [&](const std::string& key, const torch::Tensor& t) { hdf5::write_tensor(h5.get(), key, t, arrays, label); };
      write("observations", file.observations);
      write("actions", file.actions);
      write("rewards", file.rewards);
      write("terminals", file.terminals);
      if (file.next_observations) write("next_observations", *file.next_observations);
      if (file.timeouts) write("timeouts", *file.timeouts);
      for (const auto& [key, t] : file.infos) write("infos/" + key, t);
      for (const auto& [key, t] : file.other_arrays) write(key, t);
      for (const auto& [key, value] : file.metadata) {
        const std::string full = "metadata/" + key;
        if (const auto* t = std::get_if<torch::Tensor>(&value)) {
          hdf5::write_tensor(h5.get(), full, *t, small, label);
        } else {
          std::visit(
              [&](const auto& v) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, torch::Tensor>)
                  hdf5::write_scalar(h5.get(), full, hdf5::Scalar(v), label);
              },
              value);
        }
      }
      if (h5.close() < 0) throw DatasetError(label + ": closing the file failed (disk full?)");
    }
    std::filesystem::rename(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace grl::datasets
