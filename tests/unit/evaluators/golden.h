// Loads tests/data/evaluators/*.json (run from the repository root, see tests/CMakeLists.txt).
#pragma once
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace slime::eval::test {

inline nlohmann::json load_golden(const std::string& name) {
  const std::string path = std::string(SLIME_SOURCE_DIR) + "/tests/data/evaluators/" + name;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open golden file " + path);
  return nlohmann::json::parse(f);
}

}  // namespace slime::eval::test
