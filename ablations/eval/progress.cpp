#include "ablations/eval/progress.h"

#include <cmath>

#include <fmt/format.h>

namespace slime::suite {

// Redraw interval: fast enough to look live, slow enough not to flood a slow terminal.
constexpr double kRedrawSeconds = 0.25;

Progress::Progress(bool enabled, std::string label, int64_t total, int64_t already, std::FILE* out)
    : enabled_(enabled), label_(std::move(label)), total_(total), already_(already), out_(out),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {
  if (enabled_) draw(false);
}

std::string Progress::format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void Progress::advance(int64_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_draw_).count() >= kRedrawSeconds) draw(false);
}

void Progress::finish() {
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  const auto now = std::chrono::steady_clock::now();
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const int64_t left = total_ - already_ - done_;
  const double eta = rate > 0 ? static_cast<double>(left) / rate : -1.0;
  std::string line = fmt::format("{}  {}/{}", label_, already_ + done_, total_);
  if (already_ > 0) line += fmt::format(" ({} resumed)", already_);
  line += fmt::format("  {:.2f} samples/s  ETA {}", rate, final ? "0:00" : format_eta(eta));
  fmt::print(out_, "\r{}\033[K{}", line, final ? "\n" : "");
  std::fflush(out_);
}

}  // namespace slime::suite
