#include "base/progress.h"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace moderated::base {

Progress::Progress(std::FILE* stream)
    : stream_(stream),
      enabled_(::isatty(::fileno(stream)) == 1),
      start_(std::chrono::steady_clock::now()) {}

void Progress::Line(std::string_view text) {
  if (!enabled_) return;
  std::fprintf(stream_, "[%6.1fs] %.*s\n", Seconds(), static_cast<int>(text.size()), text.data());
  std::fflush(stream_);
}

void Progress::Bar(std::string_view label, int64_t done, int64_t total) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const double f =
      total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1;
  const int filled = static_cast<int>(f * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stream_, "\r%.*s [%s] %3d%% %lld/%lld", static_cast<int>(label.size()), label.data(),
               bar.c_str(), static_cast<int>(f * 100), static_cast<long long>(done),
               static_cast<long long>(total));
  std::fflush(stream_);
  bar_drawn_ = true;
}

void Progress::EndBar() {
  if (!enabled_ || !bar_drawn_) return;
  std::fputc('\n', stream_);
  bar_drawn_ = false;
}

double Progress::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace moderated::base
