#include "engine/runtime/sampling.h"

#include <limits>

#include <ATen/ATen.h>

#include "engine/common/error.h"

namespace slime::runtime {

std::vector<int64_t> greedy_tokens(const at::Tensor& logits) {
  // at::argmax returns the first maximal index on CPU and CUDA (documented), HF's argmax too.
  const at::Tensor ids = at::argmax(logits, -1).to(at::kCPU, at::kLong).contiguous();  // [B]
  return std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
}

at::Tensor top_p_filter(const at::Tensor& logits, double top_p) {
  if (top_p >= 1.0) return logits;
  // As transformers' TopPLogitsWarper: sort ascending, drop the prefix whose cumulative
  // probability is <= 1 - top_p, always keep the most probable token.
  const auto sorted = at::sort(logits, -1, /*descending=*/false);
  const at::Tensor& values = std::get<0>(sorted);   // [B, V]
  const at::Tensor& indices = std::get<1>(sorted);  // [B, V]
  const at::Tensor cumulative = values.softmax(-1).cumsum(-1);
  at::Tensor remove = cumulative.le(1.0 - top_p);
  remove.select(-1, remove.size(-1) - 1).fill_(false);
  const at::Tensor remove_unsorted = remove.scatter(-1, indices, remove);
  return logits.masked_fill(remove_unsorted, -std::numeric_limits<float>::infinity());
}

Sampler::Sampler(const SamplingOptions& options, int64_t batch) : options_(options) {
  if (!(options.top_p > 0.0 && options.top_p <= 1.0))
    throw_error(ErrorCode::kInvalidArgument, "top_p {} must be in (0, 1]", options.top_p);
  for (int64_t row = 0; row < batch; ++row) {
    // A distinct, reproducible stream per row (splitmix-style odd constant keeps seeds apart).
    rngs_.emplace_back(options.seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(row + 1));
  }
}

std::vector<int64_t> Sampler::next(const at::Tensor& logits) {
  if (logits.dim() != 2 || logits.size(0) != static_cast<int64_t>(rngs_.size()))
    throw_error(ErrorCode::kShape, "Sampler: logits [{}], expected [{}, V]", fmt::join(logits.sizes(), ", "),
                rngs_.size());
  if (greedy()) return greedy_tokens(logits);
  const at::Tensor scaled = logits.to(at::kFloat) / options_.temperature;
  // [B, V] probabilities in double on the CPU: the inverse-CDF draw below is then exact and
  // identical on every device.
  const at::Tensor probs = top_p_filter(scaled, options_.top_p).softmax(-1).to(at::kCPU, at::kDouble).contiguous();
  const int64_t v = probs.size(1);
  std::vector<int64_t> out;
  for (size_t row = 0; row < rngs_.size(); ++row) {
    const double* p = probs.data_ptr<double>() + static_cast<int64_t>(row) * v;
    const double u = static_cast<double>(rngs_[row]() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
    double total = 0;
    for (int64_t i = 0; i < v; ++i) total += p[i];
    double acc = 0;
    int64_t pick = -1;
    for (int64_t i = 0; i < v; ++i) {
      if (p[i] <= 0) continue;
      pick = i;  // the last token with mass, should rounding leave acc just below u * total
      acc += p[i];
      if (acc > u * total) break;
    }
    out.push_back(pick);
  }
  return out;
}

}  // namespace slime::runtime
