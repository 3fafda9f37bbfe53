#include "engine/text/added_tokens.h"

#include <algorithm>

#include "engine/text/unicode.h"

namespace slime::text {

namespace {
uint32_t char_before(std::string_view s, size_t end, size_t& begin) {
  begin = end - 1;
  while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80) --begin;
  uint32_t cp = 0xFFFD;
  utf8_decode(s, begin, cp);
  return cp;
}
uint32_t char_at(std::string_view s, size_t pos, size_t& len) {
  uint32_t cp = 0xFFFD;
  len = utf8_decode(s, pos, cp);
  if (len == 0) len = 1;
  return cp;
}
// Rust regex `\w` approximated: ASCII word characters exactly; every non-ASCII character counts as
// a word character (letters dominate). Only `single_word` tokens use this; the fixtures have none.
bool is_word_char(uint32_t cp) {
  if (cp >= 0x80) return !is_unicode_whitespace(cp);
  return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp == '_';
}
}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  nodes_.emplace_back();
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& s = tokens_[t].content;
    if (s.empty()) continue;
    int32_t node = 0;
    for (unsigned char c : s) {
      auto& ch = nodes_[node].children;
      auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(c, int32_t{-1}));
      if (it != ch.end() && it->first == c) {
        node = it->second;
      } else {
        const auto next = static_cast<int32_t>(nodes_.size());
        ch.insert(it, {c, next});
        nodes_.emplace_back();
        node = next;
      }
    }
    if (nodes_[node].token < 0) nodes_[node].token = static_cast<int32_t>(t);  // first duplicate wins
    first_byte_[static_cast<unsigned char>(s[0])] = true;
  }
}

bool AddedTokenMatcher::next_match(std::string_view text, size_t from, Match& m) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = from; i < text.size(); ++i) {
    if (!first_byte_[p[i]]) continue;
    int32_t node = 0, best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      const auto& ch = nodes_[node].children;
      auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(p[j], int32_t{-1}));
      if (it == ch.end() || it->first != p[j]) break;
      node = it->second;
      if (nodes_[node].token >= 0) {
        best = nodes_[node].token;
        best_end = j + 1;
      }
    }
    if (best >= 0) {
      m = {i, best_end, best};
      return true;
    }
  }
  return false;
}

void AddedTokenMatcher::split_tokenizers(std::string_view text, size_t base, std::vector<Segment>& out) const {
  size_t start_offset = 0, from = 0;
  Match m{};
  while (from < text.size() && next_match(text, from, m)) {
    from = m.end;  // find_iter is non-overlapping: a discarded match still consumes its bytes
    const AddedToken& tok = tokens_[m.index];
    size_t start = m.begin, stop = m.end, len = 0, before = 0;
    if (tok.single_word) {
      const bool start_space = start == 0 || !is_word_char(char_before(text, start, before));
      const bool stop_space = stop == text.size() || !is_word_char(char_at(text, stop, len));
      if (!start_space || !stop_space) continue;
    }
    if (tok.lstrip) {
      size_t s = start;
      while (s > 0 && is_unicode_whitespace(char_before(text, s, before))) s = before;
      start = std::max(s, start_offset);
    }
    if (tok.rstrip) {
      while (stop < text.size() && is_unicode_whitespace(char_at(text, stop, len))) stop += len;
      from = stop;
    }
    if (start_offset < start) out.push_back({base + start_offset, base + start, -1});
    out.push_back({base + start, base + stop, tok.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({base + start_offset, base + text.size(), -1});
}

void AddedTokenMatcher::split_transformers(std::string_view text, std::vector<Segment>& out) const {
  // Trie.split + cut_text: token and text pieces, empty pieces dropped (adjacent tokens are
  // neighbours). index = token index for token pieces, -1 for text.
  std::vector<Segment> parts;
  std::vector<int32_t> index;
  size_t from = 0;
  Match m{};
  while (from < text.size() && next_match(text, from, m)) {
    if (m.begin > from) parts.push_back({from, m.begin, -1}), index.push_back(-1);
    parts.push_back({m.begin, m.end, tokens_[m.index].id});
    index.push_back(m.index);
    from = m.end;
  }
  if (from < text.size()) parts.push_back({from, text.size(), -1}), index.push_back(-1);
  // PreTrainedTokenizer.tokenize: rstrip lstrips the right neighbour, lstrip rstrips the left one
  // (Python str.isspace); single_word glues the token to a neighbour that does not end/start with
  // " ". Ranges stay contiguous except when single_word meets stripped whitespace (a combination
  // no shipped tokenizer uses), where the stripped whitespace would reappear.
  auto lstrip = [&](Segment& s) {
    size_t len = 0;
    while (s.begin < s.end && is_python_space(char_at(text, s.begin, len))) s.begin += len;
  };
  auto rstrip = [&](Segment& s) {
    size_t before = 0;
    while (s.end > s.begin && is_python_space(char_before(text, s.end, before))) s.end = before;
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    if (index[i] < 0) continue;
    const AddedToken& tok = tokens_[index[i]];
    auto nonempty = [](const Segment& s) { return s.end > s.begin; };
    Segment* left = (i > 0 && nonempty(parts[i - 1])) ? &parts[i - 1] : nullptr;
    Segment* right = (i + 1 < parts.size() && nonempty(parts[i + 1])) ? &parts[i + 1] : nullptr;
    if (tok.rstrip && right) lstrip(*right);
    if (tok.lstrip && left) rstrip(*left);
    if (tok.single_word && left && nonempty(*left) && text[left->end - 1] != ' ') {
      left->end = parts[i].end;  // tokens[i-1] += token: the token is now plain text
      index[i - 1] = -1;
      parts[i].begin = parts[i].end;
      index[i] = -1;
    } else if (tok.single_word && right && nonempty(*right) && text[right->begin] != ' ') {
      right->begin = parts[i].begin;  // tokens[i+1] = token + tokens[i+1]
      index[i + 1] = -1;
      parts[i].end = parts[i].begin;
      index[i] = -1;
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].end <= parts[i].begin) continue;
    out.push_back(index[i] < 0 ? Segment{parts[i].begin, parts[i].end, -1} : parts[i]);
  }
}

}  // namespace slime::text
