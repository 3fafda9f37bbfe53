#include "datasets/formats/base64.h"

#include <cstring>

namespace slime::data {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int quad = 0;  // data characters in the current group of 4
  int pads = 0;
  for (char c : text) {
    if (c == '=') {
      // Python: '=' ends the data once the group has at least 2 characters (a_2b2a_base64).
      if (quad < 2) continue;
      ++pads;
      if (quad + pads == 4) break;
      continue;
    }
    const int v = value_of(c);
    if (v < 0) continue;  // non-alphabet characters are discarded in non-validating mode
    pads = 0;  // CPython resets an incomplete padding run when data follows it
    acc = (acc << 6) | uint32_t(v);
    if (++quad == 4) {
      out.push_back(uint8_t(acc >> 16));
      out.push_back(uint8_t(acc >> 8));
      out.push_back(uint8_t(acc));
      acc = 0;
      quad = 0;
    }
  }
  if (quad == 0) return out;
  if (quad == 1) return std::nullopt;  // "number of data characters cannot be 1 more than a multiple of 4"
  if (quad + pads < 4) return std::nullopt;  // "Incorrect padding"
  if (quad == 2) {
    out.push_back(uint8_t(acc >> 4));
  } else {
    out.push_back(uint8_t(acc >> 10));
    out.push_back(uint8_t(acc >> 2));
  }
  return out;
}

std::string base64_encode(const std::vector<uint8_t>& bytes) {
  std::string s;
  s.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8) | bytes[i + 2];
    for (int k = 3; k >= 0; --k) s += kAlphabet[(v >> (6 * k)) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(bytes[i]) << 16;
    if (rest == 2) v |= uint32_t(bytes[i + 1]) << 8;
    s += kAlphabet[(v >> 18) & 63];
    s += kAlphabet[(v >> 12) & 63];
    s += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    s += '=';
  }
  return s;
}

bool looks_like_image(const std::vector<uint8_t>& b) {
  auto starts = [&](const char* magic, size_t n, size_t at = 0) {
    return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
  };
  return starts("\xFF\xD8\xFF", 3) || starts("\x89PNG\r\n\x1A\n", 8) || starts("GIF8", 4) ||
         starts("BM", 2) || (starts("RIFF", 4) && starts("WEBP", 4, 8)) ||
         starts("II*\0", 4) || starts("MM\0*", 4);
}

}  // namespace slime::data
