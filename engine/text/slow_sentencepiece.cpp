// transformers 4.37.2 slow LlamaTokenizer (use_fast=False, legacy=True) over SentencePiece, as
// LLaVA-family Vicuna models run it, versus the fast tokenizer.json (HF tokenizers 0.15.1).
// Checked against tests/data/tokenizers/golden_llama2_{slow,fast}.jsonl (522 lines each).
//
// Encoding: no difference in ids.
//  - Both split added-token text first. Slow uses transformers' Trie.split + the AddedToken
//    lstrip/rstrip/single_word rules of PreTrainedTokenizer.tokenize (Python str.isspace);
//    fast uses AddedVocabulary (Rust whitespace, `\w` word test). With Llama's <unk>/<s>/</s>
//    (no flags, no token a prefix of another) both cut identically.
//  - With legacy=True every chunk between special tokens gets SentencePiece's dummy prefix "▁",
//    exactly like the fast file's Prepend normaliser, which also runs per chunk: "a<s>b" encodes
//    as ▁a <s> ▁b in both. Leading spaces: " x" -> "▁▁x" in both. "" -> [] (plus BOS) in both.
//  - SentencePiece BPE (highest piece score first, leftmost on ties) equals merge-rank BPE when
//    scores follow the merge order, as they do for Llama (the goldens' rebuilt tokenizer.model
//    encodes 42,742 probe strings exactly as the fast file does).
// Decoding: differs (134 of 522 golden lines).
//  - convert_tokens_to_string strips "▁" from the first token, then SentencePiece's decode strips
//    the dummy-prefix space of the first piece again: "▁▁x" -> "x" (fast: " x"), " " -> ""
//    (fast: " "). With skip_special_tokens=False a leading <s> shields the first text piece from
//    the first strip but not from SentencePiece's.
//  - Special tokens are emitted verbatim between separately decoded runs; with legacy=True a " "
//    is inserted before a special token that follows text ("a</s>" -> "a </s>"), and the text
//    after a special token loses its leading "▁" (sentencepiece decode of a new run):
//    "a<s>b" ids decode to " a<s>b" slow vs "a<s> b" fast.
//  - Byte pieces: SentencePiece maps each byte that does not start a valid UTF-8 character to
//    U+FFFD; tokenizers' ByteFallback replaces a whole invalid run by one U+FFFD per byte.
//  - A piece that is not in the vocabulary (only the "▁"-stripped first token can be one) is
//    output as is; <unk> text only appears via the special-token path.
#include "engine/text/slow_sentencepiece.h"

#include "engine/text/unicode.h"

namespace slime::text {

namespace {

// SentencePieceProcessor::Decode over piece strings (normal/byte pieces; specials never get here).
std::string sp_decode_pieces(const Tokenizer::Impl& impl, const std::vector<std::string>& pieces) {
  std::string text, bytes;
  bool is_bos_ws = true, bos_ws_seen = false;
  auto flush_bytes = [&] {
    if (bytes.empty()) return;
    text += utf8_lossy_per_byte(bytes);
    bytes.clear();
  };
  for (const std::string& piece : pieces) {
    const int32_t id = impl.model->token_to_id(piece);
    const int byte = id >= 0 ? impl.model->byte_of_token(id) : -1;
    if (byte >= 0) {
      bytes.push_back(char(byte));
      continue;
    }
    flush_bytes();
    // The leading "▁" is consumed once: by the first non-byte piece while nothing is output yet.
    if (bos_ws_seen || !text.empty()) is_bos_ws = false;
    std::string_view p = piece;
    bool consumed = false;
    if (id < 0 || id == impl.model->unk_id()) {
      // Unknown piece (not "<unk>" itself, which is special): SentencePiece returns it verbatim.
    } else if (is_bos_ws && p.substr(0, kSpmSpace.size()) == kSpmSpace) {
      p.remove_prefix(kSpmSpace.size());
      consumed = true;
    }
    for (size_t pos = 0; pos < p.size();) {
      if (p.compare(pos, kSpmSpace.size(), kSpmSpace) == 0) {
        text += ' ';
        pos += kSpmSpace.size();
      } else {
        text += p[pos++];
      }
    }
    bos_ws_seen = consumed;
  }
  flush_bytes();
  return text;
}

// LlamaTokenizer.convert_tokens_to_string (legacy=True).
std::string convert_tokens_to_string(const Tokenizer::Impl& impl, std::vector<std::string> tokens,
                                     const std::vector<bool>& special) {
  if (tokens[0].compare(0, kSpmSpace.size(), kSpmSpace) == 0) tokens[0].erase(0, kSpmSpace.size());
  std::string out;
  std::vector<std::string> run;
  bool prev_special = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (special[i]) {
      if (!prev_special && i != 0) out += ' ';
      out += sp_decode_pieces(impl, run);
      out += tokens[i];
      run.clear();
      prev_special = true;
    } else {
      run.push_back(std::move(tokens[i]));
      prev_special = false;
    }
  }
  out += sp_decode_pieces(impl, run);
  return out;
}

}  // namespace

// PreTrainedTokenizer._decode: non-special added tokens are cut out of the runs and joined with
// " " or "" (spaces_between_special_tokens); clean-up is applied by the caller.
std::string slow_decode(const Tokenizer::Impl& impl, const std::vector<int32_t>& ids, bool skip_special_tokens) {
  std::vector<std::string> sub_texts, current;
  std::vector<bool> current_special;
  auto flush = [&](bool keep_empty) {
    if (current.empty()) return;
    std::string s = convert_tokens_to_string(impl, std::move(current), current_special);
    if (keep_empty || !s.empty()) sub_texts.push_back(std::move(s));
    current.clear();
    current_special.clear();
  };
  for (int32_t id : ids) {
    const AddedToken* added = impl.added_token(id);
    const bool special = added && added->special;
    if (skip_special_tokens && special) continue;
    if (added && !special) {  // a "legacy added token"
      flush(false);
      sub_texts.push_back(added->content);
      continue;
    }
    current.push_back(impl.token(id));
    current_special.push_back(special);
  }
  flush(true);
  std::string text;
  for (size_t i = 0; i < sub_texts.size(); ++i) {
    if (i && impl.spaces_between_special_tokens) text += ' ';
    text += sub_texts[i];
  }
  return text;
}

}  // namespace slime::text
