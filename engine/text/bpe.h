// tokenizer.json "model" of type BPE: merge-rank BPE over characters (SentencePiece style, with
// byte fallback `<0xXX>`) or over the GPT-2 byte alphabet (byte-level), `ignore_merges`, fused
// `unk`, and a bounded thread-safe cache of merged words.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/flat_map.h"
#include "engine/text/json_util.h"

namespace slime::text {

class BpeModel {
 public:
  // `byte_level`: words arrive as raw bytes and start as one byte-alphabet symbol per byte.
  static std::unique_ptr<BpeModel> from_json(const detail::Json& model, const detail::JsonAt& at, bool byte_level);

  // Appends the ids of one pre-tokenised word. `ignore_merges` = the file's flag, unless a caller
  // asks for tokenizers <= 0.15 behaviour (which did not know the flag).
  void encode_word(std::string_view word, bool ignore_merges, std::vector<int32_t>& out) const;

  bool file_ignore_merges() const { return ignore_merges_; }
  bool byte_level() const { return byte_level_; }
  bool byte_fallback() const { return byte_fallback_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t size() const { return static_cast<int32_t>(id_to_token_.size()); }
  int32_t token_to_id(std::string_view token) const { return token_to_id_.find(token); }
  const std::string& id_to_token(int32_t id) const { return id_to_token_[size_t(id)]; }
  // The byte value of a `<0xXX>` byte-fallback token, or -1.
  int byte_of_token(int32_t id) const;
  // True when no merge can join a symbol ending in a non-"▁" character to one starting with "▁",
  // so a SentencePiece-normalised text may be cut before every such "▁" without changing the
  // result (lets the Llama-2 path cache per word instead of merging a whole chunk at once).
  bool cuttable_before_spm_space() const { return cuttable_; }

 private:
  BpeModel() = default;
  void initial_symbols(std::string_view word, std::vector<int32_t>& sym) const;
  void merge(std::vector<int32_t>& sym) const;
  void merge_small(std::vector<int32_t>& sym) const;
  void merge_heap(std::vector<int32_t>& sym) const;

  std::vector<std::string> id_to_token_;
  StringIdMap token_to_id_;
  StringIdMap raw_to_id_;  // byte-level: token text mapped back to raw bytes
  PairMap merges_;
  std::array<int32_t, 256> byte_symbol_{};    // byte-level: id of each byte's alphabet char
  std::array<int32_t, 128> ascii_symbol_{};   // char mode: id of each ASCII char
  std::array<int32_t, 256> fallback_byte_{};  // id of `<0xXX>`, -1 if absent
  bool byte_level_ = false;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  bool cuttable_ = false;
  int32_t unk_id_ = -1;
  mutable std::unique_ptr<WordCache> cache_[2];  // [ignore_merges]
};

}  // namespace slime::text
