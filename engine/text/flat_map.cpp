#include "engine/text/flat_map.h"

#include <cstring>

namespace slime::text {

namespace {
inline uint64_t mix(uint64_t a, uint64_t b) {
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
size_t pow2_at_least(size_t n) {
  size_t c = 16;
  while (c < n) c <<= 1;
  return c;
}
}  // namespace

// A wyhash-style hash: 8 bytes per multiply, good enough spread for short token strings.
uint64_t hash_bytes(std::string_view s) {
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = k0 ^ (n * k1);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix(h ^ w, k1);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = mix(h ^ w, k0);
  }
  return mix(h, k1 ^ 0x8ebc6af09c88c6e3ull);
}

void PairMap::reserve(size_t n) {
  if (n * 2 > slots_.size()) rehash(pow2_at_least(n * 2));
}

void PairMap::rehash(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  shift_ = 64 - __builtin_ctzll(capacity);
  size_ = 0;
  for (const Slot& s : old) {
    if (s.key != kEmpty) insert_or_assign(int32_t(s.key >> 32), int32_t(uint32_t(s.key)), s.value);
  }
}

void PairMap::insert_or_assign(int32_t a, int32_t b, Value v) {
  if ((size_ + 1) * 2 > slots_.size()) rehash(pow2_at_least((size_ + 1) * 2));
  const uint64_t key = pack(a, b);
  for (size_t i = slot(key);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) {
      s.value = v;
      return;
    }
    if (s.key == kEmpty) {
      s.key = key;
      s.value = v;
      ++size_;
      return;
    }
  }
}

void StringIdMap::reserve(size_t n) {
  if (n * 2 > slots_.size()) rehash(pow2_at_least(n * 2));
}

void StringIdMap::rehash(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.value < 0) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].value >= 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

bool StringIdMap::insert(std::string_view key, int32_t value) {
  if ((size_ + 1) * 2 > slots_.size()) rehash(pow2_at_least((size_ + 1) * 2));
  const uint64_t h = hash_bytes(key);
  size_t i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.value < 0) break;
    if (s.hash == h && std::string_view(arena_.data() + s.offset, s.length) == key) return false;
  }
  slots_[i] = Slot{h, uint32_t(arena_.size()), uint32_t(key.size()), value};
  arena_.append(key);
  ++size_;
  return true;
}

int32_t StringIdMap::find(std::string_view key, uint64_t h) const {
  if (slots_.empty()) return -1;
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.value < 0) return -1;
    if (s.hash == h && s.length == key.size() &&
        std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
      return s.value;
    }
  }
}

WordCache::WordCache(size_t max_entries)
    : max_per_shard_(max_entries >> kShardBits), shards_(size_t{1} << kShardBits) {
  for (Shard& s : shards_) s.slots.assign(pow2_at_least(max_per_shard_ * 2), Slot{});
}

bool WordCache::lookup(std::string_view word, uint64_t h, std::vector<int32_t>& out) const {
  const Shard& sh = shards_[h >> (64 - kShardBits)];
  const size_t mask = sh.slots.size() - 1;
  std::lock_guard<std::mutex> lock(sh.mutex);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = sh.slots[i];
    if (!s.used) return false;
    if (s.hash == h && s.key_length == word.size() &&
        std::memcmp(sh.keys.data() + s.key_offset, word.data(), word.size()) == 0) {
      out.insert(out.end(), sh.ids.begin() + s.ids_offset, sh.ids.begin() + s.ids_offset + s.ids_length);
      return true;
    }
  }
}

void WordCache::insert(std::string_view word, uint64_t h, const int32_t* ids, size_t n) {
  Shard& sh = shards_[h >> (64 - kShardBits)];
  const size_t mask = sh.slots.size() - 1;
  std::lock_guard<std::mutex> lock(sh.mutex);
  if (sh.used >= max_per_shard_) return;
  size_t i = h & mask;
  for (;; i = (i + 1) & mask) {
    const Slot& s = sh.slots[i];
    if (!s.used) break;
    if (s.hash == h && s.key_length == word.size() &&
        std::memcmp(sh.keys.data() + s.key_offset, word.data(), word.size()) == 0) {
      return;  // another thread got here first
    }
  }
  sh.slots[i] = Slot{h, uint32_t(sh.keys.size()), uint32_t(word.size()), uint32_t(sh.ids.size()),
                     uint32_t(n), true};
  sh.keys.append(word);
  sh.ids.insert(sh.ids.end(), ids, ids + n);
  ++sh.used;
}

void WordCache::clear() {
  for (Shard& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh.mutex);
    std::fill(sh.slots.begin(), sh.slots.end(), Slot{});
    sh.keys.clear();
    sh.ids.clear();
    sh.used = 0;
  }
}

}  // namespace slime::text
