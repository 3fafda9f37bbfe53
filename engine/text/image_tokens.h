// Token ids around the image placeholder (model.md §7.1, §8, §9.3): LLaVA's tokenizer_image_token
// and the selector's text query. The image is the pseudo-id −200, which the model later replaces
// with the image block; it is never a vocabulary id.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/text/tokenizer.h"

namespace slime::text {

inline constexpr int32_t kImageTokenId = -200;    // IMAGE_TOKEN_INDEX
inline constexpr std::string_view kImageTag = "<image>";  // DEFAULT_IMAGE_TOKEN

// Occurrences of "<image>" in a prompt / of kImageTokenId in ids.
size_t count_image_tags(std::string_view prompt);
size_t count_image_tokens(const std::vector<int32_t>& ids);
bool has_image(const std::vector<int32_t>& ids);

// Throws kInvalidArgument when the prompt holds more than one "<image>": the anyres path supports a
// single image per sample (§8.6). No tag at all is a valid text-only prompt.
void check_single_image(std::string_view prompt);

// tokenizer_image_token: split on "<image>", encode each chunk with add_special_tokens=true, keep
// chunk 0's first token when it is bos_id(), drop the first token of every later chunk in that case
// (their BOS), and join the chunks with kImageTokenId. Validates with check_single_image first.
std::vector<int32_t> tokenize_with_image(const Tokenizer& tok, std::string_view prompt);

// The selector's text query (§7.1): the ids in order with every kImageTokenId removed. The caller
// appends one masked zero row per removed id (count_image_tokens) and cuts to the max length.
std::vector<int32_t> text_query_ids(const std::vector<int32_t>& ids);

}  // namespace slime::text
