// Progress of a long loop: a live bar with rate and ETA on a terminal, plain periodic lines in logs.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace grl {

struct ProgressOptions {
  bool terminal = false;             // redraw one line in place ('\r'); else print whole lines
  double line_interval_s = 10.0;     // without a terminal: at most one line per interval...
  double redraw_interval_s = 0.1;    // ...with a terminal: at most one redraw per interval
  int bar_width = 28;
  std::function<double()> clock;    // seconds; steady_clock when empty (tests inject their own)
};

// Options for std::cerr: terminal mode only when stderr is a TTY and TERM is not "dumb".
ProgressOptions progress_options_for_stderr();

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total, std::ostream& out, ProgressOptions options);
  ProgressBar(std::string label, std::int64_t total);  // to std::cerr
  ~ProgressBar();

  void advance(std::int64_t steps = 1);
  // Short text shown after the counters, e.g. "loss=0.031".
  void set_status(std::string status);
  // Prints the final state once (idempotent); the destructor calls it.
  void finish();

  std::int64_t done() const { return done_; }

 private:
  void draw(bool final_line);
  double now() const;

  std::string label_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  std::ostream& out_;
  ProgressOptions options_;
  std::string status_;
  double start_;
  double last_draw_;
  bool finished_ = false;
};

// "1:02:03" or "4:05"; "--:--" for a non-finite or negative duration.
std::string format_duration(double seconds);

}  // namespace grl
