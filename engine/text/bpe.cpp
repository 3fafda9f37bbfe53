#include "engine/text/bpe.h"

#include <climits>
#include <cstring>
#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "engine/text/unicode.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

namespace {
constexpr size_t kCacheEntries = 1 << 16;
constexpr size_t kMaxCachedWordBytes = 256;  // as HF: longer words are merged every time
constexpr size_t kSmallWord = 32;            // up to here a quadratic scan beats the heap

bool contains_space_after_other(std::string_view s) {
  for (size_t p = s.find(kSpmSpace, 1); p != std::string_view::npos; p = s.find(kSpmSpace, p + 1)) {
    if (p < kSpmSpace.size() || s.substr(p - kSpmSpace.size(), kSpmSpace.size()) != kSpmSpace) return true;
  }
  return false;
}
}  // namespace

std::unique_ptr<BpeModel> BpeModel::from_json(const Json& j, const JsonAt& at, bool byte_level) {
  std::unique_ptr<BpeModel> m(new BpeModel());
  m->byte_level_ = byte_level;
  if (const Json* d = detail::optional_member(j, "dropout")) {
    if (!d->is_number() || d->get<double>() != 0.0) at["dropout"].fail(ErrorCode::kUnsupported, "BPE dropout is not supported");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const Json* v = detail::optional_member(j, key);
    if (v && !detail::as_string(*v, at[key]).empty()) at[key].fail(ErrorCode::kUnsupported, "not supported");
  }
  if (const Json* v = detail::optional_member(j, "fuse_unk")) m->fuse_unk_ = detail::as_bool(*v, at["fuse_unk"]);
  if (const Json* v = detail::optional_member(j, "byte_fallback")) m->byte_fallback_ = detail::as_bool(*v, at["byte_fallback"]);
  if (const Json* v = detail::optional_member(j, "ignore_merges")) m->ignore_merges_ = detail::as_bool(*v, at["ignore_merges"]);

  // vocab: token -> id, ids dense in [0, size).
  const JsonAt vat = at["vocab"];
  const Json& vocab = detail::require_object(detail::member(j, "vocab", at), vat);
  const auto n = static_cast<int64_t>(vocab.size());
  m->id_to_token_.resize(size_t(n));
  std::vector<bool> seen(size_t(n), false);
  m->token_to_id_.reserve(size_t(n));
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const JsonAt eat{vat.file, vat.path + "[\"" + it.key() + "\"]"};
    const int64_t id = detail::as_int(it.value(), eat);
    if (id < 0 || id >= n) eat.fail(ErrorCode::kFormat, fmt::format("id {} is out of range [0, {})", id, n));
    if (seen[size_t(id)]) eat.fail(ErrorCode::kFormat, fmt::format("id {} is used twice", id));
    seen[size_t(id)] = true;
    m->id_to_token_[size_t(id)] = it.key();
    m->token_to_id_.insert(it.key(), int32_t(id));
  }

  // merges: "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs; rank = position.
  const JsonAt mat = at["merges"];
  const Json& merges = detail::require_array(detail::member(j, "merges", at), mat);
  m->merges_.reserve(merges.size());
  bool cuttable = true;
  for (size_t r = 0; r < merges.size(); ++r) {
    const Json& e = merges[r];
    std::string a, b;
    if (e.is_string()) {
      const std::string s = e.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        mat[r].fail(ErrorCode::kFormat, "expected \"left right\" (one space), got \"" + s + "\"");
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2) {
      a = detail::as_string(e[0], mat[r][0]);
      b = detail::as_string(e[1], mat[r][1]);
    } else {
      mat[r].fail(ErrorCode::kFormat, std::string("expected a string or a pair of strings, got ") + e.type_name());
    }
    const int32_t ia = m->token_to_id_.find(a), ib = m->token_to_id_.find(b);
    if (ia < 0) mat[r].fail(ErrorCode::kFormat, "merge token '" + a + "' is not in the vocabulary");
    if (ib < 0) mat[r].fail(ErrorCode::kFormat, "merge token '" + b + "' is not in the vocabulary");
    const std::string merged = a + b;
    const int32_t im = m->token_to_id_.find(merged);
    if (im < 0) mat[r].fail(ErrorCode::kFormat, "merged token '" + merged + "' is not in the vocabulary");
    m->merges_.insert_or_assign(ia, ib, {int32_t(r), im});
    if (cuttable && contains_space_after_other(merged)) cuttable = false;
  }
  m->cuttable_ = cuttable && !byte_level && m->token_to_id_.find(kSpmSpace) >= 0;

  if (const Json* u = detail::optional_member(j, "unk_token")) {
    const std::string unk = detail::as_string(*u, at["unk_token"]);
    m->unk_id_ = m->token_to_id_.find(unk);
    if (m->unk_id_ < 0) at["unk_token"].fail(ErrorCode::kFormat, "unk token '" + unk + "' is not in the vocabulary");
  }
  for (int b = 0; b < 256; ++b) {
    m->fallback_byte_[size_t(b)] = m->token_to_id_.find(fmt::format("<0x{:02X}>", b));
    std::string ch;
    utf8_append(ch, byte_to_unicode(uint8_t(b)));
    m->byte_symbol_[size_t(b)] = m->token_to_id_.find(ch);
  }
  for (int c = 0; c < 128; ++c) m->ascii_symbol_[size_t(c)] = m->token_to_id_.find(std::string(1, char(c)));
  if (byte_level) {
    m->raw_to_id_.reserve(size_t(n));
    std::string raw;
    for (int32_t id = 0; id < int32_t(n); ++id) {
      const std::string& t = m->id_to_token_[size_t(id)];
      raw.clear();
      bool ok = true;
      uint32_t cp = 0;
      for (size_t p = 0; p < t.size() && ok;) {
        const size_t len = utf8_decode(t, p, cp);
        const int byte = len ? unicode_to_byte(cp) : -1;
        ok = byte >= 0;
        raw.push_back(char(byte));
        p += len ? len : 1;
      }
      if (ok && !raw.empty()) m->raw_to_id_.insert(raw, id);
    }
  }
  m->cache_[0] = std::make_unique<WordCache>(kCacheEntries);
  m->cache_[1] = std::make_unique<WordCache>(kCacheEntries);
  return m;
}

