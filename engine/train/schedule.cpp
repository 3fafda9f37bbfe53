#include "engine/train/schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/common/error.h"

namespace slime::train {

CosineSchedule CosineSchedule::make(double base_lr, int64_t total_steps, double warmup_ratio) {
  if (total_steps < 1) throw_error(ErrorCode::kInvalidArgument, "schedule: {} steps (need >= 1)", total_steps);
  if (!(warmup_ratio >= 0 && warmup_ratio <= 1))
    throw_error(ErrorCode::kInvalidArgument, "--warmup-ratio {} outside [0, 1]", warmup_ratio);
  CosineSchedule s;
  s.base_lr = base_lr;
  s.total_steps = total_steps;
  s.warmup_steps = static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
  return s;
}

double CosineSchedule::factor(int64_t s) const {
  if (s < warmup_steps) return static_cast<double>(s) / static_cast<double>(std::max<int64_t>(1, warmup_steps));
  const double progress =
      static_cast<double>(s - warmup_steps) / static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

double CosineSchedule::lr_at_step(int64_t k) const { return base_lr * factor(k - 1); }

}  // namespace slime::train
