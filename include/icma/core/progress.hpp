#pragma once
// Progress of a long loop: a bar redrawn in place when stderr is a terminal,
// otherwise an info log line every few seconds. Safe to advance from several
// threads.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace icma {

class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::size_t count = 1);
  // Draws the final state; called by the destructor if not called before.
  void finish();

 private:
  void report(std::size_t done, bool final_report);

  std::string label_;
  std::size_t total_;
  std::atomic<std::size_t> done_{0};
  bool on_terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_report_;
  std::mutex report_mutex_;
};

}  // namespace icma
