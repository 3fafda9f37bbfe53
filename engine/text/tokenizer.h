// The tokenizer of slime-bench: loads a Hugging Face tokenizer.json (BPE: Llama-2 SentencePiece
// style with byte fallback, Llama-3 byte-level) and reproduces either HF `tokenizers` (kFast) or
// transformers' slow LlamaTokenizer (kSlowSentencePiece; LLaVA-family Vicuna models use it).
// encode/decode are const and safe to call from several threads at once.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slime::text {

enum class Flavor {
  kFast,               // HF `tokenizers` semantics of tokenizer.json
  kSlowSentencePiece,  // transformers 4.37.2 LlamaTokenizer (use_fast=False, legacy=True)
};
const char* flavor_name(Flavor f);          // "fast" / "slow"
Flavor parse_flavor(std::string_view name);  // "fast" / "slow"; throws kInvalidArgument

class Tokenizer {
 public:
  // Flavor kFast; no tokenizer_config.json is read.
  static Tokenizer from_file(const std::string& tokenizer_json);
  // tokenizer.json plus, when present, tokenizer_config.json: bos_token/eos_token,
  // add_bos_token/add_eos_token (replace the post-processor's BOS/EOS), legacy, tokenizer_class,
  // clean_up_tokenization_spaces, spaces_between_special_tokens, model_max_length. The flavor is
  // default_flavor().
  static Tokenizer from_dir(const std::string& dir);

  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;
  // Throws kInvalidArgument for an id outside [0, vocab_size()).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const;

  // kSlowSentencePiece needs a SentencePiece-kind model (is_sentencepiece_kind()).
  void set_flavor(Flavor f);
  Flavor flavor() const { return flavor_; }
  // "slow" when tokenizer_config.json names tokenizer_class "LlamaTokenizer" with legacy true or
  // unset (transformers' default) and the model is SentencePiece-kind; otherwise "fast".
  Flavor default_flavor() const;
  // The file's model.ignore_merges is honoured by default (tokenizers >= 0.19, tiktoken). SliME's
  // pin, tokenizers 0.15.1, did not know the flag: set false to reproduce it.
  void set_honor_ignore_merges(bool on) { honor_ignore_merges_ = on; }
  bool honor_ignore_merges() const { return honor_ignore_merges_; }
  // transformers' decode-time clean-up (" ." -> "."); from_dir takes it from tokenizer_config.json.
  void set_clean_up_tokenization_spaces(bool on) { clean_up_ = on; }
  bool clean_up_tokenization_spaces() const { return clean_up_; }

  int32_t token_to_id(std::string_view token) const;  // -1 if absent
  std::string id_to_token(int32_t id) const;          // throws kInvalidArgument if out of range
  int32_t vocab_size() const;                         // model vocabulary plus added tokens
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  std::optional<int64_t> model_max_length() const;  // none when unset or "unlimited" (1e30)
  bool is_special(int32_t id) const;
  // BPE with byte fallback, the "prepend ▁, spaces -> ▁" normaliser, no pre-tokenizer.
  bool is_sentencepiece_kind() const;
  const std::string& path() const;  // the tokenizer.json this was loaded from

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;  // immutable after loading; shared by copies
  Flavor flavor_ = Flavor::kFast;
  bool honor_ignore_merges_ = true;
  bool clean_up_ = false;
};

}  // namespace slime::text