int BpeModel::byte_of_token(int32_t id) const {
  if (id < 0 || id >= size()) return -1;
  const std::string& t = id_to_token_[size_t(id)];
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  const int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// BPE::merge_word of HF tokenizers: one symbol per character (per byte in byte-level mode); an
// unknown character becomes its `<0xXX>` bytes (byte_fallback) or `unk` (fused when fuse_unk).
void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& sym) const {
  sym.clear();
  bool pending_unk = false;
  auto unknown = [&](std::string_view ch) {
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : ch) all = all && fallback_byte_[b] >= 0;
      if (all) {  // HF adds the bytes without flushing a pending unk first
        for (unsigned char b : ch) sym.push_back(fallback_byte_[b]);
        return;
      }
    }
    if (unk_id_ < 0) return;  // no unk token: HF drops the character
    if (pending_unk && !fuse_unk_) sym.push_back(unk_id_);
    pending_unk = true;
  };
  auto known = [&](int32_t id) {
    if (pending_unk) sym.push_back(unk_id_), pending_unk = false;
    sym.push_back(id);
  };
  if (byte_level_) {
    for (unsigned char b : word) {
      if (byte_symbol_[b] >= 0) {
        known(byte_symbol_[b]);
      } else {
        std::string ch;
        utf8_append(ch, byte_to_unicode(b));
        unknown(ch);
      }
    }
  } else {
    for (size_t p = 0; p < word.size();) {
      const auto c = static_cast<unsigned char>(word[p]);
      size_t len = utf8_lead_length(c);
      if (p + len > word.size()) len = word.size() - p;
      const std::string_view ch = word.substr(p, len);
      const int32_t id = c < 0x80 ? ascii_symbol_[c] : token_to_id_.find(ch);
      if (id >= 0) known(id);
      else unknown(ch);
      p += len;
    }
  }
  if (pending_unk) sym.push_back(unk_id_);
}

