// base/progress.h
//
// Progress: what a long command-line job tells the person watching it, and
// only when someone is watching (the stream is a terminal); in scripts and
// logs it stays silent. Two shapes:
//   Line("read sms: 5574 examples")  → "[   1.2s] read sms: 5574 examples\n"
//   Bar("backtest", 450, 1000)        → "\rbacktest [#############.................]  45% 450/1000"
//
// Thread-safety: one thread uses a Progress.
#ifndef MODERATED_BASE_PROGRESS_H_
#define MODERATED_BASE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace moderated::base {

class Progress {
 public:
  // Writes to `stream` (stdout, stderr) if it is a terminal.
  explicit Progress(std::FILE* stream);

  bool enabled() const { return enabled_; }

  // One line, prefixed with the seconds since construction.
  void Line(std::string_view text);

  // Redraws a 30-character bar on the current line. Finish with EndBar().
  void Bar(std::string_view label, int64_t done, int64_t total);
  // Ends the bar's line (if one was drawn).
  void EndBar();

  // Seconds since construction.
  double Seconds() const;

 private:
  std::FILE* stream_;
  bool enabled_;
  bool bar_drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace moderated::base

#endif  // MODERATED_BASE_PROGRESS_H_
