// Helpers shared by the image tests: golden JSON loading, row CRC-32 (zlib's polynomial, as the
// generator's zlib.crc32) and a first-difference report for RGB8 images.
#pragma once
#include <array>
#include <cstdint>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/image/decode.h"

namespace slime::test {

inline const std::string kImageData = std::string(SLIME_SOURCE_DIR) + "/tests/data/image/";

inline nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

inline uint32_t crc32(const uint8_t* data, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// "" when equal, else where and how they first differ.
inline std::string first_difference(const image::RgbImage& got, const image::RgbImage& want) {
  if (got.width != want.width || got.height != want.height)
    return fmt::format("size {}x{} != expected {}x{}", got.width, got.height, want.width, want.height);
  for (int y = 0; y < got.height; ++y)
    for (int x = 0; x < got.width; ++x)
      for (int c = 0; c < 3; ++c) {
        int a = got.row(y)[x * 3 + c], b = want.row(y)[x * 3 + c];
        if (a != b)
          return fmt::format("first difference at x={} y={} channel {}: got {}, expected {}", x, y, c, a, b);
      }
  return "";
}

// "" when every row's CRC matches, else the first differing row.
inline std::string first_row_mismatch(const image::RgbImage& got, const nlohmann::json& crcs) {
  if (size_t(got.height) != crcs.size())
    return fmt::format("height {} != expected {}", got.height, crcs.size());
  for (int y = 0; y < got.height; ++y)
    if (crc32(got.row(y), size_t(got.width) * 3) != crcs[y].get<uint32_t>())
      return fmt::format("row {} differs (CRC-32 {:08x}, expected {:08x})", y, crc32(got.row(y), size_t(got.width) * 3),
                         crcs[y].get<uint32_t>());
  return "";
}

}  // namespace slime::test
