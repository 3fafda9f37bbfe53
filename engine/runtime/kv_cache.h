// Preallocated key/value cache of a decoder: per layer K and V of [B, kv_heads, max_len, head_dim].
// Slots are sequence indices of the (left-padded) batch, shared by all rows: slot s of every row is
// written by the same forward call. RoPE positions are separate (they count real tokens only) and
// are applied before K is written, so the cache never needs them.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace slime::runtime {

class KvCache {
 public:
  KvCache() = default;
  KvCache(int64_t layers, int64_t batch, int64_t kv_heads, int64_t max_len, int64_t head_dim,
          at::ScalarType dtype, at::Device device);

  int64_t layers() const { return static_cast<int64_t>(k_.size()); }
  int64_t batch() const { return batch_; }
  int64_t capacity() const { return max_len_; }
  int64_t length() const { return length_; }  // slots committed by advance()

  // Writes K, V [B, kv_heads, S, head_dim] of LAYER at slots [length, length + S) and returns views
  // of slots [0, length + S) (the keys/values this step attends to). kInvalidArgument past capacity
  // or on a shape mismatch.
  std::pair<at::Tensor, at::Tensor> append(int64_t layer, const at::Tensor& k, const at::Tensor& v);
  // Static decode (model.md §13): writes K, V [B, kv_heads, 1, head_dim] of LAYER at the slot held
  // by SLOT ([1] int64 on the cache's device, read there: no host sync, so a CUDA graph can replay
  // it at the next slot) and returns the whole buffers [B, kv_heads, capacity, head_dim]. Neither
  // reads nor changes length(); the caller masks the slots not yet written.
  std::pair<at::Tensor, at::Tensor> write_at(int64_t layer, const at::Tensor& slot, const at::Tensor& k,
                                             const at::Tensor& v);
  // Commits S slots once every layer has appended them.
  void advance(int64_t s);
  void reset() { length_ = 0; }  // keeps the buffers: the next sequence overwrites them

 private:
  std::vector<at::Tensor> k_, v_;  // [B, kv_heads, max_len, head_dim] each
  int64_t batch_ = 0, max_len_ = 0, length_ = 0;
};

}  // namespace slime::runtime
