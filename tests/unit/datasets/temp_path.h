// A per-process temporary path, so that concurrent test runs (several build dirs, ctest -j) do
// not share files.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace slime::data::testing {

inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
}

}  // namespace slime::data::testing
