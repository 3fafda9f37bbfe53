// tokenizer.json "normalizer": Prepend, Replace (string pattern) and Sequence of those. Applied to
// each text segment between added tokens, as HF tokenizers does.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/json_util.h"

namespace slime::text {

class Normalizer {
 public:
  static Normalizer from_json(const detail::Json& j, const detail::JsonAt& at);  // j may be null
  bool empty() const { return ops_.empty(); }
  // out = normalised in (out is overwritten).
  void apply(std::string_view in, std::string& out) const;
  // True if this normaliser is exactly SentencePiece's "prepend ▁, spaces -> ▁".
  bool is_sentencepiece_like() const;

 private:
  struct Op {
    enum Kind { kPrepend, kReplace } kind;
    std::string a, b;  // prepend: a; replace: a -> b
  };
  void parse(const detail::Json& j, const detail::JsonAt& at);
  std::vector<Op> ops_;
};

}  // namespace slime::text
