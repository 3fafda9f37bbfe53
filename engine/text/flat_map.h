// Open-addressing hash tables for the tokenizer hot paths: merge lookup by token-id pair, token
// lookup by string_view (no std::string built per lookup), and the bounded, thread-safe BPE word
// cache. std::unordered_map would allocate per node and, in C++17, per string lookup.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace slime::text {

uint64_t hash_bytes(std::string_view s);

// (left id, right id) -> (merge rank, merged id).
class PairMap {
 public:
  struct Value {
    int32_t rank = -1;
    int32_t id = -1;
  };
  void reserve(size_t n);
  void insert_or_assign(int32_t a, int32_t b, Value v);  // later entries win, like HF's HashMap collect
  const Value* find(int32_t a, int32_t b) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = pack(a, b);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    Value value;
  };
  static uint64_t pack(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
  size_t slot(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  void rehash(size_t capacity);
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
  int shift_ = 64;
};

// string -> int32 id, keys stored in one arena.
class StringIdMap {
 public:
  void reserve(size_t n);
  // Returns false (and changes nothing) if the key is already present.
  bool insert(std::string_view key, int32_t value);
  int32_t find(std::string_view key) const { return find(key, hash_bytes(key)); }
  int32_t find(std::string_view key, uint64_t hash) const;  // -1 if absent
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0, length = 0;
    int32_t value = -1;  // -1: empty slot
  };
  void rehash(size_t capacity);
  std::vector<Slot> slots_;
  std::string arena_;
  size_t mask_ = 0, size_ = 0;
};

// Bounded cache word -> ids shared by all threads of one tokenizer. Sharded by hash, one mutex
// per shard; when a shard is full it stops inserting (as HF's BPE cache does), so memory stays
// bounded and results never depend on what is cached.
class WordCache {
 public:
  explicit WordCache(size_t max_entries);
  // Appends the cached ids for `word` to `out` and returns true on a hit.
  bool lookup(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const;
  void insert(std::string_view word, uint64_t hash, const int32_t* ids, size_t n);
  void clear();

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_offset = 0, key_length = 0;
    uint32_t ids_offset = 0, ids_length = 0;
    bool used = false;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::vector<Slot> slots;
    std::string keys;
    std::vector<int32_t> ids;
    size_t used = 0;
  };
  static constexpr int kShardBits = 5;
  size_t max_per_shard_;
  std::vector<Shard> shards_;
};

}  // namespace slime::text