// Lowest rank first, leftmost among equal ranks: the order of HF's (rank, pos) heap.
void BpeModel::merge_small(std::vector<int32_t>& sym) const {
  int32_t rank[kSmallWord], merged[kSmallWord];
  size_t m = sym.size();
  auto look = [&](size_t i) {
    const PairMap::Value* v = merges_.find(sym[i], sym[i + 1]);
    rank[i] = v ? v->rank : INT32_MAX;
    merged[i] = v ? v->id : -1;
  };
  for (size_t i = 0; i + 1 < m; ++i) look(i);
  while (m > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < m; ++i) {
      if (rank[i] < rank[best]) best = i;
    }
    if (rank[best] == INT32_MAX) break;
    sym[best] = merged[best];
    // Drop symbol best+1 and pair best; pairs best-1 and best change.
    std::memmove(&sym[best + 1], &sym[best + 2], (m - best - 2) * sizeof(int32_t));
    std::memmove(&rank[best], &rank[best + 1], (m - best - 2) * sizeof(int32_t));
    std::memmove(&merged[best], &merged[best + 1], (m - best - 2) * sizeof(int32_t));
    --m;
    if (best > 0) look(best - 1);
    if (best + 1 < m) look(best);
  }
  sym.resize(m);
}

// Word::merge_all of HF tokenizers: a (rank, position) min-heap over a linked list of symbols.
void BpeModel::merge_heap(std::vector<int32_t>& sym) const {
  struct Node {
    int32_t id, prev, next;
  };
  struct Entry {
    int32_t rank, pos, merged;
    bool operator>(const Entry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<Node> nodes;
  thread_local std::vector<Entry> heap;  // min-heap via std::greater
  const auto n = static_cast<int32_t>(sym.size());
  nodes.resize(size_t(n));
  for (int32_t i = 0; i < n; ++i) nodes[size_t(i)] = {sym[size_t(i)], i - 1, i + 1 < n ? i + 1 : -1};
  heap.clear();
  const std::greater<Entry> later;
  auto push = [&](int32_t pos) {
    const int32_t next = nodes[size_t(pos)].next;
    if (next < 0) return;
    if (const PairMap::Value* v = merges_.find(nodes[size_t(pos)].id, nodes[size_t(next)].id)) {
      heap.push_back({v->rank, pos, v->id});
      std::push_heap(heap.begin(), heap.end(), later);
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Entry top = heap.back();
    heap.pop_back();
    Node& left = nodes[size_t(top.pos)];
    if (left.id < 0 || left.next < 0) continue;  // removed, or last symbol
    const Node right = nodes[size_t(left.next)];
    const PairMap::Value* v = merges_.find(left.id, right.id);
    if (!v || v->id != top.merged) continue;  // stale entry
    nodes[size_t(left.next)].id = -1;
    left.id = top.merged;
    left.next = right.next;
    if (right.next >= 0) nodes[size_t(right.next)].prev = top.pos;
    if (left.prev >= 0) push(left.prev);
    push(top.pos);
  }
  sym.clear();
  for (int32_t i = 0; i >= 0 && i < n; i = nodes[size_t(i)].next) sym.push_back(nodes[size_t(i)].id);
}

void BpeModel::merge(std::vector<int32_t>& sym) const {
  if (sym.size() < 2) return;
  if (sym.size() <= kSmallWord) merge_small(sym);
  else merge_heap(sym);
}

void BpeModel::encode_word(std::string_view word, bool ignore_merges, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges) {
    const int32_t id = (byte_level_ ? raw_to_id_ : token_to_id_).find(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  if (byte_level_ && word.size() == 1 && byte_symbol_[static_cast<unsigned char>(word[0])] >= 0) {
    out.push_back(byte_symbol_[static_cast<unsigned char>(word[0])]);
    return;
  }
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  const WordCache& cache = *cache_[ignore_merges ? 1 : 0];
  uint64_t h = 0;
  if (cacheable) {
    h = hash_bytes(word);
    if (cache.lookup(word, h, out)) return;
  }
  thread_local std::vector<int32_t> sym;
  initial_symbols(word, sym);
  merge(sym);
  out.insert(out.end(), sym.begin(), sym.end());
  if (cacheable) cache_[ignore_merges ? 1 : 0]->insert(word, h, sym.data(), sym.size());
}

}  // namespace slime::text
