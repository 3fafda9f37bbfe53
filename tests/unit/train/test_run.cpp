// run_training in process: a 2-step e2e run whose output model::load_vlm loads, and a run stopped
// mid-stage and resumed that gives bit-identical weights to an uninterrupted one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/common/error.h"
#include "engine/model/vlm.h"
#include "engine/train/train.h"
#include "tests/unit/train/fixture.h"

namespace slime::train {

namespace {

std::string bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TrainOptions base_options(const std::string& out) {
  const auto& fx = test::train_fixture();
  TrainOptions o;
  o.model_dir = fx.model_dir;
  o.data_path = fx.data_dir;
  o.out_dir = out;
  o.quiet = true;
  return o;
}

}  // namespace

TEST(TrainRun, TwoStepsLoadable) {
  TrainOptions o = base_options(test::train_fixture().root + "/run_two");
  o.steps = 2;
  const TrainResult r = run_training(o);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.global_steps, 2);
  ASSERT_EQ(r.stages.size(), 1u);
  EXPECT_EQ(r.stages[0].stage, "e2e");
  const model::Vlm vlm = model::load_vlm(o.out_dir);  // strict: every tensor used, none missing
  EXPECT_EQ(vlm.config.kind, io::ModelKind::kSlime);
  EXPECT_NE(bytes(o.out_dir + "/model.safetensors"), bytes(o.model_dir + "/model.safetensors"));
}

TEST(TrainRun, StoppedAndResumedIsBitIdentical) {
  const std::string root = test::train_fixture().root;
  TrainOptions whole = base_options(root + "/run_whole");
  whole.variant = "stage=2,3";
  whole.steps = 2;
  whole.seed = 5;
  run_training(whole);
  TrainOptions cut = whole;
  cut.out_dir = root + "/run_cut";
  cut.stop_after_steps = 3;  // stage 3, step 1: a mid-stage optimizer state after a finished stage
  const TrainResult first = run_training(cut);
  EXPECT_FALSE(first.finished);
  cut.stop_after_steps = -1;
  const TrainResult second = run_training(cut);
  EXPECT_TRUE(second.finished);
  EXPECT_EQ(second.resumed_at_step, 3);
  EXPECT_TRUE(bytes(cut.out_dir + "/model.safetensors") == bytes(whole.out_dir + "/model.safetensors"));
  // Other options on the same OUT are refused.
  TrainOptions other = cut;
  other.lr = 2e-3;
  EXPECT_THROW(run_training(other), Error);
}

}  // namespace slime::train
