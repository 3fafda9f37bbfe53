// Next-token choice from logits: greedy argmax (model.md §9.4: first index wins ties) or
// temperature + top-p sampling with an explicit seed. Sampling draws from one std::mt19937_64 per
// batch row seeded from (seed, row index), so a row's tokens depend on the seed, its row index and
// its own logits only, and are the same on any platform (the uniform draw is defined here, not by
// std::uniform_real_distribution, whose algorithm the standard leaves open).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include <torch/types.h>

namespace slime::runtime {

struct SamplingOptions {
  double temperature = 0.0;  // <= 0: greedy (upstream: do_sample = temperature > 0)
  double top_p = 1.0;        // (0, 1]; 1 keeps every token
  uint64_t seed = 0;
};

// logits [B, V] -> argmax per row (first maximal index), on the CPU.
std::vector<int64_t> greedy_tokens(const at::Tensor& logits);

// HF TopPLogitsWarper on logits already divided by the temperature: tokens outside the smallest set
// whose probability reaches TOP_P become -inf (at least one token kept). [B, V] fp32 -> [B, V].
at::Tensor top_p_filter(const at::Tensor& logits, double top_p);

class Sampler {
 public:
  Sampler(const SamplingOptions& options, int64_t batch);
  bool greedy() const { return options_.temperature <= 0.0; }
  std::vector<int64_t> next(const at::Tensor& logits);  // [B, V] fp32 -> B token ids

 private:
  SamplingOptions options_;
  std::vector<std::mt19937_64> rngs_;  // one per row
};

}  // namespace slime::runtime
