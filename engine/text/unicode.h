// UTF-8 helpers and the GPT-2 byte<->unicode alphabet, with the exact invalid-UTF-8 rules of the
// reference implementations (Rust's from_utf8_lossy, SentencePiece's per-byte replacement).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace slime::text {

inline constexpr uint32_t kReplacementChar = 0xFFFD;
inline constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581 "▁"

// Strictly decodes one code point at s[pos] (no overlongs, surrogates or > U+10FFFF). Returns its
// length in bytes and sets cp, or returns 0 when the bytes there are not valid UTF-8.
size_t utf8_decode(std::string_view s, size_t pos, uint32_t& cp);
// Length of the UTF-8 sequence announced by a lead byte (1 for ASCII and for invalid leads).
inline size_t utf8_lead_length(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}
void utf8_append(std::string& out, uint32_t cp);
// Offset of the first byte that is not part of valid UTF-8, or npos.
size_t utf8_find_invalid(std::string_view s);

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);
// SentencePiece's byte-piece decoding: each byte that does not start a valid character is one U+FFFD.
std::string utf8_lossy_per_byte(std::string_view bytes);

// GPT-2 byte-level alphabet: byte -> its printable code point, and back (-1 if not in the alphabet).
uint32_t byte_to_unicode(uint8_t b);
int unicode_to_byte(uint32_t cp);

// Rust's char::is_whitespace (Unicode White_Space), used by tokenizers' added-token lstrip/rstrip.
bool is_unicode_whitespace(uint32_t cp);
// Python's str.isspace, used by transformers' added-token stripping (adds U+001C..U+001F).
bool is_python_space(uint32_t cp);

}  // namespace slime::text
