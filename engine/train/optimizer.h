// AdamW over a stage's trainable parameters, with torch.optim.AdamW's update (decoupled weight
// decay, bias-corrected moments, eps added to sqrt(v_hat); betas 0.9/0.999, eps 1e-8 as HF's
// Trainer defaults), fp32 master weights and fp32 state. For an fp32 model the masters are the
// parameters themselves; for bf16 the model holds bf16 copies that are refreshed from the masters
// after every step (gradients are widened to fp32 first). Global-norm clipping is
// torch.nn.utils.clip_grad_norm_ (norm of the per-tensor L2 norms, coef = max / (norm + 1e-6),
// applied only when < 1). Parameter groups: the LLM's parameters may have their own base LR.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "engine/train/stages.h"

namespace slime::train {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

class AdamW {
 public:
  AdamW(std::vector<TrainableParam> params, const AdamWOptions& options);

  // Moves the model parameters' gradients into the masters (fp32), clears the model's, and returns
  // the global L2 norm of the gradients before clipping; clips when MAX_NORM > 0.
  double gather_and_clip(double max_norm);
  // One update with LR (LLM parameters: LLM_LR), then the model parameters are refreshed.
  void step(double lr, double llm_lr);
  int64_t steps() const { return steps_; }
  int64_t parameters() const;  // trainable elements

  // State for a checkpoint: "master/<name>" (bf16 models only), "exp_avg/<name>", "exp_avg_sq/<name>".
  std::vector<std::pair<std::string, at::Tensor>> state() const;
  // Restores what state() gave (and the step count); kFormat naming a missing tensor.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors, int64_t steps);

 private:
  struct Slot {
    TrainableParam param;
    at::Tensor master, exp_avg, exp_avg_sq;  // fp32
    bool separate_master = false;
  };
  std::vector<Slot> slots_;
  AdamWOptions options_;
  int64_t steps_ = 0;
};

}  // namespace slime::train
