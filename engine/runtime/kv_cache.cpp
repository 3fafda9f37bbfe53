#include "engine/runtime/kv_cache.h"

#include <ATen/ATen.h>

#include "engine/common/error.h"

namespace slime::runtime {

KvCache::KvCache(int64_t layers, int64_t batch, int64_t kv_heads, int64_t max_len, int64_t head_dim,
                 at::ScalarType dtype, at::Device device)
    : batch_(batch), max_len_(max_len) {
  if (layers <= 0 || batch <= 0 || kv_heads <= 0 || max_len <= 0 || head_dim <= 0)
    throw_error(ErrorCode::kInvalidArgument, "KvCache: every size must be positive (layers {}, batch {}, kv_heads {}, "
                "max_len {}, head_dim {})", layers, batch, kv_heads, max_len, head_dim);
  const auto options = at::TensorOptions().dtype(dtype).device(device);
  for (int64_t i = 0; i < layers; ++i) {
    // Zero-filled, not empty: slots are only read after being written, but zeros keep a stray read
    // (a bug) finite instead of NaN-poisoning the softmax.
    k_.push_back(at::zeros({batch, kv_heads, max_len, head_dim}, options));
    v_.push_back(at::zeros({batch, kv_heads, max_len, head_dim}, options));
  }
}

std::pair<at::Tensor, at::Tensor> KvCache::append(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  if (layer < 0 || layer >= layers())
    throw_error(ErrorCode::kInvalidArgument, "KvCache: layer {} out of range [0, {})", layer, layers());
  at::Tensor& kc = k_[static_cast<size_t>(layer)];
  at::Tensor& vc = v_[static_cast<size_t>(layer)];
  const int64_t s = k.size(2), end = length_ + s;
  if (k.dim() != 4 || k.sizes() != v.sizes() || k.size(0) != batch_ || k.size(1) != kc.size(1) ||
      k.size(3) != kc.size(3))
    throw_error(ErrorCode::kInvalidArgument, "KvCache: K/V of shape [{}] / [{}] do not fit a cache of [{}]",
                fmt::join(k.sizes(), ", "), fmt::join(v.sizes(), ", "), fmt::join(kc.sizes(), ", "));
  if (end > max_len_)
    throw_error(ErrorCode::kInvalidArgument, "KvCache: {} + {} slots exceed the capacity {}", length_, s, max_len_);
  kc.slice(2, length_, end).copy_(k);
  vc.slice(2, length_, end).copy_(v);
  return {kc.slice(2, 0, end), vc.slice(2, 0, end)};  // [B, kv_heads, length + S, head_dim]
}

std::pair<at::Tensor, at::Tensor> KvCache::write_at(int64_t layer, const at::Tensor& slot, const at::Tensor& k,
                                                    const at::Tensor& v) {
  if (layer < 0 || layer >= layers())
    throw_error(ErrorCode::kInvalidArgument, "KvCache: layer {} out of range [0, {})", layer, layers());
  at::Tensor& kc = k_[static_cast<size_t>(layer)];
  at::Tensor& vc = v_[static_cast<size_t>(layer)];
  if (k.dim() != 4 || k.sizes() != v.sizes() || k.size(0) != batch_ || k.size(1) != kc.size(1) || k.size(2) != 1 ||
      k.size(3) != kc.size(3) || slot.numel() != 1 || slot.scalar_type() != at::kLong)
    throw_error(ErrorCode::kInvalidArgument, "KvCache::write_at: K/V [{}] / [{}] and slot [{}] ({}) do not fit a "
                "cache of [{}] (want one slot, int64 index)", fmt::join(k.sizes(), ", "), fmt::join(v.sizes(), ", "),
                fmt::join(slot.sizes(), ", "), c10::toString(slot.scalar_type()), fmt::join(kc.sizes(), ", "));
  // index_copy_ reads the slot on the device; an out-of-range slot is a device-side assert.
  kc.index_copy_(2, slot.view({1}), k.to(kc.scalar_type()));
  vc.index_copy_(2, slot.view({1}), v.to(vc.scalar_type()));
  return {kc, vc};
}

void KvCache::advance(int64_t s) {
  if (s < 0 || length_ + s > max_len_)
    throw_error(ErrorCode::kInvalidArgument, "KvCache: cannot advance {} slots from {} (capacity {})", s, length_,
                max_len_);
  length_ += s;
}

}  // namespace slime::runtime
