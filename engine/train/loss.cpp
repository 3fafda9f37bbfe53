#include "engine/train/loss.h"

#include <ATen/ATen.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"
#include "engine/train/batch.h"

namespace slime::train {

AnswerRows answer_rows(const std::vector<int64_t>& labels) {
  AnswerRows out;
  const auto n = static_cast<int64_t>(labels.size());
  for (int64_t t = 0; t + 1 < n; ++t)
    if (labels[static_cast<size_t>(t + 1)] != kIgnoreIndex) {
      out.rows.push_back(t);
      out.targets.push_back(labels[static_cast<size_t>(t + 1)]);
    }
  return out;
}

LossSum answer_rows_loss(const at::Tensor& picked, const AnswerRows& answer) {
  const auto k = static_cast<int64_t>(answer.rows.size());
  if (picked.dim() != 2 || picked.size(0) != k)
    throw_error(ErrorCode::kShape, "loss: logits {} do not match {} answer rows", io::shape_str(picked.sizes()), k);
  LossSum out;
  out.tokens = k;
  if (k == 0) {
    out.sum = picked.sum() * 0.0;  // keeps the graph (a zero gradient) for a fully cut answer
    return out;
  }
  out.sum = at::nll_loss(at::log_softmax(picked, -1), at::tensor(answer.targets, at::kLong).to(picked.device()), {},
                         at::Reduction::Sum);
  return out;
}

LossSum masked_next_token_loss(const at::Tensor& logits, const std::vector<int64_t>& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  if (logits.dim() != 2 || logits.size(0) != n)
    throw_error(ErrorCode::kShape, "loss: logits {} do not match {} labels", io::shape_str(logits.sizes()), n);
  // Only the rows that predict an answer token enter the softmax: the same terms as HF's masked
  // mean, without a [n, V] log-softmax over the prompt and image rows.
  const AnswerRows answer = answer_rows(labels);
  if (answer.rows.empty()) return answer_rows_loss(logits.slice(0, 0, 0) + logits.sum() * 0.0, answer);
  return answer_rows_loss(logits.index_select(0, at::tensor(answer.rows, at::kLong).to(logits.device())), answer);
}

}  // namespace slime::train
