#include "engine/text/image_tokens.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "engine/common/error.h"

namespace slime::text {

size_t count_image_tags(std::string_view prompt) {
  size_t n = 0;
  for (size_t pos = prompt.find(kImageTag); pos != std::string_view::npos; pos = prompt.find(kImageTag, pos + kImageTag.size())) ++n;
  return n;
}

size_t count_image_tokens(const std::vector<int32_t>& ids) {
  return size_t(std::count(ids.begin(), ids.end(), kImageTokenId));
}

bool has_image(const std::vector<int32_t>& ids) { return count_image_tokens(ids) > 0; }

void check_single_image(std::string_view prompt) {
  if (const size_t n = count_image_tags(prompt); n > 1) {
    throw_error(ErrorCode::kInvalidArgument, "prompt has {} \"<image>\" tags; only one image per prompt is supported", n);
  }
}

std::vector<int32_t> tokenize_with_image(const Tokenizer& tok, std::string_view prompt) {
  check_single_image(prompt);
  std::vector<std::vector<int32_t>> chunks;  // str.split semantics: n tags give n + 1 chunks
  for (size_t start = 0;;) {
    const size_t tag = prompt.find(kImageTag, start);
    chunks.push_back(tok.encode(prompt.substr(start, tag == std::string_view::npos ? std::string_view::npos : tag - start), true));
    if (tag == std::string_view::npos) break;
    start = tag + kImageTag.size();
  }
  // As upstream: the decision comes from chunk 0 alone, then the first token of every later chunk
  // is dropped unchecked. That is their BOS, since all chunks went through the same post-processor.
  const std::optional<int32_t> bos = tok.bos_id();
  const size_t offset = (bos && !chunks[0].empty() && chunks[0][0] == *bos) ? 1 : 0;
  std::vector<int32_t> ids(chunks[0].begin(), chunks[0].end());
  for (size_t i = 1; i < chunks.size(); ++i) {
    ids.push_back(kImageTokenId);
    ids.insert(ids.end(), chunks[i].begin() + std::ptrdiff_t(std::min(offset, chunks[i].size())), chunks[i].end());
  }
  return ids;
}

std::vector<int32_t> text_query_ids(const std::vector<int32_t>& ids) {
  std::vector<int32_t> out;
  out.reserve(ids.size());
  std::copy_if(ids.begin(), ids.end(), std::back_inserter(out), [](int32_t id) { return id != kImageTokenId; });
  return out;
}

}  // namespace slime::text
