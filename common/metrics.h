// Metrics as JSON Lines: one object per line, appended and flushed as they come, so a crashed
// run keeps everything it logged and `tail -f` / pandas.read_json(lines=True) both work.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grl {

class MetricsWriter {
 public:
  // Appends to `path` (creating it): a resumed run continues the same file.
  explicit MetricsWriter(const std::filesystem::path& path);

  // {"stage": stage, "step": step, "wall_time": seconds since the writer opened, name: value, ...}
  // Non-finite values are written as null (JSON has no NaN).
  void write(const std::string& stage, std::int64_t step,
             const std::vector<std::pair<std::string, double>>& values);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  double opened_at_;
};

// Makes a run's metrics file hold exactly what was logged up to the checkpoint a resume starts
// from, so that the resumed run logs each step once. `bytes_at_checkpoint` is the file's size when
// that checkpoint was written; nullopt means there is no checkpoint and the run starts over, so
// the lines of the attempt that died before its first checkpoint are cut. A file shorter than the
// checkpoint says (lost lines) is cut after its last complete line, with a warning on stderr.
void restore_metrics_file(const std::filesystem::path& path, std::optional<std::uintmax_t> bytes_at_checkpoint);

}  // namespace grl
