#include "common/metrics.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
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
