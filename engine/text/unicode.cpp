#include "engine/text/unicode.h"

#include <array>

namespace slime::text {

namespace {
bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Byte length of the longest prefix of s[pos..] that can still begin a valid character
// (Unicode "maximal subpart"), at least 1. Used for Rust's lossy replacement.
size_t maximal_invalid_subpart(std::string_view s, size_t pos) {
  const auto c0 = static_cast<unsigned char>(s[pos]);
  const size_t n = s.size() - pos;
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  size_t need;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    need = 2;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    need = 3;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    need = 4;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  if (n < 2 || at(1) < lo || at(1) > hi) return 1;
  size_t i = 2;
  while (i < need && i < n && is_cont(at(i))) ++i;
  return i;  // i < need here, otherwise the character would have been valid
}
}  // namespace

size_t utf8_decode(std::string_view s, size_t pos, uint32_t& cp) {
  const size_t n = s.size() - pos;
  const auto c0 = static_cast<unsigned char>(s[pos]);
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  }
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (n < 2 || !is_cont(at(1))) return 0;
    cp = (uint32_t(c0 & 0x1F) << 6) | (at(1) & 0x3F);
    return 2;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (n < 3 || !is_cont(at(1)) || !is_cont(at(2))) return 0;
    cp = (uint32_t(c0 & 0x0F) << 12) | (uint32_t(at(1) & 0x3F) << 6) | (at(2) & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (n < 4 || !is_cont(at(1)) || !is_cont(at(2)) || !is_cont(at(3))) return 0;
    cp = (uint32_t(c0 & 0x07) << 18) | (uint32_t(at(1) & 0x3F) << 12) |
         (uint32_t(at(2) & 0x3F) << 6) | (at(3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf8_find_invalid(std::string_view s) {
  size_t pos = 0;
  uint32_t cp;
  while (pos < s.size()) {
    // ASCII fast path, 8 bytes at a time.
    while (pos + 8 <= s.size()) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + pos, 8);
      if (w & 0x8080808080808080ull) break;
      pos += 8;
    }
    if (pos >= s.size()) break;
    const size_t len = utf8_decode(s, pos, cp);
    if (len == 0) return pos;
    pos += len;
  }
  return std::string_view::npos;
}

namespace {

// Valid sequences are copied; each invalid stretch becomes U+FFFD, advancing by the maximal
// invalid subpart (Rust) or by one byte (SentencePiece).
std::string utf8_replace_invalid(std::string_view bytes, bool per_byte) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  uint32_t cp;
  while (pos < bytes.size()) {
    const size_t len = utf8_decode(bytes, pos, cp);
    if (len) {
      out.append(bytes.data() + pos, len);
      pos += len;
    } else {
      utf8_append(out, kReplacementChar);
      pos += per_byte ? 1 : maximal_invalid_subpart(bytes, pos);
    }
  }
  return out;
}

}  // namespace

std::string utf8_lossy(std::string_view bytes) { return utf8_replace_invalid(bytes, false); }

std::string utf8_lossy_per_byte(std::string_view bytes) { return utf8_replace_invalid(bytes, true); }

namespace {
struct ByteTables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 256 + 68> from_cp{};  // every mapped code point is below U+0144
  ByteTables() {
    from_cp.fill(-1);
    // GPT-2: printable Latin-1 bytes map to themselves, the other 68 to U+0100, U+0101, ...
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      to_cp[b] = printable ? uint32_t(b) : next++;
      from_cp[to_cp[b]] = static_cast<int16_t>(b);
    }
  }
};
const ByteTables& tables() {
  static const ByteTables t;
  return t;
}
}  // namespace

uint32_t byte_to_unicode(uint8_t b) { return tables().to_cp[b]; }

int unicode_to_byte(uint32_t cp) {
  return cp < tables().from_cp.size() ? tables().from_cp[cp] : -1;
}

bool is_unicode_whitespace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_python_space(uint32_t cp) {
  return is_unicode_whitespace(cp) || (cp >= 0x1C && cp <= 0x1F);
}

}  // namespace slime::text
