// Next-token cross-entropy on answer tokens only, as HF LlamaForCausalLM computes it: logits of
// row t predict labels[t + 1]; rows whose target is kIgnoreIndex (prompt, image) do not count.
// Returned as a sum and a count so that a batch's loss is the mean over all of its answer tokens
// (HF's mean over the flattened, right-padded batch), whatever the rows per sample.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace slime::train {

struct LossSum {
  at::Tensor sum;      // scalar fp32 (or the logits' dtype), differentiable
  int64_t tokens = 0;  // targets counted
};

// logits [n, V] (fp32 from the LLM), labels [n] (kIgnoreIndex where masked).
LossSum masked_next_token_loss(const at::Tensor& logits, const std::vector<int64_t>& labels);

// The rows t whose next label is an answer token, and those labels: what the loss reads. The
// training forward asks the LLM for these rows' logits only (LlamaForCausalLM logit_rows).
struct AnswerRows {
  std::vector<int64_t> rows, targets;
};
AnswerRows answer_rows(const std::vector<int64_t>& labels);

// The loss from PICKED [k, V], the logits of ANSWER.rows in order (the same sum as
// masked_next_token_loss over the full logits).
LossSum answer_rows_loss(const at::Tensor& picked, const AnswerRows& answer);

}  // namespace slime::train
