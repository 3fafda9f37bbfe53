// tokenizer.json "post_processor" for single sequences: TemplateProcessing (special tokens around
// $A), ByteLevel (ids unchanged) and Sequence. Reduced to the ids added before and after the text.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/text/json_util.h"

namespace slime::text {

struct PostProcessor {
  std::vector<int32_t> prefix, suffix;  // added when add_special_tokens is true
  static PostProcessor from_json(const detail::Json& j, const detail::JsonAt& at);  // j may be null
};

}  // namespace slime::text
