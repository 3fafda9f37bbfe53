// Internal: the loaded, immutable parts of a Tokenizer (shared by copies and threads).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/text/added_tokens.h"
#include "engine/text/bpe.h"
#include "engine/text/decoder.h"
#include "engine/text/normalizer.h"
#include "engine/text/post_processor.h"
#include "engine/text/pretokenizer.h"
#include "engine/text/tokenizer.h"

namespace slime::text {

struct Tokenizer::Impl {
  std::string path;
  std::unique_ptr<BpeModel> model;
  Normalizer normalizer;
  PreTokenizer pretokenizer;
  Decoder decoder;
  PostProcessor post;
  std::vector<AddedToken> added;
  AddedTokenMatcher raw_matcher;         // tokens with normalized=false, matched on the raw text
  AddedTokenMatcher normalized_matcher;  // normalized=true, matched on the normalised text
  AddedTokenMatcher slow_matcher;        // all added tokens, transformers' rules
  std::vector<int32_t> added_index;      // id -> index into `added`, -1 if not added
  StringIdMap added_ids;                 // content -> id
  int32_t vocab_size = 0;
  std::optional<int32_t> bos, eos;
  std::optional<int64_t> model_max_length;
  bool sentencepiece_kind = false;
  Flavor default_flavor = Flavor::kFast;
  bool clean_up = false;                        // tokenizer_config clean_up_tokenization_spaces
  bool spaces_between_special_tokens = false;   // slow decode only

  const AddedToken* added_token(int32_t id) const {
    return id >= 0 && size_t(id) < added_index.size() && added_index[size_t(id)] >= 0 ? &added[size_t(added_index[size_t(id)])]
                                                                                     : nullptr;
  }
  bool is_special(int32_t id) const {
    const AddedToken* t = added_token(id);
    return t && t->special;
  }
  int32_t token_to_id(std::string_view text) const {
    const int32_t id = added_ids.find(text);
    return id >= 0 ? id : model->token_to_id(text);
  }
  const std::string& token(int32_t id) const {
    const AddedToken* t = added_token(id);
    return t ? t->content : model->id_to_token(id);
  }
  // Normalise, pre-tokenise and BPE one piece of text that holds no raw-matched added token.
  void encode_text(std::string_view text, bool ignore_merges, std::vector<int32_t>& out) const;
};

}  // namespace slime::text
