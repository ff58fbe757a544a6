// The on-disk layout of one run:
//   runs/<name>/config.yaml      the fully resolved config (every field, defaults included)
//   runs/<name>/metrics.jsonl    metrics, one JSON object per line
//   runs/<name>/checkpoints/     checkpoints, each written atomically
#pragma once

#include <filesystem>
#include <string>

namespace grl {

class RunDirectory {
 public:
  // Creates <root>/<name>; refuses an existing run so that nothing is overwritten by accident
  // (resume an existing run instead, or pick another name).
  static RunDirectory create(const std::filesystem::path& root, const std::string& name);
  // Opens an existing run (for resuming or evaluating); it must hold config.yaml.
  static RunDirectory open(const std::filesystem::path& path);
  // A run folder whose owner decides what it holds (the benchmark's cells: a new cell's folder
  // already holds its log); created when missing, never refused.
  static RunDirectory at(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path config_path() const { return path_ / "config.yaml"; }
  std::filesystem::path metrics_path() const { return path_ / "metrics.jsonl"; }
  std::filesystem::path checkpoints_dir() const { return path_ / "checkpoints"; }

  void write_config(const std::string& resolved_yaml) const;

 private:
  explicit RunDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// "<prefix>-YYYYmmdd-HHMMSS" in local time: a default run name that sorts by start time.
std::string timestamped_run_name(const std::string& prefix);

}  // namespace grl
