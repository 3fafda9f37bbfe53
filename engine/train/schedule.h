// Learning-rate schedule: HF transformers get_cosine_schedule_with_warmup (num_cycles 0.5), which
// upstream's Trainer uses (--lr_scheduler_type cosine --warmup_ratio 0.03):
//   warmup = ceil(total * warmup_ratio)   (TrainingArguments.get_warmup_steps)
//   factor(s) = s / max(1, warmup)                                   for s < warmup
//             = max(0, 0.5 * (1 + cos(pi * (s - warmup) / max(1, total - warmup))))  otherwise
// where s = k - 1 for the k-th optimizer step (1-based): HF's scheduler is stepped after each
// optimizer step, so the first step runs at factor(0) (= 0 with a warm-up, as upstream).
#pragma once
#include <cstdint>

namespace slime::train {

struct CosineSchedule {
  double base_lr = 0;
  int64_t total_steps = 0;
  int64_t warmup_steps = 0;

  static CosineSchedule make(double base_lr, int64_t total_steps, double warmup_ratio);
  double factor(int64_t s) const;          // s = optimizer steps already taken
  double lr_at_step(int64_t k) const;      // LR of the k-th step (1-based): base_lr * factor(k - 1)
};

}  // namespace slime::train
