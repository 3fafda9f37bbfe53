// Flavor::kSlowSentencePiece: transformers' slow LlamaTokenizer (legacy=True). Its encoding
// differs from the fast one only in how added tokens are cut out (AddedTokenMatcher::
// split_transformers); decoding is its own (see slow_sentencepiece.cpp for the differences).
#pragma once
#include <string>
#include <vector>

#include "engine/text/tokenizer_impl.h"

namespace slime::text {

std::string slow_decode(const Tokenizer::Impl& impl, const std::vector<int32_t>& ids, bool skip_special_tokens);

}  // namespace slime::text
