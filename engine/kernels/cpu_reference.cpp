#include "engine/kernels/cpu_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/common/error.h"
#include "engine/kernels/selection_math.h"

namespace slime::kernels {

float f16_bits_to_float(std::uint16_t bits) {
  const std::uint32_t sign = (bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  std::uint32_t out = 0;
  if (exponent == 0) {
    // zero or subnormal: mantissa · 2^-24, exactly representable in fp32
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) {
    out = sign | 0x7f800000u | (mantissa << 13);  // inf / nan
  } else {
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

float bf16_bits_to_float(std::uint16_t bits) {
  const std::uint32_t out = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

namespace {

// Row `row` of a [*, D] matrix with `stride` elements between rows, widened to fp32 into `out`.
void load_row(const void* base, std::int64_t row, std::int64_t stride, int D, DType dtype, float* out) {
  const std::int64_t offset = row * stride;
  switch (dtype) {
    case DType::kF32:
      std::memcpy(out, static_cast<const float*>(base) + offset, sizeof(float) * D);
      return;
    case DType::kF16:
      for (int d = 0; d < D; ++d) out[d] = f16_bits_to_float(static_cast<const std::uint16_t*>(base)[offset + d]);
      return;
    case DType::kBF16:
      for (int d = 0; d < D; ++d) out[d] = bf16_bits_to_float(static_cast<const std::uint16_t*>(base)[offset + d]);
      return;
  }
}

float norm_clamped(const float* x, int D, float eps) {
  float squares = 0.0f;
  for (int d = 0; d < D; ++d) squares += x[d] * x[d];
  return std::max(std::sqrt(squares), eps);
}

// softmax(x / temperature) in place, max-subtracted as torch.softmax does. The operation order
// (divide, max, exp, serial sum, divide) and softmax_exp are mirrored by the CUDA selection kernel
// (selection.cu), which must reproduce these values bit for bit.
void softmax_inplace(std::vector<float>& x, float temperature) {
  float max_value = -INFINITY;
  for (float& v : x) {
    v /= temperature;
    max_value = std::max(max_value, v);
  }
  float sum = 0.0f;
  for (float& v : x) {
    v = detail::softmax_exp(v - max_value);
    sum += v;
  }
  for (float& v : x) v /= sum;
}

}  // namespace

void text_direction_cpu(const TextDirectionParams& p) {
  check_params(p, "text_direction_cpu");
  std::fill(p.out_u, p.out_u + p.D, 0.0f);
  std::vector<float> e(p.D);  // [D] one text row in fp32
  for (int t = 0; t < p.T; ++t) {
    const float mask = p.mask ? p.mask[t] : 1.0f;
    if (mask == 0.0f) continue;  // a masked row adds exactly 0, even if it holds inf/nan padding
    load_row(p.text, t, p.text_row_stride, p.D, p.dtype, e.data());
    const float weight = mask / norm_clamped(e.data(), p.D, p.eps);
    for (int d = 0; d < p.D; ++d) p.out_u[d] += weight * e[d];
  }
}

void selector_score_cpu(const SelectorScoreParams& p) {
  check_params(p, "selector_score_cpu");
  std::vector<float> z(p.D);  // [D] one token row in fp32
  for (int i = 0; i < p.L; ++i) {
    load_row(p.tokens, i, p.row_stride, p.D, p.dtype, z.data());
    float dot = 0.0f, squares = 0.0f;
    for (int d = 0; d < p.D; ++d) {
      dot += z[d] * p.u[d];
      squares += z[d] * z[d];
    }
    const float norm = std::sqrt(squares);
    p.out_scores[i] = dot / std::max(norm, p.eps);
    if (p.out_norms != nullptr) p.out_norms[i] = norm;
  }
}

void selector_score_broadcast_cpu(const SelectorScoreParams& tokens, const TextDirectionParams& text) {
  const char* who = "selector_score_broadcast_cpu";
  if (text.D != tokens.D) throw_error(ErrorCode::kShape, "{}: text D {} != tokens D {}", who, text.D, tokens.D);
  const float unused_u = 0.0f;  // only the fields this form reads are checked
  SelectorScoreParams token_fields = tokens;
  token_fields.u = &unused_u;
  check_params(token_fields, who);
  float unused_out = 0.0f;
  TextDirectionParams text_fields = text;
  text_fields.out_u = &unused_out;
  check_params(text_fields, who);

  const int D = tokens.D;
  // Each row divided by its own clamped norm first, as PyTorch 2.x does ([T, D] and [D] in fp32).
  std::vector<float> e_hat(static_cast<std::size_t>(text.T) * D);
  for (int t = 0; t < text.T; ++t) {
    float* e = e_hat.data() + static_cast<std::size_t>(t) * D;
    load_row(text.text, t, text.text_row_stride, D, text.dtype, e);
    const float norm = norm_clamped(e, D, text.eps);
    for (int d = 0; d < D; ++d) e[d] /= norm;
  }
  std::vector<float> z_hat(D);
  for (int i = 0; i < tokens.L; ++i) {
    load_row(tokens.tokens, i, tokens.row_stride, D, tokens.dtype, z_hat.data());
    const float norm = norm_clamped(z_hat.data(), D, tokens.eps);
    for (float& v : z_hat) v /= norm;
    float score = 0.0f;
    for (int t = 0; t < text.T; ++t) {
      if (text.mask != nullptr && text.mask[t] == 0.0f) continue;  // masked_fill(~mask, 0)
      const float* e = e_hat.data() + static_cast<std::size_t>(t) * D;
      float cosine = 0.0f;
      for (int d = 0; d < D; ++d) cosine += z_hat[d] * e[d];
      score += cosine;
    }
    tokens.out_scores[i] = score;
  }
}

std::vector<std::int64_t> select_topp_cpu(const float* scores, int L, float temperature, float gamma,
                                          SoftmaxMode mode) {
  if (L < 0 || (L > 0 && scores == nullptr)) throw_error(ErrorCode::kInvalidArgument, "select_topp_cpu: bad L {} / null scores", L);
  if (!(temperature > 0.0f)) throw_error(ErrorCode::kInvalidArgument, "select_topp_cpu: temperature {} must be > 0", temperature);
  std::vector<float> p(scores, scores + L);  // [L]
  if (mode == SoftmaxMode::kDouble) softmax_inplace(p, 0.5f);  // the pre-6b4e0fe inner softmax
  softmax_inplace(p, temperature);

  std::vector<std::int64_t> order(L);  // [L] indices by p descending, ties by s, then by lower index
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return p[a] > p[b] || (p[a] == p[b] && scores[a] > scores[b]);
  });

  int m = 0;  // #{j : c_j <= gamma}; c is monotone so this is a prefix
  float cumulative = 0.0f;
  for (int j = 0; j < L; ++j) {
    cumulative += p[order[j]];
    if (cumulative <= gamma) ++m;
  }
  // m+1 tokens: one past the threshold, so K >= 1 (upstream's "include one more index").
  std::vector<std::int64_t> kept(order.begin(), order.begin() + (m < L ? m + 1 : L));
  std::sort(kept.begin(), kept.end());
  return kept;
}

std::vector<std::int64_t> select_topk_cpu(const float* scores, int L, int k) {
  if (L < 0 || (L > 0 && scores == nullptr)) throw_error(ErrorCode::kInvalidArgument, "select_topk_cpu: bad L {} / null scores", L);
  if (k < 1) throw_error(ErrorCode::kInvalidArgument, "select_topk_cpu: k {} must be >= 1", k);
  const int K = std::min(k, L);
  std::vector<std::int64_t> order(L);  // [L]
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + K, order.end(), [&](std::int64_t a, std::int64_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  std::vector<std::int64_t> kept(order.begin(), order.begin() + K);
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace slime::kernels
