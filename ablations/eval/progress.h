// Progress of one task on stderr: "hires_detail [shard 0/2]  37/200  2.4 samples/s  ETA 1:08",
// redrawn in place at most a few times per second. Silent unless enabled, so logs and pipes stay
// clean (the CLI enables it when stderr is a terminal, or with --progress).
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace slime::suite {

class Progress {
 public:
  // TOTAL: samples of the task in this run; ALREADY: those found done in the log (not counted in
  // the rate, which measures this process only).
  Progress(bool enabled, std::string label, int64_t total, int64_t already, std::FILE* out = stderr);
  void advance(int64_t n = 1);
  void finish();  // final line + newline

  // "1:05:09" / "1:08" / "--" (unknown).
  static std::string format_eta(double seconds);

 private:
  void draw(bool final);
  bool enabled_;
  std::string label_;
  int64_t total_, already_, done_ = 0;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace slime::suite
