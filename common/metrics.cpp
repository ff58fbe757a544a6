#include "common/metrics.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <stdexcept>

namespace grl {

namespace {
double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

MetricsWriter::MetricsWriter(const std::filesystem::path& path) : path_(path), opened_at_(seconds_now()) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  out_.open(path, std::ios::app);
  if (!out_) throw std::runtime_error(path.string() + ": cannot open metrics file for appending");
}

void MetricsWriter::write(const std::string& stage, std::int64_t step,
                          const std::vector<std::pair<std::string, double>>& values) {
  nlohmann::ordered_json line;
  line["stage"] = stage;
  line["step"] = step;
  line["wall_time"] = std::round((seconds_now() - opened_at_) * 1000.0) / 1000.0;
  for (const auto& [name, value] : values) {
    if (std::isfinite(value)) line[name] = value;
    else line[name] = nullptr;
  }
  out_ << line.dump() << "\n";
  out_.flush();
  if (!out_) throw std::runtime_error(path_.string() + ": cannot write metrics (disk full?)");
}

}  // namespace grl

namespace grl {

void restore_metrics_file(const std::filesystem::path& path, std::optional<std::uintmax_t> bytes_at_checkpoint) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error(path.string() + ": cannot read its size: " + ec.message());
  std::uintmax_t keep = bytes_at_checkpoint.value_or(0);
  if (!bytes_at_checkpoint && size > 0) {
    std::cerr << path.string() << ": cutting the " << size
              << " bytes logged by the attempt that ended before its first checkpoint\n";
  }
  if (size < keep) {
    // Lines were lost after the checkpoint was written (a copy or an editor cut the file): keep
    // the complete lines, so that the resumed run never appends to half a line.
    const std::string text = read_file(path);
    const auto last_newline = text.rfind('\n');
    keep = last_newline == std::string::npos ? 0 : last_newline + 1;
    std::cerr << "warning: " << path.string() << " has " << size << " bytes, the checkpoint was written when it had "
              << *bytes_at_checkpoint << ": lines are missing; the resumed run continues after its last complete line\n";
  }
  if (size != keep) {
    std::filesystem::resize_file(path, keep, ec);
    if (ec) throw std::runtime_error(path.string() + ": cannot cut to " + std::to_string(keep) + " bytes: " + ec.message());
  }
}

}  // namespace grl
