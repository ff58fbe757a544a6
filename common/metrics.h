// Metrics as JSON Lines: one object per line, appended and flushed as they come, so a crashed
// run keeps everything it logged and `tail -f` / pandas.read_json(lines=True) both work.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
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

}  // namespace grl
