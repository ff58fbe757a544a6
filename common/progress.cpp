#include "common/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace grl {

ProgressOptions progress_options_for_stderr() {
  ProgressOptions options;
  const char* term = std::getenv("TERM");
  options.terminal = ::isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
  return options;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long total = std::lround(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char text[32];
  if (h > 0) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", h, m, s);
  else std::snprintf(text, sizeof text, "%ld:%02ld", m, s);
  return text;
}

ProgressBar::ProgressBar(std::string label, std::int64_t total, std::ostream& out, ProgressOptions options)
    : label_(std::move(label)), total_(total), out_(out), options_(std::move(options)) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
  }
  start_ = now();
  last_draw_ = start_;
  if (options_.terminal) draw(false);
}

ProgressBar::ProgressBar(std::string label, std::int64_t total)
    : ProgressBar(std::move(label), total, std::cerr, progress_options_for_stderr()) {}

ProgressBar::~ProgressBar() { finish(); }

double ProgressBar::now() const { return options_.clock(); }

void ProgressBar::advance(std::int64_t steps) {
  done_ += steps;
  const double t = now();
  const double interval = options_.terminal ? options_.redraw_interval_s : options_.line_interval_s;
  if (t - last_draw_ >= interval) {
    last_draw_ = t;
    draw(false);
  }
}

void ProgressBar::set_status(std::string status) { status_ = std::move(status); }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final_line) {
  const double elapsed = now() - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / total_) : 0.0;
  const double eta = rate > 0 && total_ > 0 ? static_cast<double>(total_ - done_) / rate : NAN;

  std::ostringstream line;
  line << label_ << " " << std::setw(3) << static_cast<int>(fraction * 100) << "% ";
  if (options_.terminal) {
    const int filled = static_cast<int>(fraction * options_.bar_width);
    line << "|" << std::string(filled, '#') << std::string(options_.bar_width - filled, ' ') << "| ";
  }
  line << done_ << "/" << total_ << " [" << format_duration(elapsed);
  if (final_line) {
    line << ", ";
  } else {
    line << " < " << format_duration(eta) << ", ";
  }
  line << std::fixed << std::setprecision(rate >= 100 ? 0 : rate >= 10 ? 1 : 2) << rate << " it/s]";
  if (!status_.empty()) line << " " << status_;

  if (options_.terminal) {
    // Clear to end of line: the new text may be shorter than the old.
    out_ << "\r" << line.str() << "\033[K";
    if (final_line) out_ << "\n";
  } else {
    out_ << line.str() << "\n";
  }
  out_.flush();
}

}  // namespace grl
