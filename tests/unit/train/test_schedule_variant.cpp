// LR schedule values (HF get_cosine_schedule_with_warmup) and --variant parsing.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/common/error.h"
#include "engine/train/schedule.h"
#include "engine/train/train.h"

namespace slime::train {

// The schedule is closed-form double arithmetic; only the last bits of cos may differ.
constexpr double kLrTol = 1e-15;

TEST(TrainSchedule, WarmupMiddleEnd) {
  // 10 steps, ratio 0.2 -> ceil(2.0) = 2 warm-up steps.
  const CosineSchedule s = CosineSchedule::make(1e-3, 10, 0.2);
  EXPECT_EQ(s.warmup_steps, 2);
  EXPECT_NEAR(s.lr_at_step(1), 0.0, kLrTol);     // HF: the first step runs at factor(0)
  EXPECT_NEAR(s.lr_at_step(2), 0.5e-3, kLrTol);  // half-way through the warm-up
  EXPECT_NEAR(s.lr_at_step(3), 1e-3, kLrTol);    // warm-up end: the peak
  EXPECT_NEAR(s.lr_at_step(7), 0.5e-3, kLrTol);  // middle of the cosine: (6 - 2) / 8 = 0.5
  EXPECT_NEAR(s.lr_at_step(10), 1e-3 * 0.5 * (1 + std::cos(M_PI * 7.0 / 8.0)), kLrTol);  // last step
  EXPECT_NEAR(s.factor(10), 0.0, kLrTol);        // end of the schedule
  // upstream's --warmup_ratio 0.03: 3 warm-up steps of 100 (HF: math.ceil(100 * 0.03)).
  EXPECT_EQ(CosineSchedule::make(1.0, 100, 0.03).warmup_steps, 3);
  EXPECT_EQ(CosineSchedule::make(1.0, 5, 0.0).warmup_steps, 0);
  EXPECT_NEAR(CosineSchedule::make(1.0, 5, 0.0).lr_at_step(1), 1.0, kLrTol);
  EXPECT_THROW(CosineSchedule::make(1.0, 0, 0.1), Error);
  EXPECT_THROW(CosineSchedule::make(1.0, 5, 1.5), Error);
}

TEST(TrainVariant, Parse) {
  EXPECT_EQ(parse_variant("e2e"), (std::vector<std::string>{"e2e"}));
  EXPECT_EQ(parse_variant("alternating"), (std::vector<std::string>{"1a", "1b", "2", "3"}));
  EXPECT_EQ(parse_variant("stage=1b,2"), (std::vector<std::string>{"1b", "2"}));
  EXPECT_EQ(parse_variant("stage=3"), (std::vector<std::string>{"3"}));
  for (const char* bad : {"", "joint", "stage=", "stage=4", "stage=1a,,2", "stage=1a,1a", "stage=e2e"})
    EXPECT_THROW(parse_variant(bad), Error) << bad;
}

}  // namespace slime::train
