// Added tokens (special and not) are split out of the text before normalisation and BPE.
// Two rule sets: HF `tokenizers` (AddedVocabulary::find_matches) and transformers' slow
// PreTrainedTokenizer.tokenize (Trie.split + its lstrip/rstrip/single_word handling).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slime::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;       // swallow whitespace on its left
  bool rstrip = false;       // swallow whitespace on its right
  bool single_word = false;  // only match when not inside a word
  bool normalized = false;   // match against the normalised text instead of the raw text
};

// A piece of the input: either plain text [begin, end) or an added token (token >= 0).
struct Segment {
  size_t begin = 0, end = 0;
  int32_t token = -1;
};

// Leftmost-longest matcher over a set of added tokens (byte trie + first-byte filter).
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);
  bool empty() const { return tokens_.empty(); }

  // HF tokenizers rules. Appends segments covering text (offsets relative to `base`); empty text
  // gives nothing.
  void split_tokenizers(std::string_view text, size_t base, std::vector<Segment>& out) const;
  // transformers slow-tokenizer rules: stripped whitespace is dropped, empty text pieces skipped.
  void split_transformers(std::string_view text, std::vector<Segment>& out) const;

 private:
  struct Match {
    size_t begin, end;
    int32_t index;  // into tokens_
  };
  // Next leftmost-longest match at or after `from`; false if none.
  bool next_match(std::string_view text, size_t from, Match& m) const;
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
    int32_t token = -1;                                         // index into tokens_ if a token ends here
  };
  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace slime::text
