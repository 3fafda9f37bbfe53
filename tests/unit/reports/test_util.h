// Helpers shared by the reports tests: fixture paths and scratch directories.
#pragma once
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace slime::reports::testing {

// Fixture runs written by tests/data/reports/make_fixtures.py (see SOURCE.md there).
inline const std::string kAblation = "tests/data/reports/ablation";
inline const std::string kKeepAll = kAblation + "/cells/keep_all";
inline const std::string kTopp090 = kAblation + "/cells/topp_090";
inline const std::string kTopp075 = kAblation + "/cells/topp_075";

// A fresh empty directory under the system temp folder, removed when the object goes away.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("slime-reports-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

}  // namespace slime::reports::testing
