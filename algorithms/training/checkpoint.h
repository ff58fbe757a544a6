// One checkpoint file holds everything needed to resume or to act: module weights and buffers,
// optimiser states, RNG states, counters and the resolved config. It is written to a temporary file
// and renamed, so a crash or a full disk during a save leaves the previous checkpoint intact, and it
// ends with the SHA-256 of its contents (common/checksummed_file.h), verified by every reader:
// resume, eval, the viewer, the harness and `grl collect` refuse a damaged file instead of acting
// with silently wrong weights.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace grl::training {

class CheckpointWriter {
 public:
  // Names are plain identifiers with '/' as separator ("critic/q1"); they become archive keys.
  void module(const std::string& name, const torch::nn::Module& module);
  void optimizer(const std::string& name, const torch::optim::Optimizer& optimizer);
  void tensor(const std::string& name, const torch::Tensor& tensor);
  void integer(const std::string& name, std::int64_t value);
  void real(const std::string& name, double value);
  void text(const std::string& name, const std::string& value);
  // The default CPU generator (and every CUDA device's, when present).
  void global_rng_states();

  void save(const std::filesystem::path& path);

 private:
  void check_new(const std::string& name);
  torch::serialize::OutputArchive archive_;
  std::vector<std::string> names_;
};

class CheckpointReader {
 public:
  // Throws naming the file when it is missing, damaged (checksum mismatch) or not a checkpoint. A
  // file written before checksums existed is read with a one-time warning.
  explicit CheckpointReader(const std::filesystem::path& path);

  bool has(const std::string& name) const;
  // Each getter throws naming the file and the entry when it is missing or does not fit.
  void module(const std::string& name, torch::nn::Module& module) const;
  void optimizer(const std::string& name, torch::optim::Optimizer& optimizer) const;
  torch::Tensor tensor(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  std::string text(const std::string& name) const;
  void global_rng_states() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string& name, const std::string& why) const;
  std::filesystem::path path_;
  std::string bytes_;  // the file, kept alive for the archive that reads from it
  mutable torch::serialize::InputArchive archive_;
  std::vector<std::string> names_;
};

}  // namespace grl::training
