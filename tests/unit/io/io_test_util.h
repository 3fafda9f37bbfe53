// Shared helpers of the io tests: a per-test temporary directory, raw file writing (to build
// malformed files byte by byte) and an error matcher.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "engine/common/error.h"

namespace slime::io::test {

namespace fs = std::filesystem;

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "slime_io_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string u64le(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

// A safetensors file with the given header text (not padded) followed by `data_bytes` bytes.
inline void write_safetensors_raw(const std::string& path, const std::string& header, size_t data_bytes) {
  write_bytes(path, u64le(header.size()) + header + std::string(data_bytes, '\x01'));
}

// Runs F, expects slime::Error with CODE and a message containing every needle.
inline void expect_error(const std::function<void()>& f, ErrorCode code,
                         std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "no slime::Error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << error_code_name(e.code()) << ": " << e.what();
    for (const auto& needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message lacks '" << needle << "': " << e.what();
  }
}

}  // namespace slime::io::test
