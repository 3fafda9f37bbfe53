// tokenizer.json "decoder" chain (HF tokenizers semantics): Replace, ByteFallback, Fuse, Strip,
// ByteLevel and Sequence. Each step maps a list of token strings to a new list; the result is
// their concatenation. Also transformers' clean_up_tokenization.
#pragma once
#include <string>
#include <vector>

#include "engine/text/json_util.h"

namespace slime::text {

class Decoder {
 public:
  static Decoder from_json(const detail::Json& j, const detail::JsonAt& at);  // j may be null
  std::string decode(std::vector<std::string> tokens) const;

 private:
  struct Step {
    enum Kind { kReplace, kByteFallback, kFuse, kStrip, kByteLevel } kind;
    std::string from, to;  // Replace
    uint32_t strip_char = 0;
    size_t start = 0, stop = 0;  // Strip
  };
  void parse(const detail::Json& j, const detail::JsonAt& at);
  std::vector<Step> steps_;
  bool none_ = true;  // no decoder: tokens joined with " " (HF)
};

// transformers' PreTrainedTokenizerBase.clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
std::string clean_up_tokenization(std::string text);
// `<0xXX>` as tokenizers' ByteFallback reads it (u8::from_str_radix: also "+X"); -1 otherwise.
int parse_byte_token(const std::string& token);

}  // namespace slime::text
