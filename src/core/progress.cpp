#include "icma/core/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace icma {
namespace {

using Clock = std::chrono::steady_clock;

// Terminals get a redraw ten times a second; logs a line every ten seconds.
constexpr auto kTerminalInterval = std::chrono::milliseconds(100);
constexpr auto kLogInterval = std::chrono::seconds(10);

}  // namespace

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      on_terminal_(isatty(STDERR_FILENO) == 1 && spdlog::should_log(spdlog::level::info)),
      start_(Clock::now()),
      last_report_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::size_t count) {
  const std::size_t done = done_.fetch_add(count) + count;
  const auto interval = on_terminal_ ? std::chrono::duration_cast<Clock::duration>(kTerminalInterval)
                                     : std::chrono::duration_cast<Clock::duration>(kLogInterval);
  if (Clock::now() - last_report_ < interval) return;
  std::unique_lock<std::mutex> lock(report_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;  // another thread is drawing
  report(done, false);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(report_mutex_);
  if (finished_) return;
  finished_ = true;
  // Only a bar that was drawn needs closing; short loops stay silent.
  if (on_terminal_ && last_report_ != start_) report(done_.load(), true);
}

void Progress::report(std::size_t done, bool final_report) {
  last_report_ = Clock::now();
  const double seconds = std::chrono::duration<double>(last_report_ - start_).count();
  const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  // Slow loops (training steps) read better as seconds per item, with what is left.
  char speed[64];
  if (rate >= 1.0 || done == 0) {
    std::snprintf(speed, sizeof speed, "%.0f/s", rate);
  } else {
    const double remaining = static_cast<double>(total_ - std::min(done, total_)) / rate;
    std::snprintf(speed, sizeof speed, "%.1f s each, %.0f s left", 1.0 / rate, remaining);
  }
  if (on_terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %zu/%zu (%s)%s", label_.c_str(), bar.c_str(), done, total_, speed,
                 final_report ? "\n" : "");
    std::fflush(stderr);
  } else {
    spdlog::info("{}: {}/{} ({:.1f}%, {})", label_, done, total_, 100.0 * fraction, speed);
  }
}

}  // namespace icma
